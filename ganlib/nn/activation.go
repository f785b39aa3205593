package nn

import (
	"github.com/ganlab/ganlab/ganlib/nn/internal/vjp"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/support/exceptions"
)

// LeakyReLU returns x where x >= 0 and alpha·x elsewhere (Maas et al. 2013; the lecture's DCGAN uses alpha 0.2,
// Keras's layers.LeakyReLU(negative_slope)). Any shape; its gradient is 1 or alpha, its second derivative 0.
//
// Its gradient v ↦ v where x >= 0, alpha·v elsewhere, is the same select (leakyScale), two ops; GoMLX's own
// gradient of Where selects twice against broadcast zeros and adds, six passes over the activation (each one
// element at a time on the pure-Go backend).
func LeakyReLU(x *graph.Node, alpha float64) *graph.Node {
	return leakyScale(graph.GreaterOrEqual(x, graph.ScalarZero(x.Graph(), x.DType())), x, alpha)
}

// leakyScale returns v where pos, alpha·v elsewhere. It is linear in v and its own adjoint, so its gradient is
// leakyScale again (pos takes none: it is piecewise constant).
func leakyScale(pos, v *graph.Node, alpha float64) *graph.Node {
	y := graph.Where(pos, v, graph.MulScalar(v, alpha))
	vjp.Set(y, func(_, w *graph.Node) []*graph.Node { return []*graph.Node{nil, leakyScale(pos, w, alpha), nil} })
	return y
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
