package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/internal/tune"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// testBackend is one backend the tests run on.
type testBackend struct {
	name string // "go" or "xla"
	b    compute.Backend
	skip string // why the backend is unavailable, when b is nil
}

var (
	backendsOnce sync.Once
	testBackends []*testBackend
)

// getBackends creates the pure-Go and the XLA CPU backends once per test binary.
func getBackends() []*testBackend {
	backendsOnce.Do(func() {
		goB, err := backend.NewGo()
		if err != nil {
			panic(fmt.Sprintf("creating the pure-Go backend: %v", err))
		}
		testBackends = append(testBackends, &testBackend{name: "go", b: goB})
		xb := &testBackend{name: "xla"}
		if backend.FindPlugin("cpu") == "" {
			xb.skip = "no XLA CPU PJRT plugin found (run make setup)"
		} else {
			b, err := backend.NewCPU()
			if err != nil {
				xb.skip = fmt.Sprintf("XLA CPU backend failed: %v", err)
			} else {
				xb.b = b
			}
		}
		testBackends = append(testBackends, xb)
	})
	return testBackends
}

// forEachBackend runs fn as a subtest per backend. A missing XLA plugin skips its subtest, or fails it when
// GANLAB_REQUIRE_XLA=1.
func forEachBackend(t *testing.T, fn func(t *testing.T, b compute.Backend)) {
	for _, tb := range getBackends() {
		t.Run(tb.name, func(t *testing.T) {
			if tb.b == nil {
				if os.Getenv("GANLAB_REQUIRE_XLA") == "1" {
					t.Fatalf("GANLAB_REQUIRE_XLA=1 but %s", tb.skip)
				}
				t.Skip(tb.skip)
			}
			fn(t, tb.b)
		})
	}
}

// forEachConvRoute runs fn as a subtest per backend and convolution route: go/im2col, go/shift, go/select,
// xla/im2col, xla/native, xla/phase. The routes of the speed switch (shift, select, phase) run with it on.
func forEachConvRoute(t *testing.T, fn func(t *testing.T, b compute.Backend, route string)) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		// Each backend's tests cover the routes "auto" takes there (conv_native.go): "shift" and "select" exist
		// for the pure-Go backend, "native" and "phase" for XLA, "im2col" for both.
		routes := []string{"im2col", "shift", "select"}
		if isXLA(b) {
			routes = []string{"im2col", "native", "phase"}
		}
		for _, route := range routes {
			t.Run(route, func(t *testing.T) {
				if extraRoutes[route] {
					speedOn(t)
				}
				fn(t, b, route)
			})
		}
	})
}

// speedOn turns ganlab's speed switch on until the test ends (GANLAB_SPEED=on).
func speedOn(t testing.TB) { t.Setenv(tune.Env, "on") }

func isXLA(b compute.Backend) bool { return b.Name() == "xla" }

// xlaBackend returns the XLA CPU backend or skips (fails with GANLAB_REQUIRE_XLA=1).
func xlaBackend(t *testing.T) compute.Backend {
	for _, tb := range getBackends() {
		if tb.name == "xla" {
			if tb.b == nil {
				if os.Getenv("GANLAB_REQUIRE_XLA") == "1" {
					t.Fatalf("GANLAB_REQUIRE_XLA=1 but %s", tb.skip)
				}
				t.Skip(tb.skip)
			}
			return tb.b
		}
	}
	panic("unreachable")
}

// randTensor returns a float64 tensor with N(0,1) entries.
func randTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
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

func flat(t *tensors.Tensor) []float64 { return tensors.MustCopyFlatData[float64](t) }

// projection returns a fixed, non-trivial weight tensor shaped like y, so that sum(y·projection(y)) is a scalar
// loss whose gradient exercises every output element differently.
func projection(y *graph.Node) *graph.Node {
	r := graph.IotaFull(y.Graph(), shapes.Make(y.DType(), y.Shape().Dimensions...))
	return graph.Sin(graph.AddScalar(graph.MulScalar(r, 1.37), 0.5))
}

// lossFn builds a scalar loss from the context and the input x.
type lossFn func(scope *model.Scope, x *graph.Node) *graph.Node

// projected turns a layer into a lossFn: sum(layer(x)·projection).
func projected(layer func(scope *model.Scope, x *graph.Node) *graph.Node) lossFn {
	return func(scope *model.Scope, x *graph.Node) *graph.Node {
		y := layer(scope, x)
		return graph.ReduceAllSum(graph.Mul(y, projection(y)))
	}
}

// gradOpts tunes checkGradients.
type gradOpts struct {
	eps       float64 // finite-difference step
	tol       float64 // allowed |fd-analytic| / (1 + |analytic| + |fd|)
	coords    int     // coordinates checked per tensor, besides random directions
	dirs      int     // random directions checked per tensor
	onlyInput bool    // check the input only, not the variables
	training  bool    // build the graph in training mode
	route     string  // ParamConvRoute, when set
}

func defaultGradOpts() gradOpts { return gradOpts{eps: 1e-5, tol: 1e-6, coords: 4, dirs: 2} }

// gradMismatch is one disagreement found by gradCheck.
type gradMismatch struct {
	what       string
	analytic   float64
	finiteDiff float64
}

// gradCheck compares the gradient of loss (computed by GoMLX autodiff, i.e. the VJPs under test) with central
// finite differences, for the input x and every trainable variable the loss creates. It works in float64, uses a
// fixed seed and returns the mismatches found (empty when all agree).
func gradCheck(t *testing.T, b compute.Backend, loss lossFn, x *tensors.Tensor, o gradOpts) (mismatches []gradMismatch) {
	t.Helper()
	scope := model.NewStore().RootScope()
	scope.SetParam(model.ParamInitialSeed, int64(42))
	if o.route != "" {
		scope.SetParam(ParamConvRoute, o.route)
	}
	var vars []*model.Variable
	gradExec := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, x *graph.Node) []*graph.Node {
		scope.Store().SetTraining(x.Graph(), o.training)
		l := loss(scope, x)
		nodes := []*graph.Node{x}
		vars = vars[:0]
		if !o.onlyInput {
			for v := range scope.IterVariables() {
				if v.Trainable && v.Shape().DType == dtypes.Float64 {
					vars = append(vars, v)
					nodes = append(nodes, v.NodeValue(x.Graph()))
				}
			}
		}
		return append([]*graph.Node{l}, graph.Gradient(l, nodes...)...)
	})
	defer gradExec.Finalize()
	out := gradExec.MustCall(x)
	grads := out[1:]
	lossExec := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, x *graph.Node) *graph.Node {
		scope.Store().SetTraining(x.Graph(), o.training)
		return loss(scope, x)
	})
	defer lossExec.Finalize()
	eval := func(x *tensors.Tensor) float64 { return flat(lossExec.MustCall(x)[0])[0] }

	rng := rand.New(rand.NewPCG(7, 11))
	for p, g := range grads {
		name := "input"
		base := flat(x)
		set := func(vals []float64) float64 {
			tt := tensors.FromFlatDataAndDimensions(vals, x.Shape().Dimensions...)
			return eval(tt)
		}
		if p > 0 {
			v := vars[p-1]
			name = v.Path()
			orig := v.MustValue()
			base = flat(orig)
			dims := orig.Shape().Dimensions
			set = func(vals []float64) float64 {
				v.MustSetValue(tensors.FromFlatDataAndDimensions(vals, dims...))
				return eval(x)
			}
			defer v.MustSetValue(tensors.FromFlatDataAndDimensions(base, dims...))
		}
		an := flat(g)
		check := func(what string, dir []float64) {
			plus := make([]float64, len(base))
			minus := make([]float64, len(base))
			dot := 0.0
			for i := range base {
				plus[i] = base[i] + o.eps*dir[i]
				minus[i] = base[i] - o.eps*dir[i]
				dot += an[i] * dir[i]
			}
			fd := (set(plus) - set(minus)) / (2 * o.eps)
			if diff := math.Abs(fd - dot); !(diff <= o.tol*(1+math.Abs(fd)+math.Abs(dot))) {
				mismatches = append(mismatches, gradMismatch{what: name + " " + what, analytic: dot, finiteDiff: fd})
			}
		}
		for d := 0; d < o.dirs; d++ {
			dir := make([]float64, len(base))
			for i := range dir {
				dir[i] = rng.NormFloat64()
			}
			check(fmt.Sprintf("direction #%d", d), dir)
		}
		for c := 0; c < o.coords && c < len(base); c++ {
			i := rng.IntN(len(base))
			dir := make([]float64, len(base))
			dir[i] = 1
			check(fmt.Sprintf("element %d", i), dir)
		}
		if p > 0 {
			vars[p-1].MustSetValue(tensors.FromFlatDataAndDimensions(base, vars[p-1].Shape().Dimensions...))
		}
	}
	return mismatches
}

// requireGrads runs gradCheck and fails the test on any mismatch.
func requireGrads(t *testing.T, b compute.Backend, loss lossFn, x *tensors.Tensor, o gradOpts) {
	t.Helper()
	for _, m := range gradCheck(t, b, loss, x, o) {
		t.Errorf("gradient of %s: analytic %.10g, finite differences %.10g", m.what, m.analytic, m.finiteDiff)
	}
}
