package nn

import (
	"github.com/ganlab/ganlab/ganlib/internal/purego"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/support/exceptions"
)

// kernelInitializer returns the initializer of weights, chosen by ParamInitStddev.
func kernelInitializer(scope *model.Scope) model.VariableInitializer {
	if stddev := model.GetParamOr(scope, ParamInitStddev, 0.0); stddev > 0 {
		return initializer.RandomNormalFn(scope, stddev)
	}
	return initializer.GlorotUniformFn(scope)
}

// weights returns the kernel variable "weights" of scope, creating it with kernelInitializer.
func weights(scope *model.Scope, x *graph.Node, dims ...int) *graph.Node {
	v := scope.WithInitializer(kernelInitializer(scope)).VariableWithShape("weights", shapes.Make(x.DType(), dims...))
	return v.NodeValue(x.Graph())
}

// biases returns the bias variable "biases" [n] of scope, created as zeros.
func biases(scope *model.Scope, x *graph.Node, n int) *graph.Node {
	v := scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(x.DType(), n))
	return v.NodeValue(x.Graph())
}

// addBias returns y + b, b [f] added along y's last axis (of size f); see spread.
func addBias(y, b *graph.Node) *graph.Node { return graph.Add(y, spread(b, y)) }

// spread returns v [f] laid along y's last axis (of size f), for an element-wise op with y: on the pure-Go backend,
// for y of at least 64 Ki values, v spread to y's shape by a product ones[rows, 1]·v[1, f]; elsewhere v as
// [1, ..., 1, f], which the op broadcasts. The pure-Go backend broadcasts such an operand by an index iterator,
// one value at a time, while the product runs on every core and an op of equal shapes is a plain loop
// (docs/benchmarks.md, run X and "GoMLX v0.28": smaller on compute v0.1.2 than on GoMLX v0.27.0, but still
// there). The gradient in v is then the product onesᵀ·w, a column sum.
func spread(v, y *graph.Node) *graph.Node {
	f := v.Shape().Dimensions[0]
	rows := y.Shape().Size() / f
	if purego.On(y.Graph()) && rows*f >= 1<<16 {
		ones := graph.Ones(y.Graph(), shapes.Make(y.DType(), rows, 1))
		return graph.Reshape(MatMul(ones, graph.Reshape(v, 1, f)), y.Shape().Dimensions...)
	}
	return graph.ExpandLeftToRank(v, y.Rank())
}

// Dense is a fully connected layer: x [batch, in] → x·W + b [batch, units].
//
// Variables in scope: "weights" [in, units] (Glorot uniform, or N(0, ParamInitStddev²)) and "biases" [units]
// (zeros). The gradient is two matrix products (see MatMul). Keras: layers.Dense(units).
func Dense(scope *model.Scope, x *graph.Node, units int) *graph.Node {
	if x.Rank() != 2 {
		exceptions.Panicf("nn.Dense: want x [batch, in], got %s (use Flatten first)", x.Shape())
	}
	if units < 1 {
		exceptions.Panicf("nn.Dense: units must be >= 1, got %d", units)
	}
	in := x.Shape().Dimensions[1]
	w := weights(scope, x, in, units)
	b := biases(scope, x, units)
	return addBias(MatMul(x, w), b)
}

// Maxout is the maxout layer of Goodfellow et al. 2013 (https://arxiv.org/abs/1302.4389), used by the
// discriminator of Goodfellow et al. 2014's GAN: x [batch, in] → Dense to units·pieces → max over each group of
// pieces consecutive outputs → [batch, units].
//
// Variables in scope: those of Dense with units·pieces outputs.
func Maxout(scope *model.Scope, x *graph.Node, units, pieces int) *graph.Node {
	if units < 1 || pieces < 1 {
		exceptions.Panicf("nn.Maxout: units and pieces must be >= 1, got %d and %d", units, pieces)
	}
	y := Dense(scope, x, units*pieces)
	y = graph.Reshape(y, x.Shape().Dimensions[0], units, pieces)
	return graph.ReduceMax(y, -1)
}

// Flatten reshapes x [batch, d1, ..., dn] to [batch, d1·…·dn].
func Flatten(x *graph.Node) *graph.Node {
	if x.Rank() < 1 {
		exceptions.Panicf("nn.Flatten: x must have a batch axis, got %s", x.Shape())
	}
	return graph.Reshape(x, x.Shape().Dimensions[0], -1)
}

// Reshape reshapes x [batch, ...] to [batch, dims...]; dims excludes the batch axis, as in Keras's
// layers.Reshape, and one of them may be -1.
func Reshape(x *graph.Node, dims ...int) *graph.Node {
	if x.Rank() < 1 {
		exceptions.Panicf("nn.Reshape: x must have a batch axis, got %s", x.Shape())
	}
	return graph.Reshape(x, append([]int{x.Shape().Dimensions[0]}, dims...)...)
}
