package infogan_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/models/infogan"
)

// warp runs infogan.Warp on x [b, h, w, 1] (float64) with the RNG seeded by seed, so that equal seeds draw equal
// maps; with r it also returns the gradient of Σ Warp(x)·r with respect to x.
func warp(t *testing.T, b compute.Backend, x []float64, n, h, w int, seed int64, deg, shear, scale float64, r []float64) (y, grad []float64) {
	t.Helper()
	scope := model.NewStore().RootScope()
	scope.Store().SetRNGStateFromSeed(seed)
	out := model.MustCallOnceN(b, scope.Store(), func(scope *model.Scope, x, r *graph.Node) []*graph.Node {
		y := infogan.Warp(scope, x, deg, shear, scale)
		loss := graph.ReduceAllSum(graph.Mul(y, r))
		return []*graph.Node{y, graph.Gradient(loss, x)[0]}
	}, tensors.FromFlatDataAndDimensions(x, n, h, w, 1), tensors.FromFlatDataAndDimensions(r, n, h, w, 1))
	return tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
}

// TestWarp: with zero limits the warp is the identity; with the AugmentedQ limits it keeps values in [−1, 1] and
// moves the strokes; its gradient matches central finite differences (the warp is linear in the pixels for a
// given draw, so the match is to rounding).
func TestWarp(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		const n, h, w = 3, 9, 7
		rng := rand.New(rand.NewPCG(1, 2))
		x := make([]float64, n*h*w)
		r := make([]float64, len(x))
		for i := range x {
			x[i] = -1
			if rng.Float64() < 0.4 {
				x[i] = 2*rng.Float64() - 1
			}
			r[i] = rng.NormFloat64()
		}
		id, _ := warp(t, b, x, n, h, w, 5, 0, 0, 0, r)
		for i := range x {
			if math.Abs(id[i]-x[i]) > 1e-9 {
				t.Fatalf("zero warp changed pixel %d: %g → %g", i, x[i], id[i])
			}
		}
		y, grad := warp(t, b, x, n, h, w, 5, infogan.AugmentDegrees, infogan.AugmentShear, infogan.AugmentScale, r)
		var moved float64
		for i := range y {
			if y[i] < -1-1e-9 || y[i] > 1+1e-9 {
				t.Fatalf("warped pixel %d = %g outside [−1, 1]", i, y[i])
			}
			moved = math.Max(moved, math.Abs(y[i]-x[i]))
		}
		if moved < 0.1 {
			t.Errorf("the warp moved no pixel by more than %g", moved)
		}
		loss := func(x []float64) float64 {
			y, _ := warp(t, b, x, n, h, w, 5, infogan.AugmentDegrees, infogan.AugmentShear, infogan.AugmentScale, r)
			var s float64
			for i := range y {
				s += y[i] * r[i]
			}
			return s
		}
		const eps = 1e-3
		for _, i := range []int{0, 17, 31, 62, 100, 150, n*h*w - 1} {
			xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
			xp[i] += eps
			xm[i] -= eps
			fd := (loss(xp) - loss(xm)) / (2 * eps)
			if math.Abs(fd-grad[i]) > 1e-6*math.Max(1, math.Abs(fd)) {
				t.Errorf("d/dx[%d]: gradient %g, finite differences %g", i, grad[i], fd)
			}
		}
	})
}
