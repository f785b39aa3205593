// Package dcgan holds two deep convolutional GANs: the lecture's Keras DCGAN, exactly as the slides build it
// (Lecture), and the DCGAN of Radford, Metz and Chintala 2015, "Unsupervised Representation Learning with Deep
// Convolutional Generative Adversarial Networks" (https://arxiv.org/abs/1511.06434), as the contrast (Radford).
// A variant of the second, SmallAugmented (augmented.go), is Radford's at an eighth of its width with
// differentiable augmentation before D, for small training sets on a CPU (notebook 06's setting B).
//
// What changes against the vanilla GAN (models/vanilla): the players see images as images. D slides small
// learned filters over the picture (Conv2D) instead of flattening it into one long vector, so it judges local
// texture and edges wherever they are and needs far fewer parameters; G starts from a small, deep feature map and
// doubles its resolution with transposed convolutions (Conv2DTranspose) instead of producing every pixel from one
// dense layer. The game, the losses (non-saturating), Adam(2e-4, β1 0.5), z ~ N(0, 1) and the trainer are the
// same: only the two networks change.
//
// # The lecture's DCGAN (slide 5)
//
// For images of s×s×C (s = 128 on the slides, any multiple of 4 here, e.g. 28 or 32 for Fashion-MNIST) and
// LeakyReLU(0.2) everywhere, 'same' padding:
//
//	G: z [B,100] → Dense(s/4·s/4·256) → LeakyReLU → Reshape(s/4, s/4, 256)
//	   → Conv2DTranspose(128, 4, stride 2) → LeakyReLU        [B, s/2, s/2, 128]
//	   → Conv2DTranspose(128, 4, stride 2) → LeakyReLU        [B, s, s, 128]
//	   → Conv2D(C, 4) → tanh                                  [B, s, s, C], values in [-1, 1]
//	D: x [B,s,s,C] → Conv2D(64, 3) → LeakyReLU               [B, s, s, 64]
//	   → Conv2D(128, 3, stride 2) → LeakyReLU                 [B, s/2, s/2, 128]
//	   → Conv2D(128, 3, stride 2) → LeakyReLU                 [B, s/4, s/4, 128]
//	   → Conv2D(256, 3, stride 2) → LeakyReLU                 [B, s/8, s/8, 256] (rounded up)
//	   → Flatten → Dropout(0.4) → Dense(1)                    logit [B, 1]; D(x) = sigmoid, folded into the loss
//
// Keras's summary of the slides' model at s = 128 (Glorot-uniform kernels, zero biases, as here): C = 1:
// G 27,265,281 and D 582,785 parameters; C = 3: G 27,269,379 and D 583,937. 97% of G's parameters sit in its
// first Dense layer (100 × 262,144 weights); most of its compute sits in the last transposed convolution, at full
// resolution with 128 channels (≈92 GFLOP per training step at s = 128, batch 4; see GFLOPPerStep and
// experiments.DCGANStepTiming).
//
// # Radford et al.'s DCGAN (the paper's guidelines, §3)
//
//   - no pooling: strided convolutions in D, fractionally strided (transposed) convolutions in G;
//   - batch normalisation in both players, except G's output layer and D's input layer;
//   - no fully connected hidden layers: G's first layer is a projection of z reshaped to a 4×4 map (a Dense layer
//     with no activation of its own before BatchNorm), D's last conv map is flattened into a single logit;
//   - ReLU in G (tanh at the output), LeakyReLU(0.2) in D;
//   - every weight drawn from N(0, 0.02²) (nn.ParamInitStddev = 0.02 unless the context sets it), Adam(2e-4,
//     β1 0.5), batch 128 in the paper.
//
// Kernels are 5×5 with stride 2 as in the authors' code. The number of stages follows the image size: G starts
// from a 4×4 to 7×7 map and doubles it until it reaches s (64: 4→8→16→32→64 with 1024, 512, 256, 128 channels, the
// paper's LSUN generator; 32: 4→8→16→32; 28: 7→14→28), and D mirrors it (128, 256, 512, ... channels).
//
// Differences to the paper's code that a reader may notice in the summary: nn's convolutions always have biases
// (they are redundant before BatchNorm; the paper's Theano code has none), and BatchNorm's gamma starts at 1
// (the authors drew it from N(1, 0.02²)).
package dcgan

import (
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// NoiseDim is NOISE_DIM of the slides: the size of z.
const NoiseDim = 100

// LectureSize is the image size of the slides (the Kaggle brain-MRI notebook resizes its images to 128×128).
const LectureSize = 128

// InitStddev is Radford et al.'s weight initialisation: N(0, 0.02²).
const InitStddev = 0.02

func layer(name string, fn func(scope *model.Scope, x *Node) *Node) models.Layer {
	return models.Layer{Name: name, Fn: fn}
}

func dense(units int) models.Layer {
	return layer("dense", func(scope *model.Scope, x *Node) *Node { return nn.Dense(scope, x, units) })
}

func leaky() models.Layer {
	return layer("leaky_relu", func(_ *model.Scope, x *Node) *Node { return nn.LeakyReLU(x, 0.2) })
}

func relu() models.Layer {
	return layer("relu", func(_ *model.Scope, x *Node) *Node { return activation.Relu(x) })
}

func batchNorm() models.Layer {
	return layer("batch_norm", func(scope *model.Scope, x *Node) *Node { return nn.BatchNorm(scope, x) })
}

func conv(filters, kernel, stride int) models.Layer {
	return layer("conv2d", func(scope *model.Scope, x *Node) *Node {
		return nn.Conv2D(scope, x, filters, kernel, stride, nn.Same)
	})
}

func convT(filters, kernel, stride int) models.Layer {
	return layer("conv2d_transpose", func(scope *model.Scope, x *Node) *Node {
		return nn.Conv2DTranspose(scope, x, filters, kernel, stride, nn.Same)
	})
}

func reshape(dims ...int) models.Layer {
	return layer("reshape", func(_ *model.Scope, x *Node) *Node { return nn.Reshape(x, dims...) })
}

func tanh() models.Layer {
	return layer("tanh", func(_ *model.Scope, x *Node) *Node { return Tanh(x) })
}

func flatten() models.Layer {
	return layer("flatten", func(_ *model.Scope, x *Node) *Node { return nn.Flatten(x) })
}

func checkChannels(model string, channels int) {
	if channels <= 0 {
		exceptions.Panicf("dcgan.%s: channels must be positive (1 for grayscale, 3 for RGB), got %d", model, channels)
	}
}

// LectureGenerator is build_generator of the slides for s×s×channels images: z [B, 100] → [B, s, s, channels]
// in [-1, 1]. s must be a multiple of 4 (128 on the slides).
func LectureGenerator(size, channels int) models.Stack {
	if size <= 0 || size%4 != 0 {
		exceptions.Panicf("dcgan.LectureGenerator: image size must be a positive multiple of 4 (G starts at size/4 and doubles twice), got %d", size)
	}
	checkChannels("LectureGenerator", channels)
	s4 := size / 4
	return models.Stack{
		dense(s4 * s4 * 256), leaky(),
		reshape(s4, s4, 256),
		convT(128, 4, 2), leaky(),
		convT(128, 4, 2), leaky(),
		conv(channels, 4, 1), tanh(),
	}
}

// LectureDiscriminator is build_discriminator of the slides: x [B, H, W, C] → logit [B, 1] (D(x) = sigmoid of
// it; the slides' Dense(1, activation="sigmoid") is folded into the loss). Works for any image size.
func LectureDiscriminator() models.Stack {
	return models.Stack{
		conv(64, 3, 1), leaky(),
		conv(128, 3, 2), leaky(),
		conv(128, 3, 2), leaky(),
		conv(256, 3, 2), leaky(),
		flatten(),
		layer("dropout", func(scope *model.Scope, x *Node) *Node { return nn.Dropout(scope, x, 0.4) }),
		dense(1),
	}
}

// Lecture returns the slides' DCGAN (named "lecture-dcgan") for s×s×channels images, with the slides' loss
// (binary cross-entropy, non-saturating for G) and z ~ N(0, 1) of NoiseDim numbers.
func Lecture(size, channels int) gan.Variant {
	return gan.Variant{
		Name:          "lecture-dcgan",
		Prior:         gan.Prior{LatentDim: NoiseDim, Noise: gan.Normal},
		Height:        size,
		Width:         size,
		Channels:      channels,
		Generator:     gan.PlainG(LectureGenerator(size, channels).Network()),
		Discriminator: gan.PlainD(LectureDiscriminator().Network()),
		Loss:          gan.NonSaturating(),
	}
}

// radfordStages returns the side of G's first feature map (4 to 7) and the number of doublings that lead from
// it to size.
func radfordStages(size int) (start, stages int) {
	start = size
	for start%2 == 0 && start/2 >= 4 {
		start /= 2
		stages++
	}
	if stages == 0 || start > 7 {
		exceptions.Panicf("dcgan.Radford: image size must be 4..7 times a power of two, at least 8 (e.g. 28, 32, 64), got %d", size)
	}
	return start, stages
}

// RadfordGenerator is Radford et al.'s generator for s×s×channels images: z [B, 100] → projection to a
// start×start×(128·2^(n-1)) map → BatchNorm → ReLU → n transposed 5×5 convolutions with stride 2, halving the
// channels each time (BatchNorm and ReLU after all but the last) → tanh: [B, s, s, channels] in [-1, 1].
func RadfordGenerator(size, channels int) models.Stack {
	return radfordGenerator(size, channels, RadfordWidth)
}

func radfordGenerator(size, channels, base int) models.Stack {
	checkChannels("RadfordGenerator", channels)
	start, n := radfordStages(size)
	width := base << (n - 1)
	s := models.Stack{dense(start * start * width), reshape(start, start, width), batchNorm(), relu()}
	for i := range n - 1 {
		s = append(s, convT(width>>(i+1), 5, 2), batchNorm(), relu())
	}
	return append(s, convT(channels, 5, 2), tanh())
}

// RadfordDiscriminator is Radford et al.'s discriminator mirroring RadfordGenerator(size, ·): n 5×5 convolutions
// with stride 2 and 128, 256, ... filters, each followed by LeakyReLU(0.2), with BatchNorm before the LeakyReLU on
// all but the first; then Flatten → Dense(1): logit [B, 1].
func RadfordDiscriminator(size int) models.Stack { return radfordDiscriminator(size, RadfordWidth) }

func radfordDiscriminator(size, base int) models.Stack {
	_, n := radfordStages(size)
	s := models.Stack{conv(base, 5, 2), leaky()}
	for i := 1; i < n; i++ {
		s = append(s, conv(base<<i, 5, 2), batchNorm(), leaky())
	}
	return append(s, flatten(), dense(1))
}

// withInit runs net with nn.ParamInitStddev = stddev in its scope, unless the context already sets it (explicit
// settings win).
func withInit(net gan.Network, stddev float64) gan.Network {
	return func(scope *model.Scope, x *Node) *Node {
		if _, found := scope.GetParam(nn.ParamInitStddev); !found {
			scope.SetParam(nn.ParamInitStddev, stddev)
		}
		return net(scope, x)
	}
}

// Radford returns Radford et al.'s DCGAN (named "dcgan") for s×s×channels images: weights from N(0, 0.02²),
// non-saturating loss, z ~ N(0, 1) of NoiseDim numbers (the paper draws z uniformly; the lecture's loop uses a
// normal prior, kept here so that both DCGANs differ only in their networks).
//
// BatchNorm and the trainer: in the D step the trainer runs G in training mode too, so G's moving statistics
// are updated in both steps (twice per iteration, both times with the current weights); they are used only
// when sampling in inference mode, and tracking the current weights twice as fast does them no harm. D's moving
// statistics are updated on real-only and fake-only batches, as D is called once on each (the PyTorch DCGAN
// tutorial does the same); they are used only by Trainer.Discriminate.
func Radford(size, channels int) gan.Variant {
	return gan.Variant{
		Name:          "dcgan",
		Prior:         gan.Prior{LatentDim: NoiseDim, Noise: gan.Normal},
		Height:        size,
		Width:         size,
		Channels:      channels,
		Generator:     gan.PlainG(withInit(RadfordGenerator(size, channels).Network(), InitStddev)),
		Discriminator: gan.PlainD(withInit(RadfordDiscriminator(size).Network(), InitStddev)),
		Loss:          gan.NonSaturating(),
	}
}

// GFLOPPerStep estimates the floating-point operations of one training step (one D update on B real and B fake
// images, one G update) of the lecture's DCGAN at s×s×channels and batch b, counting 2 FLOP per multiply-add and
// a backward pass as twice the forward one: G runs forward in the D step and forward+backward in the G step; D
// runs forward+backward on 2B images in the D step and on B images in the G step.
func GFLOPPerStep(size, channels, b int) float64 {
	s, s2, s4 := float64(size), float64(size/2), float64(size/4)
	c := float64(channels)
	// A transposed convolution costs input pixels × k² × Cin × Cout multiply-adds (each output pixel of a stride-2,
	// 4×4 one receives only 2×2 taps).
	g := 2 * (100*s4*s4*256 + s4*s4*16*256*128 + s2*s2*16*128*128 + s*s*16*128*c)
	d2, d4, d8 := float64((size+1)/2), float64((size+3)/4), float64((size+7)/8)
	d := 2 * (s*s*9*c*64 + d2*d2*9*64*128 + d4*d4*9*128*128 + d8*d8*9*128*256 + d8*d8*256)
	perImage := g + 3*g + 3*d*2 + 3*d
	return float64(b) * perImage / 1e9
}
