package nn

import (
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/gomlx/gomlx/support/xslices"
)

const (
	// BatchNormMomentum is the weight of the old value in the moving mean and variance (Keras's default).
	BatchNormMomentum = 0.99
	// BatchNormEpsilon is added to the variance before its square root (Keras's default).
	BatchNormEpsilon = 1e-3
)

// BatchNorm is batch normalisation (Ioffe and Szegedy 2015, https://arxiv.org/abs/1502.03167) over all axes but
// the last, like Keras's layers.BatchNormalization(): x [..., C] → gamma·(x-mean)/sqrt(var+1e-3) + beta, same
// shape.
//
// While scope.IsTraining(g), mean and var are the batch's (biased variance) and the moving statistics are updated
// as moving = 0.99·moving + 0.01·batch; otherwise the moving statistics are used.
//
// Variables in scope: "gamma" [C] (ones) and "beta" [C] (zeros), trainable; "moving_mean" [C] (zeros) and
// "moving_variance" [C] (ones), not trainable. The per-channel statistics are laid along x by spread.
func BatchNorm(scope *model.Scope, x *graph.Node) *graph.Node {
	if x.Rank() < 2 {
		exceptions.Panicf("nn.BatchNorm: want x [batch, ..., channels], got %s", x.Shape())
	}
	g := x.Graph()
	c := x.Shape().Dimensions[x.Rank()-1]
	shape := shapes.Make(x.DType(), c)
	gamma := scope.WithInitializer(initializer.One).VariableWithShape("gamma", shape)
	beta := scope.WithInitializer(initializer.Zero).VariableWithShape("beta", shape)
	movingMean := scope.WithInitializer(initializer.Zero).VariableWithShape("moving_mean", shape).SetTrainable(false)
	movingVar := scope.WithInitializer(initializer.One).VariableWithShape("moving_variance", shape).SetTrainable(false)

	axes := xslices.Iota(0, x.Rank()-1)
	var mean, variance *graph.Node
	if scope.IsTraining(g) {
		mean = graph.ReduceMean(x, axes...)
		centered := graph.Sub(x, spread(mean, x))
		variance = graph.ReduceMean(graph.Square(centered), axes...)
		update := func(v *model.Variable, batch *graph.Node) {
			old := v.NodeValue(g)
			v.SetNodeValue(graph.Add(graph.MulScalar(old, BatchNormMomentum),
				graph.MulScalar(graph.StopGradient(batch), 1-BatchNormMomentum)))
		}
		update(movingMean, mean)
		update(movingVar, variance)
	} else {
		mean = movingMean.NodeValue(g)
		variance = movingVar.NodeValue(g)
	}
	// Sqrt then Div, not Rsqrt: GoMLX (v0.27.0 and v0.28.2) defines no gradient for Rsqrt.
	scale := graph.Div(gamma.NodeValue(g), graph.Sqrt(graph.AddScalar(variance, BatchNormEpsilon)))
	offset := graph.Sub(beta.NodeValue(g), graph.Mul(mean, scale))
	return graph.Add(graph.Mul(x, spread(scale, x)), spread(offset, x))
}
