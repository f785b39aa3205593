package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

func TestDenseGradients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(1, 2))
		requireGrads(t, b, projected(func(scope *model.Scope, x *graph.Node) *graph.Node {
			return Dense(scope, x, 5)
		}), randTensor(rng, 3, 7), defaultGradOpts())
	})
}

func TestMaxoutGradients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(1, 3))
		requireGrads(t, b, projected(func(scope *model.Scope, x *graph.Node) *graph.Node {
			return Maxout(scope, x, 4, 3)
		}), randTensor(rng, 3, 6), defaultGradOpts())
	})
}

func TestLeakyReLUGradients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(1, 4))
		requireGrads(t, b, projected(func(scope *model.Scope, x *graph.Node) *graph.Node {
			return LeakyReLU(x, 0.2)
		}), randTensor(rng, 4, 5), defaultGradOpts())
	})
}

func TestFlattenReshapeGradients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(1, 5))
		requireGrads(t, b, projected(func(scope *model.Scope, x *graph.Node) *graph.Node {
			y := Reshape(Flatten(x), 3, 4, 2)
			y.AssertDims(2, 3, 4, 2)
			return Dense(scope, Flatten(y), 3)
		}), randTensor(rng, 2, 4, 6), defaultGradOpts())
	})
}

// TestDenseSecondOrder checks the gradient of a gradient norm through Dense and LeakyReLU (what WGAN-GP's
// penalty differentiates).
func TestDenseSecondOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(1, 6))
		requireGrads(t, b, func(scope *model.Scope, x *graph.Node) *graph.Node {
			y := Dense(scope.At("a"), x, 6)
			y = LeakyReLU(y, 0.2)
			y = Dense(scope.At("b"), y, 1)
			gx := graph.Gradient(graph.ReduceAllSum(y), x)[0]
			return graph.ReduceAllSum(graph.Square(gx))
		}, randTensor(rng, 3, 5), defaultGradOpts())
	})
}

// TestAddBiasLarge: addBias on a tensor above its 64 Ki threshold (where the pure-Go backend spreads the bias by a
// product with ones): y = x + b per row, and for L = Σ y·w the gradients dL/dx = w and dL/db = the column sums of w.
func TestAddBiasLarge(t *testing.T) {
	const rows, f = 320, 256 // 81,920 values
	rng := rand.New(rand.NewPCG(7, 8))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	x, bias, w := rnd(rows*f), rnd(f), rnd(rows*f)
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		out := graph.MustExecOnceN(b, func(x, bias, w *graph.Node) []*graph.Node {
			y := addBias(x, bias)
			g := graph.Gradient(graph.ReduceAllSum(graph.Mul(y, w)), x, bias)
			return []*graph.Node{y, g[0], g[1]}
		}, tensors.FromFlatDataAndDimensions(x, rows, f), tensors.FromFlatDataAndDimensions(bias, f),
			tensors.FromFlatDataAndDimensions(w, rows, f))
		y, dx, db := out[0].Value().([][]float32), out[1].Value().([][]float32), out[2].Value().([]float32)
		colSum := make([]float64, f)
		for r := range rows {
			for c := range f {
				if got, want := y[r][c], x[r*f+c]+bias[c]; math.Abs(float64(got-want)) > 1e-5 {
					t.Fatalf("y[%d][%d] = %g, want %g", r, c, got, want)
				}
				if got, want := dx[r][c], w[r*f+c]; got != want {
					t.Fatalf("dL/dx[%d][%d] = %g, want %g", r, c, got, want)
				}
				colSum[c] += float64(w[r*f+c])
			}
		}
		for c := range f {
			if math.Abs(float64(db[c])-colSum[c]) > 1e-3 {
				t.Fatalf("dL/db[%d] = %g, want %g", c, db[c], colSum[c])
			}
		}
	})
}

// TestLeakyReLUValues checks LeakyReLU's value and slope at the edges, on each backend (the pure-Go backend computes
// the slope by clamping instead of a select): -0 and the smallest positive normal float take slope 1, -1e-20 and
// -Inf alpha, NaN stays NaN.
func TestLeakyReLUValues(t *testing.T) {
	const alpha = 0.2
	inf := float32(math.Inf(1))
	x := []float32{-3, -1e-20, float32(math.Copysign(0, -1)), 0, 1.2e-38, 2.5, inf, -inf, float32(math.NaN())}
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		out := graph.MustExecOnceN(b, func(x *graph.Node) []*graph.Node {
			y := LeakyReLU(x, alpha)
			return []*graph.Node{y, graph.Gradient(graph.ReduceAllSum(y), x)[0]}
		}, x)
		y, dy := out[0].Value().([]float32), out[1].Value().([]float32)
		for i, v := range x {
			if math.IsNaN(float64(v)) {
				if !math.IsNaN(float64(y[i])) {
					t.Errorf("LeakyReLU(NaN) = %g, want NaN", y[i])
				}
				continue
			}
			want, slope := v, float32(1)
			if v < 0 {
				want, slope = alpha*v, alpha
			}
			if y[i] != want || dy[i] != slope {
				t.Errorf("x = %g: LeakyReLU %g, slope %g; want %g, %g", v, y[i], dy[i], want, slope)
			}
		}
	})
}
