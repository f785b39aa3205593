package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestDenseGradients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		rng := rand.New(rand.NewPCG(1, 2))
		requireGrads(t, b, projected(func(ctx *context.Context, x *graph.Node) *graph.Node {
			return Dense(ctx, x, 5)
		}), randTensor(rng, 3, 7), defaultGradOpts())
	})
}

func TestMaxoutGradients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		rng := rand.New(rand.NewPCG(1, 3))
		requireGrads(t, b, projected(func(ctx *context.Context, x *graph.Node) *graph.Node {
			return Maxout(ctx, x, 4, 3)
		}), randTensor(rng, 3, 6), defaultGradOpts())
	})
}

func TestLeakyReLUGradients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		rng := rand.New(rand.NewPCG(1, 4))
		requireGrads(t, b, projected(func(ctx *context.Context, x *graph.Node) *graph.Node {
			return LeakyReLU(x, 0.2)
		}), randTensor(rng, 4, 5), defaultGradOpts())
	})
}

func TestFlattenReshapeGradients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		rng := rand.New(rand.NewPCG(1, 5))
		requireGrads(t, b, projected(func(ctx *context.Context, x *graph.Node) *graph.Node {
			y := Reshape(Flatten(x), 3, 4, 2)
			y.AssertDims(2, 3, 4, 2)
			return Dense(ctx, Flatten(y), 3)
		}), randTensor(rng, 2, 4, 6), defaultGradOpts())
	})
}

// TestDenseSecondOrder checks the gradient of a gradient norm through Dense and LeakyReLU (what WGAN-GP's
// penalty differentiates).
func TestDenseSecondOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		rng := rand.New(rand.NewPCG(1, 6))
		requireGrads(t, b, func(ctx *context.Context, x *graph.Node) *graph.Node {
			y := Dense(ctx.In("a"), x, 6)
			y = LeakyReLU(y, 0.2)
			y = Dense(ctx.In("b"), y, 1)
			gx := graph.Gradient(graph.ReduceAllSum(y), x)[0]
			return graph.ReduceAllSum(graph.Square(gx))
		}, randTensor(rng, 3, 5), defaultGradOpts())
	})
}
