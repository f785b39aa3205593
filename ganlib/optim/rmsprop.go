package optim

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/support/exceptions"

	. "github.com/gomlx/gomlx/core/graph"
)

// RMSPropScope is the sub-scope of the optimizer's scope that holds RMSProp's state: one running average of
// squared gradients per trainable variable, named after it, e.g.
// /discriminator/rmsprop/discriminator/000_conv/weights_square_avg for the trainer's D optimizer.
const RMSPropScope = "rmsprop"

// RMSProp is the optimizer of WGAN (Arjovsky, Chintala & Bottou 2017, Algorithm 1 with α = 5e-5,
// https://arxiv.org/abs/1701.07875; their code calls PyTorch's optim.RMSprop(lr=5e-5)), with PyTorch's RMSprop
// defaults: smoothing 0.99, ε = 1e-8, no momentum, not centered, no weight decay, no bias correction:
//
//	v ← 0.99·v + 0.01·g²        θ ← θ − lr · g / (√v + 1e-8)        (v starts at 0)
//
// GoMLX's optimizer.RMSProp is a different algorithm (Adam without its first moment: bias-corrected v, β 0.999,
// ε 1e-7) and keeps its state in a scope that does not depend on the optimizer's, so this one is written here.
//
// It updates the trainable variables under the scope UpdateGraph is given (the trainer gives each player's
// optimizer the player's scope, DESIGN §4). State: v lives under scope.At(RMSPropScope), so two optimizers given
// different scopes never share it; the learning rate is the variable optimizer.LearningRateVar under that scope
// too (so it can be changed between steps), and each call increments the store's global step. All of it is
// ordinary variables: the trainer's checkpoints save and restore them.
func RMSProp(lr float64) optimizer.Interface {
	return RMSPropWith(lr, 0.99, 1e-8)
}

// RMSPropWith is RMSProp with the smoothing constant alpha (PyTorch's alpha, TensorFlow's rho) and eps chosen.
func RMSPropWith(lr, alpha, eps float64) optimizer.Interface {
	if !(lr > 0) || !(alpha >= 0 && alpha < 1) || !(eps >= 0) {
		exceptions.Panicf("optim.RMSProp: want lr > 0, alpha in [0, 1) and eps ≥ 0, got lr %g, alpha %g, eps %g", lr, alpha, eps)
	}
	return &rmsProp{lr: lr, alpha: alpha, eps: eps}
}

type rmsProp struct{ lr, alpha, eps float64 }

// UpdateGraph implements optimizer.Interface: one RMSProp step on every trainable variable loss's graph uses.
func (o *rmsProp) UpdateGraph(scope *model.Scope, g *Graph, loss *Node) {
	if !loss.Shape().IsScalar() {
		exceptions.Panicf("optim.RMSProp: the loss must be a scalar, got %s", loss.Shape())
	}
	grads := scope.BuildTrainableVariablesGradientsGraph(loss)
	if len(grads) == 0 {
		exceptions.Panicf("optim.RMSProp: the loss depends on no trainable variable")
	}
	dtype := loss.DType()
	learningRate := optimizer.LearningRateVar(scope, dtype, o.lr).NodeValue(g)
	_ = optimizer.IncrementGlobalStep(g, dtypes.Int64) // the store's step count, as GoMLX's optimizers keep it
	// BuildTrainableVariablesGradientsGraph returns the gradients in this order (as GoMLX's Adam relies on too).
	i := 0
	for v := range scope.IterVariables() {
		if !v.Trainable || !v.InUseByGraph(g) {
			continue
		}
		if i >= len(grads) {
			exceptions.Panicf("optim.RMSProp: more trainable variables in use than gradients (%d): were variables created in between?", len(grads))
		}
		o.apply(scope, g, v, grads[i], learningRate)
		i++
	}
	if i != len(grads) {
		exceptions.Panicf("optim.RMSProp: %d gradients but %d trainable variables in use", len(grads), i)
	}
}

// squareAvg returns the running average of squared gradients of variable v: /<scope>/rmsprop/<v's scope>/<v's name>_square_avg.
func squareAvg(scope *model.Scope, v *model.Variable) *model.Variable {
	path := model.JoinPath(scope.Scope(), RMSPropScope)
	if v.Scope() != model.RootScopePath {
		path += v.Scope()
	}
	return scope.Store().Scope(path).WithInitializer(initializer.Zero).
		VariableWithShape(v.Name()+"_square_avg", shapes.Make(v.Shape().DType, v.Shape().Dimensions...)).
		SetTrainable(false)
}

func (o *rmsProp) apply(scope *model.Scope, g *Graph, v *model.Variable, grad, learningRate *Node) {
	value := v.NodeValue(g)
	dtype := value.DType()
	if grad.DType() != dtype {
		grad = ConvertDType(grad, dtype)
	}
	avgVar := squareAvg(scope, v)
	avg := Add(MulScalar(avgVar.NodeValue(g), o.alpha), MulScalar(Square(grad), 1-o.alpha))
	avgVar.SetNodeValue(avg)
	lr := learningRate
	if lr.DType() != dtype {
		lr = ConvertDType(lr, dtype)
	}
	step := Div(Mul(lr, grad), AddScalar(Sqrt(avg), o.eps))
	v.SetNodeValue(Sub(value, step))
}

// Clear implements optimizer.Interface: it deletes the running averages (not the learning rate or step count).
func (o *rmsProp) Clear(scope *model.Scope) error {
	return scope.At(RMSPropScope).DeleteVariablesInScope()
}
