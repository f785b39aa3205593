// Package wgangp is WGAN with gradient penalty of Gulrajani, Ahmed, Arjovsky, Dumoulin and Courville 2017,
// "Improved Training of Wasserstein GANs" (https://arxiv.org/abs/1704.00028), on MNIST-sized images.
//
// What changes against WGAN (models/wgan), and so against DCGAN: the critic is kept 1-Lipschitz by a soft
// constraint instead of weight clipping (which the paper shows pushes weights to ±c and wastes the critic's
// capacity). At random points x̂ = αx + (1 − α)G(z) between a real and a fake image (α ~ U[0, 1) per example) the
// critic's gradient should have norm 1, so its loss gains λ·E[(‖∇f(x̂)‖₂ − 1)²] with λ = 10 (gan.GradientPenalty,
// a second-order gradient: ganlib/nn's convolutions differentiate twice). Because the penalty is per example, the
// critic has no BatchNorm (WGAN's critic already has none). Adam(1e-4, β1 0, β2 0.9) for both players and 5 critic
// steps per G step, the paper's settings. gan.Record.GradNorm is the mean ‖∇f(x̂)‖₂, which stays near 1.
package wgangp

import (
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

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

// Penalty is λ(‖∇f(x̂)‖₂ − 1)² at x̂ = αx + (1 − α)G(z), α drawn per example from the context's RNG.
func Penalty(lambda float64) func(scope *model.Scope, critic func(*Node) *Node, real, fake *Node) (*Node, *Node) {
	return func(scope *model.Scope, critic func(*Node) *Node, real, fake *Node) (*Node, *Node) {
		return gan.GradientPenalty(critic, real, fake, gan.DrawAlpha(scope, real), lambda)
	}
}

// New returns WGAN-GP (named "wgan-gp") for size×size×channels images: WGAN's networks and losses, no clipping,
// the gradient penalty with λ = 10, 5 critic steps. Train it with Config.
func New(size, channels int) gan.Variant {
	v := wgan.New(size, channels)
	v.Name = "wgan-gp"
	v.ClipWeights = 0
	v.Penalty = Penalty(Lambda)
	v.CriticSteps = CriticSteps
	return v
}

// Config returns trainer settings with the paper's Adam(1e-4, β 0, 0.9) for both players.
func Config(batch int, seed uint64) gan.Config {
	opt := func() optimizer.Interface {
		return optimizer.Adam().LearningRate(LearningRate).Betas(Beta1, Beta2).Done()
	}
	return gan.Config{BatchSize: batch, Seed: seed, DOptimizer: opt, GOptimizer: opt}
}
