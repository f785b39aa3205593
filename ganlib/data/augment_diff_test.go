package data_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/nn/nntest"
)

// diffAug runs a.ApplyWith on x [n, h, w, c] with the draws r [n, DiffAugmentDraws].
func diffAug(t *testing.T, b compute.Backend, a data.DiffAugment, x []float64, r []float64, n, h, w, c int) []float64 {
	t.Helper()
	out := graph.MustExecOnce(b, func(x, r *graph.Node) *graph.Node { return a.ApplyWith(x, r) },
		tensors.FromFlatDataAndDimensions(x, n, h, w, c), tensors.FromFlatDataAndDimensions(r, n, data.DiffAugmentDraws))
	return tensors.MustCopyFlatData[float64](out)
}

// TestDiffAugment checks each change against its definition on hand-picked draws, and the gradient of the whole
// policy against finite differences.
func TestDiffAugment(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		const n, h, w, c = 2, 8, 8, 1
		rng := rand.New(rand.NewPCG(3, 4))
		x := make([]float64, n*h*w*c)
		for i := range x {
			x[i] = 2*rng.Float64() - 1
		}
		at := func(v []float64, k, i, j int) float64 { return v[(k*h+i)*w+j] }
		// r = 0.5 everywhere: shift 0, no brightness change, contrast ×1; the cutout's corner lands at row/col 2.
		half := make([]float64, n*data.DiffAugmentDraws)
		for i := range half {
			half[i] = 0.5
		}
		if y := diffAug(t, b, data.DiffAugment{}, x, half, n, h, w, c); !near(y, x, 1e-12) {
			t.Fatalf("the zero policy changed the images")
		}
		// Translation 1/8 of 8 pixels: shifts of −1, 0, 1. u = 0.99 → +1 down; u = 0 → −1 (left).
		r := append([]float64(nil), half...)
		r[0], r[1] = 0.99, 0 // image 0: one down, one left
		y := diffAug(t, b, data.DiffAugment{Translation: 1.0 / 8}, x, r, n, h, w, c)
		for i := range h {
			for j := range w {
				want := -1.0 // black where the source is outside
				if i-1 >= 0 && j+1 < w {
					want = at(x, 0, i-1, j+1)
				}
				if got := at(y, 0, i, j); got != want {
					t.Fatalf("translated pixel (%d, %d) = %g, want %g", i, j, got, want)
				}
			}
		}
		if !near(y[h*w:], x[h*w:], 0) {
			t.Errorf("image 1 (draws 0.5: no shift) moved")
		}
		// Cutout ½ of 8: a 4×4 hole; u = 0.5 puts its corner at ⌊0.5·11⌋ − 3 = 2.
		y = diffAug(t, b, data.DiffAugment{Cutout: 0.5}, x, half, n, h, w, c)
		for k := range n {
			for i := range h {
				for j := range w {
					want := at(x, k, i, j)
					if i >= 2 && i < 6 && j >= 2 && j < 6 {
						want = -1
					}
					if got := at(y, k, i, j); got != want {
						t.Fatalf("image %d pixel (%d, %d) after cutout = %g, want %g", k, i, j, got, want)
					}
				}
			}
		}
		// Brightness and contrast: u = 1 (the top of the range, approached) → +0.5 and ×1.5 about the mean.
		r = append([]float64(nil), half...)
		r[4], r[5] = 1, 1
		y = diffAug(t, b, data.DiffAugment{Brightness: 0.5, Contrast: 0.5}, x, r, n, h, w, c)
		mean := 0.0
		for i := range h * w {
			mean += x[i] + 0.5
		}
		mean /= float64(h * w)
		for i := range h * w {
			if want := (x[i]+0.5-mean)*1.5 + mean; math.Abs(y[i]-want) > 1e-12 {
				t.Fatalf("pixel %d after brightness and contrast = %g, want %g", i, y[i], want)
			}
		}

		// The gradient in x of the whole paper policy, for fixed random draws.
		draws := tensors.FromFlatDataAndDimensions(func() []float64 {
			v := make([]float64, n*data.DiffAugmentDraws)
			for i := range v {
				v[i] = rng.Float64()
			}
			return v
		}(), n, data.DiffAugmentDraws)
		weights := nntest.RandTensor(rng, n, h, w, c)
		nntest.GradCheck(t, b, func(scope *model.Scope, x *graph.Node) *graph.Node {
			g := x.Graph()
			y := data.DiffAugmentPaper.ApplyWith(x, graph.Const(g, draws))
			return graph.ReduceAllSum(graph.Mul(graph.Square(y), graph.Const(g, weights)))
		}, nntest.RandTensor(rng, n, h, w, c))
	})
}

// TestDiffAugmentApply: Apply changes images only in training, and draws anew for each image.
func TestDiffAugmentApply(t *testing.T) {
	b := backendtest.XLA(t)
	const n, h, w = 3, 8, 8
	x := make([]float64, n*h*w)
	for i := range x {
		x[i] = float64(i%(h*w)%7)/7 - 0.5 // three equal images
	}
	run := func(training bool) []float64 {
		store := model.NewStore()
		store.SetRNGStateFromSeed(9)
		out := model.MustCallOnceN(b, store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
			scope.Store().SetTraining(x.Graph(), training)
			return []*graph.Node{data.DiffAugmentPaper.Apply(scope, x)}
		}, tensors.FromFlatDataAndDimensions(x, n, h, w, 1))
		return tensors.MustCopyFlatData[float64](out[0])
	}
	if !near(run(false), x, 0) {
		t.Errorf("Apply changed the images outside training")
	}
	y := run(true)
	if near(y, x, 1e-3) {
		t.Fatalf("Apply in training left the images unchanged")
	}
	if near(y[:h*w], y[h*w:2*h*w], 1e-3) && near(y[:h*w], y[2*h*w:], 1e-3) {
		t.Errorf("all images drew the same changes")
	}
}

func near(a, b []float64, tol float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return len(a) == len(b)
}
