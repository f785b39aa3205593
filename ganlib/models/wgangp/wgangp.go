// Package wgangp is WGAN with gradient penalty of Gulrajani, Ahmed, Arjovsky, Dumoulin and Courville 2017,
// "Improved Training of Wasserstein GANs" (https://arxiv.org/abs/1704.00028), on MNIST-sized images.
//
// What changes against WGAN (models/wgan), and so against DCGAN: the critic is kept 1-Lipschitz by a soft
// constraint instead of weight clipping (which the paper shows pushes weights to ±c and wastes the critic's
// capacity). At random points x̂ = αx + (1 − α)G(z) between a real and a fake image (α ~ U[0, 1) per example) the
// critic's gradient should have norm 1, so its loss gains λ·E[(‖∇f(x̂)‖₂ − 1)²] with λ = 10 (gan.GradientPenalty,
// a second-order gradient: ganlib/nn's convolutions differentiate twice). Because the penalty is per example, the
// critic has no BatchNorm (WGAN's critic already has none). Adam(1e-4, β1 0, β2 0.9) for both players and 5 critic
// steps per G step, the paper's settings. The penalty term records the mean ‖∇f(x̂)‖₂ as gan.Record.Terms["grad_norm"], which stays near 1.
package wgangp

import (
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/wgan"

	. "github.com/gomlx/gomlx/core/graph"
)

// Paper settings (Algorithm 1).
const (
	Lambda       = 10
	LearningRate = 1e-4
	Beta1, Beta2 = 0, 0.9
	CriticSteps  = 5
)

// ParamLambda is the setting of λ, the weight of the gradient penalty (default Lambda).
const ParamLambda = "gp_lambda"

// Penalty is the critic's extra loss term λ(‖∇f(x̂)‖₂ − 1)² at x̂ = αx + (1 − α)G(z), α drawn per example from
// the scope's RNG; it records the mean ‖∇f(x̂)‖₂ as "grad_norm".
var Penalty = gan.Term{Name: "grad_norm", Loss: func(p *gan.Pass) (*Node, *Node) {
	critic := func(x *Node) *Node { return p.D(x, p.RealCond) }
	return gan.GradientPenalty(critic, p.Real, p.Fake, gan.DrawAlpha(p.Scope, p.Real), model.GetParamOr(p.Scope, ParamLambda, float64(Lambda)))
}}

// New returns WGAN-GP (named "wgan-gp") for size×size×channels images: WGAN's networks and losses, no clipping,
// the gradient penalty with λ = 10, 5 critic steps, Adam(1e-4, β 0, 0.9) for both players.
func New(size, channels int) gan.Variant {
	v := wgan.New(size, channels)
	v.Name = "wgan-gp"
	v.DConstraints = nil
	v.DTerms = []gan.Term{Penalty}
	v.Settings = gan.Settings{
		"optimizer":            "adam",
		"learning_rate":        LearningRate,
		"adam_beta1":           Beta1,
		"adam_beta2":           Beta2,
		gan.SettingCriticSteps: CriticSteps,
		ParamLambda:            float64(Lambda),
	}
	return v
}
