package nn

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/support/exceptions"
)

// LeakyReLU returns x where x >= 0 and alpha·x elsewhere (Maas et al. 2013; the lecture's DCGAN uses alpha 0.2,
// Keras's layers.LeakyReLU(negative_slope)). Any shape; its gradient is 1 or alpha, its second derivative 0.
func LeakyReLU(x *graph.Node, alpha float64) *graph.Node {
	zero := graph.ScalarZero(x.Graph(), x.DType())
	return graph.Where(graph.GreaterOrEqual(x, zero), x, graph.MulScalar(x, alpha))
}

// Dropout zeroes each element of x with probability rate and scales the kept ones by 1/(1-rate) ("inverted"
// dropout, Srivastava et al. 2014, https://jmlr.org/papers/v15/srivastava14a.html), so that the expected value is
// unchanged. It is active only while ctx.IsTraining(g) (GoMLX's training flag, set by the trainer) and returns
// x unchanged otherwise. Any shape; rate in [0, 1). The random mask comes from the context's random state.
func Dropout(ctx *context.Context, x *graph.Node, rate float64) *graph.Node {
	if rate < 0 || rate >= 1 {
		exceptions.Panicf("nn.Dropout: rate must be in [0, 1), got %g", rate)
	}
	g := x.Graph()
	if rate == 0 || !ctx.IsTraining(g) {
		return x
	}
	u := ctx.RandomUniform(g, x.Shape())
	keep := graph.GreaterOrEqual(u, graph.Scalar(g, x.DType(), rate))
	return graph.Where(keep, graph.MulScalar(x, 1/(1-rate)), graph.ZerosLike(x))
}
