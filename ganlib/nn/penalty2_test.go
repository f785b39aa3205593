package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// wganGPPenalty is WGAN-GP's penalty mean_b (sqrt(Σ_{h,w,c} g_b² + 1e-12) − 1)² with g = ∇_x Σ_b critic(x), written
// out here as gan.GradientPenalty computes it (ganlib/gan tests that function against hand-computed values; nn
// cannot import gan). x plays the role of the interpolate x̂.
func wganGPPenalty(critic func(scope *model.Scope, x *graph.Node) *graph.Node) lossFn {
	return func(scope *model.Scope, x *graph.Node) *graph.Node {
		g := graph.Gradient(graph.ReduceAllSum(critic(scope, x)), x)[0]
		norms := graph.Sqrt(graph.AddScalar(graph.ReduceSum(graph.Square(g), 1, 2, 3), 1e-12))
		return graph.ReduceAllMean(graph.Square(graph.AddScalar(norms, -1)))
	}
}

// TestGradientPenaltySecondOrder checks, by central finite differences in float64, the gradient of WGAN-GP's
// penalty w.r.t. every weight of a small critic made like the project's critics and w.r.t. the interpolate itself:
// a second derivative through the convolutions (GoMLX's own conv gradients panic there with input dilations,
// DESIGN §3), on every backend and convolution route. One critic covers the four 'same' convolutions critics use
// (kernel 3 or 4 × stride 1 or 2), each followed by LeakyReLU(0.2), then Dense(1); one critic instead of one per
// kernel and stride keeps XLA's compilations (most of this test's time) to two per route.
func TestGradientPenaltySecondOrder(t *testing.T) {
	critic := func(scope *model.Scope, x *graph.Node) *graph.Node {
		y := x
		for i, ks := range [][2]int{{3, 1}, {4, 2}, {3, 2}, {4, 1}} {
			y = LeakyReLU(Conv2D(scope.At("%03d_conv", i), y, 3, ks[0], ks[1], Same), 0.2)
		}
		y.AssertDims(3, 2, 3, 3) // 8×9 → 8×9 → 4×5 → 2×3 → 2×3
		return Dense(scope.At("004_dense"), Flatten(y), 1)
	}
	forEachConvRoute(t, func(t *testing.T, b compute.Backend, route string) {
		o := defaultGradOpts()
		o.route = route
		rng := rand.New(rand.NewPCG(6, 2))
		// Batch 3: the norm is per example, so the examples must not be mixed up.
		requireGrads(t, b, wganGPPenalty(critic), randTensor(rng, 3, 8, 9, 2), o)
	})
}
