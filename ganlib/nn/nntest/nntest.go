// Package nntest holds what the tests of networks built on ganlib/nn share: a gradient check against central
// finite differences in float64, and float64 tensors. It is imported by _test.go files only.
package nntest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	. "github.com/gomlx/gomlx/core/graph"
)

// RandTensor returns a float64 tensor of the given dimensions with N(0, 1) entries drawn from rng.
func RandTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float64, n)
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// Flat64 is a float64 tensor's values.
func Flat64(t *tensors.Tensor) []float64 { return tensors.MustCopyFlatData[float64](t) }

// GradCheck compares the gradient of loss(x), in x and in every trainable float64 variable the loss creates, with
// central finite differences along two random directions and three single coordinates each. The graph is built
// as loss builds it (in inference mode unless loss sets training), in a fresh store seeded with 42.
func GradCheck(t *testing.T, b compute.Backend, loss func(scope *model.Scope, x *Node) *Node, x *tensors.Tensor) {
	t.Helper()
	scope := model.NewStore().RootScope()
	scope.SetParam(model.ParamInitialSeed, int64(42))
	GradCheckIn(t, b, scope, loss, x)
}

// GradCheckIn is GradCheck in a given scope, whose variables may already hold values (e.g. a spectral norm's
// converged vector); the variables' values are left as they were.
func GradCheckIn(t *testing.T, b compute.Backend, scope *model.Scope, loss func(scope *model.Scope, x *Node) *Node, x *tensors.Tensor) {
	t.Helper()
	const eps, tol = 1e-5, 1e-6
	var vars []*model.Variable
	gradExec := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, x *Node) []*Node {
		l := loss(scope, x)
		nodes := []*Node{x}
		vars = vars[:0]
		for v := range scope.IterVariables() {
			if v.Trainable && v.Shape().DType == dtypes.Float64 {
				vars = append(vars, v)
				nodes = append(nodes, v.NodeValue(x.Graph()))
			}
		}
		return append([]*Node{l}, Gradient(l, nodes...)...)
	})
	grads := gradExec.MustCall(x)[1:]
	lossExec := model.MustNewExec(b, scope.Store(), loss)
	eval := func(x *tensors.Tensor) float64 { return Flat64(lossExec.MustCall(x)[0])[0] }
	rng := rand.New(rand.NewPCG(7, 11))
	for p, g := range grads {
		name, base := "input", Flat64(x)
		set := func(vals []float64) float64 {
			return eval(tensors.FromFlatDataAndDimensions(vals, x.Shape().Dimensions...))
		}
		if p > 0 {
			v := vars[p-1]
			name, base = v.Path(), Flat64(v.MustValue())
			dims := v.Shape().Dimensions
			set = func(vals []float64) float64 {
				v.MustSetValue(tensors.FromFlatDataAndDimensions(vals, dims...))
				return eval(x)
			}
		}
		an := Flat64(g)
		check := func(what string, dir []float64) {
			plus, minus := make([]float64, len(base)), make([]float64, len(base))
			dot := 0.0
			for i := range base {
				plus[i], minus[i] = base[i]+eps*dir[i], base[i]-eps*dir[i]
				dot += an[i] * dir[i]
			}
			fd := (set(plus) - set(minus)) / (2 * eps)
			if diff := math.Abs(fd - dot); !(diff <= tol*(1+math.Abs(fd)+math.Abs(dot))) {
				t.Errorf("gradient of %s %s: analytic %.10g, finite differences %.10g", name, what, dot, fd)
			}
		}
		for d := range 2 {
			dir := make([]float64, len(base))
			for i := range dir {
				dir[i] = rng.NormFloat64()
			}
			check(fmt.Sprintf("direction #%d", d), dir)
		}
		for range 3 {
			i := rng.IntN(len(base))
			dir := make([]float64, len(base))
			dir[i] = 1
			check(fmt.Sprintf("element %d", i), dir)
		}
		if p > 0 { // back to the point the analytic gradients were taken at
			vars[p-1].MustSetValue(tensors.FromFlatDataAndDimensions(base, vars[p-1].Shape().Dimensions...))
		}
	}
}
