package optim

import (
	"fmt"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// Settings of the optimizers, read from the scope FromScope is given (GoMLX model parameters; the nearest value
// at or above the scope counts, so "generator/learning_rate" sets G's alone).
const (
	// ParamOptimizer names the optimizer: "adam", "sgd", "rmsprop" or "momentum".
	ParamOptimizer = "optimizer"
	// ParamLearningRate is every optimizer's (first) learning rate.
	ParamLearningRate = "learning_rate"
	// RMSProp's smoothing constant and ε (PyTorch's alpha and eps).
	ParamRMSPropAlpha   = "rmsprop_alpha"
	ParamRMSPropEpsilon = "rmsprop_epsilon"
	// Momentum's schedules (MomentumConfig's fields of the same meaning).
	ParamMomentumDecay         = "momentum_decay"
	ParamMomentumMinLR         = "momentum_min_lr"
	ParamMomentumInitial       = "momentum_initial"
	ParamMomentumFinal         = "momentum_final"
	ParamMomentumStart         = "momentum_start"
	ParamMomentumSaturate      = "momentum_saturate"
	ParamMomentumStepsPerEpoch = "momentum_steps_per_epoch"
	ParamAnnealFrom            = "anneal_from"
	ParamAnnealSteps           = "anneal_steps"
	ParamAnnealTo              = "anneal_to"
)

// GoodfellowMomentumSettings are GoodfellowMomentum(stepsPerEpoch) as settings, for a variant's defaults.
func GoodfellowMomentumSettings(stepsPerEpoch int) map[string]any {
	c := GoodfellowMomentum(stepsPerEpoch)
	return map[string]any{
		ParamOptimizer: "momentum", ParamLearningRate: c.LearningRate,
		ParamMomentumDecay: c.Decay, ParamMomentumMinLR: c.MinLearningRate,
		ParamMomentumInitial: c.InitialMomentum, ParamMomentumFinal: c.FinalMomentum,
		ParamMomentumStart: c.MomentumStart, ParamMomentumSaturate: c.MomentumSaturate,
		ParamMomentumStepsPerEpoch: c.StepsPerEpoch,
		ParamAnnealFrom:            0, ParamAnnealSteps: 0, ParamAnnealTo: 1.0,
	}
}

// FromScope builds the optimizer that the settings seen from scope name (ParamOptimizer, default "adam"):
//
//   - "adam": GoMLX's Adam with learning_rate (default 2e-4) and GoMLX's own settings (adam_beta1, adam_beta2,
//     adam_epsilon, ...);
//   - "sgd": GoMLX's plain SGD with learning_rate, without its decay;
//   - "rmsprop": RMSPropWith(learning_rate, rmsprop_alpha (0.99), rmsprop_epsilon (1e-8));
//   - "momentum": Momentum with learning_rate and the momentum_* and anneal_* settings (GoodfellowMomentumSettings).
func FromScope(scope *model.Scope) (opt optimizer.Interface, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("optimizer of %s: %v", scope.Scope(), r)
		}
	}()
	lr := model.GetParamOr(scope, ParamLearningRate, 2e-4)
	switch name := model.GetParamOr(scope, ParamOptimizer, "adam"); name {
	case "adam":
		return optimizer.Adam().FromScope(scope).LearningRate(lr).Done(), nil
	case "sgd":
		return optimizer.StochasticGradientDescent().WithLearningRate(lr).WithDecay(false).Done(), nil
	case "rmsprop":
		return RMSPropWith(lr, model.GetParamOr(scope, ParamRMSPropAlpha, 0.99), model.GetParamOr(scope, ParamRMSPropEpsilon, 1e-8)), nil
	case "momentum":
		return Momentum(MomentumConfig{
			LearningRate:     lr,
			Decay:            model.GetParamOr(scope, ParamMomentumDecay, 0.0),
			MinLearningRate:  model.GetParamOr(scope, ParamMomentumMinLR, 0.0),
			InitialMomentum:  model.GetParamOr(scope, ParamMomentumInitial, 0.5),
			FinalMomentum:    model.GetParamOr(scope, ParamMomentumFinal, 0.5),
			MomentumStart:    model.GetParamOr(scope, ParamMomentumStart, 0),
			MomentumSaturate: model.GetParamOr(scope, ParamMomentumSaturate, 0),
			StepsPerEpoch:    model.GetParamOr(scope, ParamMomentumStepsPerEpoch, 0),
			AnnealFrom:       model.GetParamOr(scope, ParamAnnealFrom, 0),
			AnnealSteps:      model.GetParamOr(scope, ParamAnnealSteps, 0),
			AnnealTo:         model.GetParamOr(scope, ParamAnnealTo, 1.0),
		}), nil
	default:
		return nil, fmt.Errorf("optimizer %q of %s: want adam, sgd, rmsprop or momentum", name, scope.Scope())
	}
}
