// Package cgan is the conditional GAN of Mirza and Osindero 2014, "Conditional Generative Adversarial Nets"
// (https://arxiv.org/abs/1411.1784), on MNIST-sized images with the convolutional players of a small DCGAN.
//
// What changes against DCGAN (models/dcgan): both players are told the class y. G(z, y) must make an image of
// class y, and D(x, y) judges whether x is a real image *of class y*, so a sharp "7" shown with the label 3 is
// rejected and G learns to obey the label. The trainer draws the fake labels uniformly and takes the real ones
// from the data (Labels, the variant's gan.Condition; Trainer.SetLabels); loss (non-saturating), optimizer (Adam 2e-4, β1 0.5)
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
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
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

// Label is the name of the condition: the one-hot class labels y [B, classes].
const Label = "label"

// Labels is the cGAN's condition (a gan.Condition): fake images get labels drawn uniformly from [0, K), real
// images come with their own (the data's labels, gan.Trainer.SetLabels), and the fixed grid has label i mod K
// for image i, so a grid with K columns shows one class per column.
type Labels struct{ K int }

// Draw implements gan.Condition.
func (l Labels) Draw(rng *rand.Rand, b int) gan.Values {
	labels := make([]int, b)
	for i := range labels {
		labels[i] = rng.IntN(l.K)
	}
	return l.Of(labels)
}

// Real implements gan.Condition: the labels of the real batch, one-hot.
func (l Labels) Real(labels []int, b int) (gan.Values, error) {
	if labels == nil {
		return nil, fmt.Errorf("the model is conditioned on class labels, and the data has none")
	}
	for i, x := range labels {
		if x < 0 || x >= l.K {
			return nil, fmt.Errorf("label %d of image %d is outside [0, %d)", x, i, l.K)
		}
	}
	return l.Of(labels[:b]), nil
}

// Fixed implements gan.Condition.
func (l Labels) Fixed(count int) gan.Values {
	labels := make([]int, count)
	for i := range labels {
		labels[i] = i % l.K
	}
	return l.Of(labels)
}

// Of is the condition of images with the given labels: y one-hot [len(labels), K].
func (l Labels) Of(labels []int) gan.Values {
	return gan.Values{Label: tensors.FromFlatDataAndDimensions(oneHot(labels, l.K), len(labels), l.K)}
}

// oneHot is labels as rows of k values, all 0 but a 1 at the label.
func oneHot(labels []int, k int) []float32 {
	out := make([]float32, len(labels)*k)
	for i, x := range labels {
		out[i*k+x] = 1
	}
	return out
}

// LabelsOf returns the Labels condition of a cGAN variant (false for another variant).
func LabelsOf(v gan.Variant) (Labels, bool) {
	l, ok := v.Condition.(Labels)
	return l, ok
}

// Generate runs the trainer's G on noise z (count vectors) for the given class labels (count of them).
func Generate(tr *gan.Trainer, z []float32, labels []int) ([]float32, error) {
	l, ok := LabelsOf(tr.Variant)
	if !ok {
		return nil, fmt.Errorf("cgan.Generate: variant %q is not a cGAN", tr.Variant.Name)
	}
	for _, x := range labels {
		if x < 0 || x >= l.K {
			return nil, fmt.Errorf("cgan.Generate: label %d outside [0, %d)", x, l.K)
		}
	}
	return tr.GenerateWith(z, l.Of(labels))
}

// G is G(z, c) for any condition vector c [B, cDim] (one-hot labels for the cGAN, codes for InfoGAN): images
// [B, size, size, channels] in [-1, 1]. size must be a multiple of 4.
func G(size, channels int) func(scope *model.Scope, z, c *Node) *Node {
	if size <= 0 || size%4 != 0 || channels <= 0 {
		exceptions.Panicf("cgan.Generator: image size must be a positive multiple of 4 and channels positive, got %d×%d×%d", size, size, channels)
	}
	s4 := size / 4
	return func(scope *model.Scope, z, c *Node) *Node {
		h := Add(nn.Dense(scope.At("000_dense_z"), z, s4*s4*64), nn.Dense(scope.At("001_dense_c"), c, s4*s4*64))
		h = nn.Reshape(h, s4, s4, 64)
		h = activation.Relu(nn.BatchNorm(scope.At("002_batch_norm"), h))
		h = nn.Conv2DTranspose(scope.At("003_conv2d_transpose"), h, 32, 4, 2, nn.Same)
		h = activation.Relu(nn.BatchNorm(scope.At("004_batch_norm"), h))
		h = nn.Conv2DTranspose(scope.At("005_conv2d_transpose"), h, channels, 4, 2, nn.Same)
		return Tanh(h)
	}
}

// Generator is G(z, y): G with the one-hot labels as its condition.
func Generator(size, channels int) gan.Generator {
	g := G(size, channels)
	return func(scope *model.Scope, z *Node, c gan.Cond) *Node { return g(scope, z, c[Label]) }
}

// Discriminator is D(x, y): images and one-hot labels [B, classes] → logit [B, 1].
func Discriminator() gan.Discriminator {
	return func(scope *model.Scope, x *Node, c gan.Cond) (*Node, gan.Cond) {
		y := c[Label]
		h := nn.Conv2D(scope.At("000_conv2d"), x, 32, 4, 2, nn.Same)
		yPlanes := nn.Dense(scope.At("001_dense_y"), y, 32)             // [B, 32]
		h = Add(h, Reshape(yPlanes, y.Shape().Dimensions[0], 1, 1, 32)) // broadcast over the image
		h = nn.LeakyReLU(h, 0.2)
		h = nn.LeakyReLU(nn.Conv2D(scope.At("002_conv2d"), h, 64, 4, 2, nn.Same), 0.2)
		h = Add(nn.Dense(scope.At("003_dense"), nn.Flatten(h), 128), nn.Dense(scope.At("004_dense_y"), y, 128))
		h = nn.LeakyReLU(h, 0.2)
		return nn.Dense(scope.At("005_dense"), h, 1), nil
	}
}

// New returns the cGAN (named "cgan") for size×size×channels images with 10 classes: z ~ N(0, 1) of NoiseDim,
// non-saturating loss, the trainer's default settings (Adam 2e-4, β1 0.5, one D step per G step).
func New(size, channels int) gan.Variant {
	return gan.Variant{
		Name:          "cgan",
		Height:        size,
		Width:         size,
		Channels:      channels,
		Prior:         gan.Prior{LatentDim: NoiseDim, Noise: gan.Normal, Condition: Labels{K: Classes}},
		Generator:     Generator(size, channels),
		Discriminator: Discriminator(),
		Loss:          gan.NonSaturating(),
	}
}
