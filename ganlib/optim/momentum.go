package optim

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	. "github.com/gomlx/gomlx/core/graph"
)

// MomentumConfig is stochastic gradient descent with classical momentum and the schedules of pylearn2, the library
// of Goodfellow et al. 2014's code (github.com/goodfeli/adversarial, mnist.yaml): for update number s = 1, 2, …
//
//	lr_s = max(LearningRate / Decay^(s−1), MinLearningRate)          (pylearn2 sgd.ExponentialDecay)
//	e    = ⌊(s−1) / StepsPerEpoch⌋                                  (epochs completed before this update)
//	m_s  = InitialMomentum + (FinalMomentum − InitialMomentum)·clip((e − MomentumStart)/(MomentumSaturate − MomentumStart), 0, 1)
//	                                                                (pylearn2 learning_rule.MomentumAdjustor)
//	v ← m_s·v − lr_s·∇θ;  θ ← θ + v                                  (pylearn2 learning_rule.Momentum)
//
// and, when MaxColNorm > 0, every updated 2-D weight matrix W [in, out] accepted by ColNormFilter has its columns
// (the incoming weights of each unit) rescaled to an L2 norm of at most MaxColNorm (pylearn2's max_col_norm).
//
// GoMLX's SGD (v0.27.0 and v0.28.2) has neither momentum nor these schedules. The optimizer keeps its own update counter
// ("momentum_step") and one velocity per variable under the scope it is given (the trainer gives each player its
// own), so both are part of the trainer's checkpoints and a resumed run continues the schedules where it stopped.
type MomentumConfig struct {
	// LearningRate is the first update's learning rate (Goodfellow: 0.1).
	LearningRate float64
	// Decay ≥ 1 divides the learning rate after every update (Goodfellow: 1.000004); 0 or 1: constant.
	Decay float64
	// MinLearningRate is the floor of the decayed learning rate (Goodfellow: 1e-6).
	MinLearningRate float64
	// InitialMomentum and FinalMomentum are the momentum coefficients before MomentumStart and from
	// MomentumSaturate on, in epochs, with a linear ramp between (Goodfellow: 0.5 → 0.7 from epoch 1 to 250).
	InitialMomentum, FinalMomentum  float64
	MomentumStart, MomentumSaturate int
	// StepsPerEpoch converts updates to epochs for the momentum ramp (Goodfellow: 50,000 images / batch 100 = 500).
	StepsPerEpoch int
	// MaxColNorm > 0 caps the L2 norm of each column of the 2-D weights that ColNormFilter accepts (all 2-D
	// trainable variables when ColNormFilter is nil).
	MaxColNorm    float64
	ColNormFilter func(v *model.Variable) bool
	// AnnealFrom, AnnealSteps and AnnealTo add a late learning-rate anneal (ganlab's addition to the paper's
	// schedule, off when AnnealSteps is 0): after AnnealFrom updates the learning rate above is multiplied by
	//
	//	a_s = AnnealTo^clip((s − 1 − AnnealFrom)/AnnealSteps, 0, 1)
	//
	// which falls geometrically from 1 to AnnealTo (e.g. 0.01) over AnnealSteps updates and stays there. It is
	// computed from the optimizer's update counter, so a resumed run continues it exactly.
	AnnealFrom, AnnealSteps int
	AnnealTo                float64
}

// GoodfellowMomentum is the schedule of Goodfellow et al. 2014's MNIST experiment (mnist.yaml): learning rate 0.1
// divided by 1.000004 after every update down to 1e-6, momentum 0.5 rising linearly to 0.7 between epochs 1 and
// 250 of stepsPerEpoch updates each, no column-norm constraint.
func GoodfellowMomentum(stepsPerEpoch int) MomentumConfig {
	return MomentumConfig{
		LearningRate: 0.1, Decay: 1.000004, MinLearningRate: 1e-6,
		InitialMomentum: 0.5, FinalMomentum: 0.7, MomentumStart: 1, MomentumSaturate: 250,
		StepsPerEpoch: stepsPerEpoch,
	}
}

// Rate returns the learning rate and momentum coefficient of update number step (1-based), computed in float64
// exactly as the graph does it (for tests, logs and plots).
func (c MomentumConfig) Rate(step int) (lr, momentum float64) {
	lr = c.LearningRate
	if c.Decay > 0 && c.Decay != 1 {
		lr = math.Max(c.LearningRate/math.Pow(c.Decay, float64(step-1)), c.MinLearningRate)
	}
	return lr * c.annealFactor(step), c.momentumAtEpoch(float64(c.epochsBefore(step)))
}

// annealFactor is a_s of AnnealFrom/AnnealSteps/AnnealTo (1 when the anneal is off).
func (c MomentumConfig) annealFactor(step int) float64 {
	if c.AnnealSteps <= 0 {
		return 1
	}
	p := math.Min(math.Max(float64(step-1-c.AnnealFrom)/float64(c.AnnealSteps), 0), 1)
	return math.Pow(c.AnnealTo, p)
}

func (c MomentumConfig) epochsBefore(step int) int {
	if c.StepsPerEpoch <= 0 {
		return 0
	}
	return (step - 1) / c.StepsPerEpoch
}

func (c MomentumConfig) momentumAtEpoch(e float64) float64 {
	if c.MomentumSaturate <= c.MomentumStart {
		if e >= float64(c.MomentumStart) && c.MomentumSaturate > 0 {
			return c.FinalMomentum
		}
		return c.InitialMomentum
	}
	alpha := (e - float64(c.MomentumStart)) / float64(c.MomentumSaturate-c.MomentumStart)
	alpha = math.Min(math.Max(alpha, 0), 1)
	return c.InitialMomentum + (c.FinalMomentum-c.InitialMomentum)*alpha
}

// CheckAnneal returns an error unless AnnealFrom = from, AnnealSteps = steps, AnnealTo = to is an anneal Momentum
// accepts: from ≥ 0, steps ≥ 0 and, when steps > 0, a final factor in (0, 1].
func CheckAnneal(from, steps int, to float64) error {
	if steps < 0 || from < 0 || (steps > 0 && (to <= 0 || to > 1)) {
		return fmt.Errorf("anneal from %d over %d steps to %g: want from ≥ 0, steps ≥ 0 and a final factor in (0, 1]", from, steps, to)
	}
	return nil
}

// Momentum returns the optimizer (FromScope builds it from the momentum_* settings). It panics on an invalid
// configuration.
func Momentum(cfg MomentumConfig) optimizer.Interface {
	if cfg.LearningRate <= 0 || cfg.Decay < 0 || (cfg.Decay > 0 && cfg.Decay < 1) || cfg.MinLearningRate < 0 ||
		cfg.InitialMomentum < 0 || cfg.InitialMomentum >= 1 || cfg.FinalMomentum < 0 || cfg.FinalMomentum >= 1 ||
		cfg.MaxColNorm < 0 || CheckAnneal(cfg.AnnealFrom, cfg.AnnealSteps, cfg.AnnealTo) != nil {
		panic(fmt.Sprintf("optim.Momentum: invalid configuration %+v (want learning rate > 0, decay 0 or ≥ 1, momenta in [0, 1), max col norm ≥ 0, anneal steps and start ≥ 0, anneal factor in (0, 1])", cfg))
	}
	return &momentum{cfg: cfg}
}

type momentum struct{ cfg MomentumConfig }

const (
	// MomentumStepName is Momentum's update counter (the s of the schedules), an int64 variable directly under the
	// scope UpdateGraph is given, e.g. /generator/momentum_step for the trainer's G optimizer.
	MomentumStepName = "momentum_step"
	// MomentumScope is the sub-scope of that scope holding one velocity per trainable variable, named after it,
	// e.g. /discriminator/momentum/discriminator/000_dense/weights_velocity for the trainer's D optimizer.
	MomentumScope = "momentum"
)

// UpdateGraph implements optimizer.Interface.
func (o *momentum) UpdateGraph(scope *model.Scope, g *Graph, loss *Node) {
	if !loss.Shape().IsScalar() {
		panic(fmt.Sprintf("optim.Momentum: the loss must be a scalar, got %s", loss.Shape()))
	}
	grads := scope.BuildTrainableVariablesGradientsGraph(loss)
	if len(grads) == 0 {
		panic("optim.Momentum: no trainable variables in the graph")
	}
	c := o.cfg
	stepVar := scope.VariableWithValue(MomentumStepName, int64(0)).SetTrainable(false)
	step := Add(stepVar.NodeValue(g), OnesLike(stepVar.NodeValue(g)))
	stepVar.SetNodeValue(step)
	_ = optimizer.IncrementGlobalStep(g, dtypes.Int64) // the store's step count, as GoMLX's optimizers keep it

	// Schedules in float64, converted to each variable's dtype.
	prev := ConvertDType(Sub(step, OnesLike(step)), dtypes.Float64) // s − 1
	lr := Scalar(g, dtypes.Float64, c.LearningRate)
	if c.Decay > 0 && c.Decay != 1 {
		lr = Max(Div(lr, Pow(Scalar(g, dtypes.Float64, c.Decay), prev)), Scalar(g, dtypes.Float64, c.MinLearningRate))
	}
	if c.AnnealSteps > 0 {
		p := ClipScalar(DivScalar(AddScalar(prev, -float64(c.AnnealFrom)), float64(c.AnnealSteps)), 0, 1)
		lr = Mul(lr, Pow(Scalar(g, dtypes.Float64, c.AnnealTo), p))
	}
	mom := Scalar(g, dtypes.Float64, c.InitialMomentum)
	if c.StepsPerEpoch > 0 {
		epochs := Floor(DivScalar(prev, float64(c.StepsPerEpoch)))
		if c.MomentumSaturate > c.MomentumStart {
			alpha := DivScalar(AddScalar(epochs, -float64(c.MomentumStart)), float64(c.MomentumSaturate-c.MomentumStart))
			alpha = ClipScalar(alpha, 0, 1)
			mom = AddScalar(MulScalar(alpha, c.FinalMomentum-c.InitialMomentum), c.InitialMomentum)
		} else if c.MomentumSaturate > 0 {
			mom = Where(GreaterOrEqual(epochs, Scalar(g, dtypes.Float64, float64(c.MomentumStart))),
				Scalar(g, dtypes.Float64, c.FinalMomentum), mom)
		}
	}

	i := 0
	for v := range scope.IterVariables() {
		if !v.Trainable || !v.InUseByGraph(g) {
			continue
		}
		if i >= len(grads) {
			panic("optim.Momentum: more trainable variables than gradients; were variables created in between?")
		}
		grad := grads[i]
		i++
		dt := grad.DType()
		velVar := scope.Store().Scope(model.JoinPath(scope.Scope(), MomentumScope)+v.Scope()).
			WithInitializer(initializer.Zero).
			VariableWithShape(v.Name()+"_velocity", shapes.Make(dt, v.Shape().Dimensions...)).SetTrainable(false)
		vel := Sub(Mul(ConvertDType(mom, dt), velVar.NodeValue(g)), Mul(ConvertDType(lr, dt), grad))
		velVar.SetNodeValue(vel)
		updated := Add(v.NodeValue(g), vel)
		if c.MaxColNorm > 0 && updated.Rank() == 2 && (c.ColNormFilter == nil || c.ColNormFilter(v)) {
			updated = clipColumnNorms(updated, c.MaxColNorm)
		}
		v.SetNodeValue(updated)
	}
	if i != len(grads) {
		panic(fmt.Sprintf("optim.Momentum: %d gradients but %d trainable variables", len(grads), i))
	}
}

// clipColumnNorms rescales each column of w [in, out] whose L2 norm exceeds maxNorm to norm maxNorm (pylearn2:
// W · clip(n, 0, max)/(1e-7 + n)).
func clipColumnNorms(w *Node, maxNorm float64) *Node {
	norms := Sqrt(ReduceAndKeep(Square(w), ReduceSum, 0))
	desired := ClipScalar(norms, 0, maxNorm)
	return Mul(w, Div(desired, AddScalar(norms, 1e-7)))
}

// Clear implements optimizer.Interface: it deletes the velocities and the update counter.
func (o *momentum) Clear(scope *model.Scope) error {
	if err := scope.At(MomentumScope).DeleteVariablesInScope(); err != nil {
		return err
	}
	return scope.DeleteVariable(MomentumStepName)
}
