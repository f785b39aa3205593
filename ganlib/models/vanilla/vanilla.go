// Package vanilla is the plain GAN of the lecture's introduction (Goodfellow et al. 2014,
// https://arxiv.org/abs/1406.2661, with the multilayer perceptrons of the aiplanet Fashion-MNIST notebook the
// lecture cites): both players are MLPs on flattened 28×28 images.
//
//	G: z [B,100] ~ N(0,1) → Dense 256 → LeakyReLU(0.2) → Dense 512 → LeakyReLU → Dense 1024 → LeakyReLU
//	   → Dense H·W·C → tanh → Reshape [B,H,W,C], values in [-1, 1]
//	D: x [B,H,W,C] → Flatten → Dense 512 → LeakyReLU(0.2) → Dropout(0.3) → Dense 256 → LeakyReLU → Dropout(0.3)
//	   → Dense 1 (logit; D(x) = sigmoid)
//
// Losses: non-saturating (G maximises log D(G(z))); Adam(2e-4, β1 0.5) for both, as the lecture's Keras code.
package vanilla

import (
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// LatentDim is the size of z.
const LatentDim = 100

func dense(units int) models.Layer {
	return models.Layer{Name: "dense", Fn: func(scope *model.Scope, x *Node) *Node { return nn.Dense(scope, x, units) }}
}

func leaky() models.Layer {
	return models.Layer{Name: "leaky_relu", Fn: func(_ *model.Scope, x *Node) *Node { return nn.LeakyReLU(x, 0.2) }}
}

// Generator returns G for images of h×w×c.
func Generator(h, w, c int) models.Stack {
	return models.Stack{
		dense(256), leaky(),
		dense(512), leaky(),
		dense(1024), leaky(),
		dense(h * w * c),
		{Name: "tanh", Fn: func(_ *model.Scope, x *Node) *Node { return Tanh(x) }},
		{Name: "reshape", Fn: func(_ *model.Scope, x *Node) *Node { return nn.Reshape(x, h, w, c) }},
	}
}

// Discriminator returns D (logits) for images of any size.
func Discriminator() models.Stack {
	dropout := models.Layer{Name: "dropout", Fn: func(scope *model.Scope, x *Node) *Node { return nn.Dropout(scope, x, 0.3) }}
	return models.Stack{
		{Name: "flatten", Fn: func(_ *model.Scope, x *Node) *Node { return nn.Flatten(x) }},
		dense(512), leaky(), dropout,
		dense(256), leaky(), dropout,
		dense(1),
	}
}

// New returns the vanilla GAN for images of h×w×c (28×28×1 for MNIST and Fashion-MNIST).
func New(h, w, c int) gan.Variant {
	return gan.Variant{
		Name:          "vanilla",
		Prior:         gan.Prior{LatentDim: LatentDim, Noise: gan.Normal},
		Height:        h,
		Width:         w,
		Channels:      c,
		Generator:     gan.PlainG(Generator(h, w, c).Network()),
		Discriminator: gan.PlainD(Discriminator().Network()),
		Loss:          gan.NonSaturating(),
	}
}
