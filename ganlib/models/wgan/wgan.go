// Package wgan is the Wasserstein GAN of Arjovsky, Chintala and Bottou 2017, "Wasserstein GAN"
// (https://arxiv.org/abs/1701.07875), on MNIST-sized images, with a small DCGAN's players.
//
// What changes against DCGAN (models/dcgan):
//   - D becomes a critic f: its output is a raw score, no sigmoid and no cross-entropy. The losses are
//     gan.Wasserstein(): the critic maximises E[f(x)] − E[f(G(z))], G maximises E[f(G(z))]. When f is 1-Lipschitz,
//     the critic's best value is the Wasserstein-1 (earth mover's) distance between the data and G's distribution,
//     which — unlike the Jensen–Shannon divergence behind the original loss — keeps giving G a useful gradient when
//     the two distributions barely overlap.
//   - f is kept Lipschitz crudely: after every critic update each of its weights is clipped to [−0.01, 0.01]
//     (ClipWeights, a constraint run inside the same compiled step).
//   - the critic is trained 5 times per G step (n_critic = 5), so that its score approximates the distance well,
//     with RMSProp at 5e-5 (momentum-based optimizers were unstable in the paper's experiments).
//   - the critic's estimate E[f(x)] − E[f(G(z))] (gan.Record.WEstimate, = −D loss) is a loss curve that means
//     something: it falls as the samples improve.
//
// Networks (28×28 MNIST; G as cgan's without the label, the critic without BatchNorm so WGAN-GP can reuse it):
//
//	G: z [B,100] → Dense(7·7·64) → Reshape → BatchNorm → ReLU → Conv2DTranspose(32, 4, 2) → BatchNorm → ReLU
//	   → Conv2DTranspose(1, 4, 2) → tanh                             [B, 28, 28, 1]
//	f: x → Conv2D(32, 4, 2) → LeakyReLU(0.2) → Conv2D(64, 4, 2) → LeakyReLU → Flatten → Dense(1)   score
package wgan

import (
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// NoiseDim is the size of z.
const NoiseDim = 100

// Paper settings (Algorithm 1).
const (
	ClipValue    = 0.01
	LearningRate = 5e-5
	CriticSteps  = 5
)

// Generator maps z [B, NoiseDim] to size×size×channels images in [-1, 1] (size a multiple of 4).
func Generator(size, channels int) gan.Network {
	if size <= 0 || size%4 != 0 || channels <= 0 {
		exceptions.Panicf("wgan.Generator: image size must be a positive multiple of 4 and channels positive, got %d×%d×%d", size, size, channels)
	}
	s4 := size / 4
	return func(scope *model.Scope, z *Node) *Node {
		h := nn.Reshape(nn.Dense(scope.At("000_dense"), z, s4*s4*64), s4, s4, 64)
		h = activation.Relu(nn.BatchNorm(scope.At("001_batch_norm"), h))
		h = nn.Conv2DTranspose(scope.At("002_conv2d_transpose"), h, 32, 4, 2, nn.Same)
		h = activation.Relu(nn.BatchNorm(scope.At("003_batch_norm"), h))
		return Tanh(nn.Conv2DTranspose(scope.At("004_conv2d_transpose"), h, channels, 4, 2, nn.Same))
	}
}

// Critic is f: images → raw scores [B, 1], no sigmoid and no BatchNorm (each example's score depends on that
// example only, as WGAN-GP's per-example gradient norm requires).
func Critic() gan.Network {
	return func(scope *model.Scope, x *Node) *Node {
		h := nn.LeakyReLU(nn.Conv2D(scope.At("000_conv2d"), x, 32, 4, 2, nn.Same), 0.2)
		h = nn.LeakyReLU(nn.Conv2D(scope.At("001_conv2d"), h, 64, 4, 2, nn.Same), 0.2)
		return nn.Dense(scope.At("002_dense"), nn.Flatten(h), 1)
	}
}

// ParamClip is the setting of the clipping bound c (default ClipValue).
const ParamClip = "clip"

// ClipWeights is WGAN's Lipschitz constraint: after every critic update each of the critic's weights is clipped to
// [−c, c], c the clip setting (gan.ClipVariables).
func ClipWeights(scope *model.Scope, g *Graph) {
	gan.ClipVariables(scope, g, gan.DiscriminatorScope, model.GetParamOr(scope, ParamClip, ClipValue))
}

// New returns the WGAN (named "wgan") for size×size×channels images: Wasserstein losses, weight clipping at
// 0.01, 5 critic steps per G step, z ~ N(0, 1), RMSProp(5e-5) for both players.
func New(size, channels int) gan.Variant {
	return gan.Variant{
		Name:          "wgan",
		Height:        size,
		Width:         size,
		Channels:      channels,
		Prior:         gan.Prior{LatentDim: NoiseDim, Noise: gan.Normal},
		Generator:     gan.PlainG(Generator(size, channels)),
		Discriminator: gan.PlainD(Critic()),
		Loss:          gan.Wasserstein(),
		DConstraints:  []gan.Constraint{ClipWeights},
		Settings: gan.Settings{
			"optimizer":            "rmsprop",
			"learning_rate":        LearningRate,
			gan.SettingCriticSteps: CriticSteps,
			ParamClip:              ClipValue,
		},
	}
}
