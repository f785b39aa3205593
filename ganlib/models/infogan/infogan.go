// Package infogan is InfoGAN of Chen, Duan, Houthooft, Schulman, Sutskever and Abbeel 2016, "InfoGAN:
// Interpretable Representation Learning by Information Maximizing Generative Adversarial Nets"
// (https://arxiv.org/abs/1606.03657), on MNIST.
//
// What changes against DCGAN (models/dcgan): G's input is z plus latent codes c — here, as in the paper's MNIST
// experiment, one categorical code of 10 values and 2 continuous codes from U(−1, 1) — and nothing in the GAN game
// forces G to use c. InfoGAN adds a third network, Q, which shares D's body and tries to recover c from G(z, c);
// both G and Q minimise λ·L_I, a variational bound on the mutual information I(c; G(z, c)) (gan.InfoLoss:
// cross-entropy for the categorical code, unit-variance Gaussian negative log-likelihood for the continuous ones).
// So G is rewarded for making c visible in the image, and without labels the categorical code usually comes to
// mean the digit, the continuous ones rotation and width. λ = 1 (the paper's value for MNIST).
//
// Networks (the paper's MNIST shape, narrower so it trains on 2 CPU cores; BatchNorm in G and in D's body, as in
// the paper):
//
//	G: z [B,62], c [B,12] → Dense(7·7·64)(z) + Dense(7·7·64)(c) → Reshape → BatchNorm → ReLU
//	   → Conv2DTranspose(32, 4, 2) → BatchNorm → ReLU → Conv2DTranspose(1, 4, 2) → tanh      [B, 28, 28, 1]
//	D body: x → Conv2D(32, 4, 2) → LeakyReLU(0.1) → Conv2D(64, 4, 2) → BatchNorm → LeakyReLU
//	   → Flatten → Dense(256) → BatchNorm → LeakyReLU                                          h [B, 256]
//	D head: Dense(1)(h)                                           logit
//	Q head: Dense(64)(h) → BatchNorm → LeakyReLU → Dense(10) (categorical logits), Dense(2) (continuous means)
//
// Adam with β1 0.5: 2e-4 for D/Q, 1e-3 for G, as in the paper.
//
// Against the paper's Appendix C (Table 1) these networks are narrower (D body 32/64 filters and 256 units instead of
// 64/128 and 1024, Q head 64 units instead of 128, G without the FC 1024 layer and with 64/32 filters instead of
// 128/64), and the notebook trains at batch 64 instead of 100; z (62-d, U(−1, 1)), the codes, λ, the learning rates
// and the loss are the paper's. Paper (paper.go) has the paper's full widths.
//
// AugmentedQ (augment.go) is ganlab's addition, not the paper's: Q names the categorical code from a randomly
// rotated, sheared and stretched copy of G's image, so that a code carried by slant or width does not pay and
// the code comes to mean the digit.
package infogan

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/cgan"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// Paper settings for MNIST.
const (
	NoiseDim    = 62
	Categories  = 10
	Continuous  = 2
	Lambda      = 1.0
	LambdaCont  = 1.0
	DLearnRate  = 2e-4
	GLearnRate  = 1e-3
	LeakySlope  = 0.1
	bodyUnits   = 256
	qHeadUnits  = 64
	convFilters = 32
)

func leaky(x *Node) *Node { return nn.LeakyReLU(x, LeakySlope) }

// Discriminator is D's body with its two heads: logits [B, 1], Q's categorical logits [B, Categories] and
// continuous means [B, Continuous]. y (labels) is unused: InfoGAN learns without them.
func Discriminator(scope *model.Scope, x, _ *Node) (logits, qCat, qCont *Node) {
	return discriminator(scope, x, convFilters, bodyUnits, qHeadUnits)
}

// discriminator is the D body and heads of Discriminator and PaperDiscriminator, which differ only in widths:
// conv(filters) → conv(2·filters) + BatchNorm → Dense(body) + BatchNorm, then D's head and Q's Dense(qUnits) head.
func discriminator(scope *model.Scope, x *Node, filters, body, qUnits int) (logits, qCat, qCont *Node) {
	h := leaky(nn.Conv2D(scope.At("000_conv2d"), x, filters, 4, 2, nn.Same))
	h = nn.Conv2D(scope.At("001_conv2d"), h, 2*filters, 4, 2, nn.Same)
	h = leaky(nn.BatchNorm(scope.At("002_batch_norm"), h))
	h = nn.Dense(scope.At("003_dense"), nn.Flatten(h), body)
	h = leaky(nn.BatchNorm(scope.At("004_batch_norm"), h))
	logits = nn.Dense(scope.At("d_head"), h, 1)
	q := nn.Dense(scope.At("q_000_dense"), h, qUnits)
	q = leaky(nn.BatchNorm(scope.At("q_001_batch_norm"), q))
	qCat = nn.Dense(scope.At("q_cat"), q, Categories)
	qCont = nn.Dense(scope.At("q_cont"), q, Continuous)
	return logits, qCat, qCont
}

// MILoss is gan.InfoLoss with the trainer's integer categorical code turned one-hot: cross-entropy (λ_cat = 1)
// plus the unit-variance Gaussian NLL of the continuous codes (λ_cont = LambdaCont).
func MILoss(qCat, qCont, cat, cont *Node) *Node {
	return gan.InfoLoss(qCat, OneHot(cat, Categories, dtypes.Float32), qCont, cont, 1, LambdaCont)
}

// New returns InfoGAN (named "infogan") for MNIST-sized images (size a multiple of 4).
func New(size, channels int) gan.Variant {
	return gan.Variant{
		Name:                 "infogan",
		LatentDim:            NoiseDim,
		Noise:                gan.Uniform, // the paper's z ~ U(−1, 1)
		Height:               size,
		Width:                size,
		Channels:             channels,
		Codes:                gan.Codes{Categorical: Categories, Continuous: Continuous},
		ConditionalGenerator: cgan.Generator(size, channels),
		InfoDiscriminator:    Discriminator,
		InfoLoss:             MILoss,
		InfoWeight:           Lambda,
		Loss:                 gan.NonSaturating(),
		CriticSteps:          1,
	}
}

// Config returns the paper's optimizers: Adam(2e-4, β1 0.5) for D and Q, Adam(1e-3, β1 0.5) for G.
func Config(batch int, seed uint64) gan.Config {
	return gan.Config{BatchSize: batch, Seed: seed,
		DOptimizer: func() optimizer.Interface {
			return optimizer.Adam().LearningRate(DLearnRate).Betas(0.5, 0.999).Done()
		},
		GOptimizer: func() optimizer.Interface {
			return optimizer.Adam().LearningRate(GLearnRate).Betas(0.5, 0.999).Done()
		},
	}
}
