// Package cgan is the conditional GAN of Mirza and Osindero 2014, "Conditional Generative Adversarial Nets"
// (https://arxiv.org/abs/1411.1784), on MNIST-sized images with the convolutional players of a small DCGAN.
//
// What changes against DCGAN (models/dcgan): both players are told the class y. G(z, y) must make an image of
// class y, and D(x, y) judges whether x is a real image *of class y*, so a sharp "7" shown with the label 3 is
// rejected and G learns to obey the label. The trainer draws the fake labels uniformly and takes the real ones
// from the data (gan.Variant.Classes, Trainer.SetLabels); loss (non-saturating), optimizer (Adam 2e-4, β1 0.5)
// and the game are DCGAN's.
//
// Conditioning is by one-hot concatenation, as in the paper: y [B, 10] is concatenated to z at G's input, to D's
// input image (as 10 constant planes) and to D's hidden layer. Each concatenation feeding a linear layer is
// computed as the sum of two linear maps, W·[a; y] = W_a·a + W_y·y (for the image planes: a conv of constant
// planes is a per-channel bias, exact away from the zero-padded border), which is the same function and avoids
// Concatenate, whose gradient GoMLX's pure-Go backend lacks.
//
//	G: z [B,100], y → Dense(7·7·64)(z) + Dense(7·7·64)(y) → Reshape(7,7,64) → BatchNorm → ReLU
//	   → Conv2DTranspose(32, 4, stride 2) → BatchNorm → ReLU      [B, 14, 14, 32]
//	   → Conv2DTranspose(1, 4, stride 2) → tanh                    [B, 28, 28, 1]
//	D: x, y → Conv2D(32, 4, stride 2)(x) + Dense(32)(y) → LeakyReLU(0.2)   [B, 14, 14, 32]
//	   → Conv2D(64, 4, stride 2) → LeakyReLU                       [B, 7, 7, 64]
//	   → Flatten → Dense(128)(h) + Dense(128)(y) → LeakyReLU → Dense(1)    logit
package cgan

import (
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// NoiseDim is the size of z.
const NoiseDim = 100

// Classes is MNIST's number of classes.
const Classes = 10

// ReLU is max(x, 0).
func ReLU(x *Node) *Node { return Max(x, ZerosLike(x)) }

// Generator is G(z, c): c is the condition [B, condDim] (one-hot labels for the cGAN, labels and codes for
// InfoGAN); images [B, size, size, channels] in [-1, 1]. size must be a multiple of 4.
func Generator(size, channels int) func(scope *model.Scope, z, c *Node) *Node {
	if size <= 0 || size%4 != 0 || channels <= 0 {
		exceptions.Panicf("cgan.Generator: image size must be a positive multiple of 4 and channels positive, got %d×%d×%d", size, size, channels)
	}
	s4 := size / 4
	return func(scope *model.Scope, z, c *Node) *Node {
		h := Add(nn.Dense(scope.At("000_dense_z"), z, s4*s4*64), nn.Dense(scope.At("001_dense_c"), c, s4*s4*64))
		h = nn.Reshape(h, s4, s4, 64)
		h = ReLU(nn.BatchNorm(scope.At("002_batch_norm"), h))
		h = nn.Conv2DTranspose(scope.At("003_conv2d_transpose"), h, 32, 4, 2, nn.Same)
		h = ReLU(nn.BatchNorm(scope.At("004_batch_norm"), h))
		h = nn.Conv2DTranspose(scope.At("005_conv2d_transpose"), h, channels, 4, 2, nn.Same)
		return Tanh(h)
	}
}

// Discriminator is D(x, y): images and one-hot labels [B, classes] → logit [B, 1].
func Discriminator() func(scope *model.Scope, x, y *Node) *Node {
	return func(scope *model.Scope, x, y *Node) *Node {
		h := nn.Conv2D(scope.At("000_conv2d"), x, 32, 4, 2, nn.Same)
		yPlanes := nn.Dense(scope.At("001_dense_y"), y, 32)             // [B, 32]
		h = Add(h, Reshape(yPlanes, y.Shape().Dimensions[0], 1, 1, 32)) // broadcast over the image
		h = nn.LeakyReLU(h, 0.2)
		h = nn.LeakyReLU(nn.Conv2D(scope.At("002_conv2d"), h, 64, 4, 2, nn.Same), 0.2)
		h = Add(nn.Dense(scope.At("003_dense"), nn.Flatten(h), 128), nn.Dense(scope.At("004_dense_y"), y, 128))
		h = nn.LeakyReLU(h, 0.2)
		return nn.Dense(scope.At("005_dense"), h, 1)
	}
}

// New returns the cGAN (named "cgan") for size×size×channels images with 10 classes: z ~ N(0, 1) of NoiseDim,
// non-saturating loss, one D step per G step.
func New(size, channels int) gan.Variant {
	return gan.Variant{
		Name:                     "cgan",
		LatentDim:                NoiseDim,
		Noise:                    gan.Normal,
		Height:                   size,
		Width:                    size,
		Channels:                 channels,
		Classes:                  Classes,
		ConditionalGenerator:     Generator(size, channels),
		ConditionalDiscriminator: Discriminator(),
		Loss:                     gan.NonSaturating(),
		CriticSteps:              1,
	}
}
