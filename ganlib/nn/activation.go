package nn

import (
	"github.com/ganlab/ganlab/ganlib/internal/purego"
	"github.com/ganlab/ganlab/ganlib/nn/internal/vjp"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// LeakyReLU returns x where x >= 0 and alpha·x elsewhere (Maas et al. 2013; the lecture's DCGAN uses alpha 0.2,
// Keras's layers.LeakyReLU(negative_slope)). Any shape; its gradient is 1 or alpha, its second derivative 0.
//
// Its gradient v ↦ v where x >= 0, alpha·v elsewhere, is the same select (leakyScale), two ops; GoMLX's own
// gradient of Where selects twice against broadcast zeros and adds, six passes over the activation (each one
// element at a time on the pure-Go backend).
//
// On the pure-Go backend (for 0 ≤ alpha ≤ 1) it is x times its slope instead (leakySlope), and its gradient v
// times the same slope: GoMLX's Where branches on each element, several times slower for random signs than a
// product, a Max or a Min (docs/benchmarks.md, "Numbers from doc comments").
func LeakyReLU(x *graph.Node, alpha float64) *graph.Node {
	if purego.On(x.Graph()) && alpha >= 0 && alpha <= 1 {
		return slopeScale(leakySlope(x, alpha), x)
	}
	return leakyScale(graph.GreaterOrEqual(x, graph.ScalarZero(x.Graph(), x.DType())), x, alpha)
}

// leakyScale returns v where pos, alpha·v elsewhere. It is linear in v and its own adjoint, so its gradient is
// leakyScale again (pos takes none: it is piecewise constant).
func leakyScale(pos, v *graph.Node, alpha float64) *graph.Node {
	y := graph.Where(pos, v, graph.MulScalar(v, alpha))
	vjp.Set(y, func(_, w *graph.Node) []*graph.Node { return []*graph.Node{nil, leakyScale(pos, w, alpha), nil} })
	return y
}

// leakySlope returns LeakyReLU's slope at x, 1 where x >= 0 and alpha elsewhere, without a branch per element:
// clamp(x·2¹⁰⁰ + 1, alpha, 1). It is exact for x ≥ 0 (-0 included), x ≤ -2⁻¹⁰⁰ (-7.9e-31) and ±Inf, NaN for NaN;
// only for -7.9e-31 < x < 0 it lies between alpha and 1, where LeakyReLU's value is below 1e-30 either way.
func leakySlope(x *graph.Node, alpha float64) *graph.Node {
	s := graph.AddScalar(graph.MulScalar(x, 0x1p100), 1)
	return graph.Min(graph.Max(s, graph.Scalar(x.Graph(), x.DType(), alpha)), graph.ScalarOne(x.Graph(), x.DType()))
}

// slopeScale returns v·slope. It is linear in v and its own adjoint, so its gradient is slopeScale again (slope
// takes none: it is piecewise constant).
func slopeScale(slope, v *graph.Node) *graph.Node {
	y := graph.Mul(v, slope)
	vjp.Set(y, func(_, w *graph.Node) []*graph.Node { return []*graph.Node{slopeScale(slope, w), nil} })
	return y
}

// Dropout zeroes each element of x with probability rate and scales the kept ones by 1/(1-rate) ("inverted"
// dropout, Srivastava et al. 2014, https://jmlr.org/papers/v15/srivastava14a.html), so that the expected value is
// unchanged. It is active only while scope.IsTraining(g) (GoMLX's training flag, set by the trainer) and returns
// x unchanged otherwise. Any shape; rate in [0, 1). The random mask comes from the context's random state.
func Dropout(scope *model.Scope, x *graph.Node, rate float64) *graph.Node {
	if rate < 0 || rate >= 1 {
		exceptions.Panicf("nn.Dropout: rate must be in [0, 1), got %g", rate)
	}
	g := x.Graph()
	if rate == 0 || !scope.IsTraining(g) {
		return x
	}
	u := scope.RandomUniform(g, x.Shape())
	keep := graph.GreaterOrEqual(u, graph.Scalar(g, x.DType(), rate))
	return graph.Where(keep, graph.MulScalar(x, 1/(1-rate)), graph.ZerosLike(x))
}
