// Package stylegan is the style-based generator of Karras, Laine and Aila 2019, "A Style-Based Generator
// Architecture for Generative Adversarial Networks" (https://arxiv.org/abs/1812.04948), with the weight
// demodulation of StyleGAN2 (Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN",
// https://arxiv.org/abs/1912.04958, §2.2) in place of AdaIN, at 32×32 (or 28×28) grayscale.
//
// What changes against DCGAN (models/dcgan): z no longer enters G at its input. A mapping network f turns z into
// an intermediate latent w; G's synthesis network starts from a learned constant map (4×4 at 32×32, 7×7 at 28×28), and every layer gets its
// own style, an affine map A of w that scales the layer's input channels (modulation) and is then normalised out
// of the output (demodulation): the style decides what each layer's features mean, not where the image starts. Each
// layer also adds per-pixel Gaussian noise with learned per-channel strength B, for stochastic detail. Because each
// layer has its own w, two latents can be mixed: layers before a crossover take w(z) (the coarse styles: pose,
// shape), the rest w(z₂) (the fine ones: stroke, texture). Training mixes a fraction mixing_prob of the fakes at a
// random crossover (style-mixing regularisation); at inference, w is pulled towards the tracked mean w̄ by the
// truncation trick w' = w̄ + ψ(w − w̄). D is a plain convolutional discriminator; the loss is the non-saturating
// one with the R1 penalty (γ/2)·E‖∇ₓD(x)‖² on real images (Mescheder et al. 2018), as in the paper's FFHQ runs
// (γ = 10 there; 1 here, not tuned);
// every layer of both players uses the equalised learning rate (weights N(0, 1) scaled at run time by
// 1/√fan_in), with Adam(0.002, β 0, 0.99).
//
// For a size s = start·2ⁿ (start 4..7: 32 → 4·2³, 28 → 7·2²), widths w(r) = clamp(1024/r, 32, 64) channels at
// resolution r, L = 2n + 2 styles, LeakyReLU(0.2) with gain √2 everywhere:
//
//	mapping f: z [B,64] → PixelNorm → 4 × (Dense(64), lr × 0.01 → LeakyReLU)          w [B,64]
//	w̄ ← w̄ + (1 − 0.995)(mean_B w − w̄) while training; w' = ψ·w + (1 − ψ)·w̄            (truncation)
//	synthesis g: const [start, start, w(start)]
//	   → ModConv3×3(style 0) + noise·B + bias → LeakyReLU                            [B, 4, 4, 64]
//	   → n × (Upsample×2 (nearest) → ModConv3×3(style 2i−1) + noise → LeakyReLU
//	                              → ModConv3×3(style 2i)   + noise → LeakyReLU)    [B, 8…32, 8…32, w(r)]
//	   → ToRGB: ModConv1×1(style L−1, no demodulation) + bias → tanh                  [B, s, s, C]
//	   ModConv(x, s) = conv(x · s, W)·d,  s = A(w) [B, Cin] (bias 1),  d_j = 1/√(Σ_{i,k}(s_i W_ijk)² + 1e-8)
//	D: x → Conv1×1(w(s)) → LeakyReLU
//	   → n × (Conv3×3(w(r)) → LeakyReLU → Conv3×3 stride 2 (w(r/2)) → LeakyReLU)   [B, start, start, ·]
//	   → Conv3×3 → LeakyReLU → Flatten → Dense(w(start)) → LeakyReLU → Dense(1)       logit
//
// The style mixing, the truncation ψ and the noise reach G through its condition (Styles, a gan.Condition): a
// second latent z₂, the crossover layer, ψ and a noise gain per image. The trainer draws them (z₂ random, no
// crossover, ψ = 1, gain 1); training then mixes a fraction mixing_prob of each batch at a crossover drawn in the
// graph; MixingGrid and Truncated pass chosen values through gan.Trainer.GenerateWith. At inference (GenerateWith,
// Samples, RandomSamples) the noise inputs are a fixed map per layer (StyleGAN2's noise_mode "const"), so an image
// depends on its latents only; a noise gain of 0 removes them.
//
// Simplifications for the small scale, against the papers: 4 mapping layers of 64 (the paper: 8 of 512), widths
// 32–64 (512), nearest-neighbour upsampling without the blur filter, one ToRGB at the end (StyleGAN1's final
// network; no StyleGAN2 skip/residual architecture), per-channel noise strengths (StyleGAN1), no minibatch
// standard deviation layer in D, R1 every step rather than lazily every 16, truncation on all layers (StyleGAN2;
// StyleGAN1 cut it off after the coarse layers), tanh on G's output (ganlab's range for G; StyleGAN's is linear),
// and the w̄ update runs in both players' steps (G runs in training mode in D's step too: β = 0.995 per run of
// G). StyleGAN2's path-length regularisation is there as a G term (PathLength) but off by default (pl_weight 0);
// it uses one w for all layers and runs every step, not lazily.
//
// The CLI builds a variant at the data's size: MNIST and Fashion-MNIST as they are give the 28×28 network
// (7→14→28, L = 6); the 32×32 (L = 8) needs the images padded by 2 pixels.
//
// Settings: mixing_prob (0.9), r1_gamma (1), w_avg_beta (0.995), mapping_lr_mul (0.01), pl_weight (0), with Adam
// (learning_rate 0.002, adam_beta1 0, adam_beta2 0.99) and batch_size 32.
package stylegan

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// Arch is the size of the networks.
type Arch struct {
	ZDim, WDim int // sizes of z (and z₂) and of w
	MapLayers  int // dense layers of the mapping network
	// MinWidth and MaxWidth bound the channels at resolution r: clamp(1024/r, MinWidth, MaxWidth).
	MinWidth, MaxWidth int
}

// DefaultArch is the 2-core-CPU scale of New.
var DefaultArch = Arch{ZDim: 64, WDim: 64, MapLayers: 4, MinWidth: 32, MaxWidth: 64}

func (a Arch) width(res int) int { return min(max(1024/res, a.MinWidth), a.MaxWidth) }

// Names of the settings and their defaults.
const (
	ParamMixingProb   = "mixing_prob"
	ParamR1Gamma      = "r1_gamma"
	ParamWAvgBeta     = "w_avg_beta"
	ParamMappingLRMul = "mapping_lr_mul"
	ParamPLWeight     = "pl_weight"

	MixingProb   = 0.9
	R1Gamma      = 1.0
	WAvgBeta     = 0.995
	MappingLRMul = 0.01
)

// Names of the condition's values (Styles), each [B, …] float32.
const (
	Z2        = "z2"        // the second latent [B, ZDim], whose w styles the layers from the crossover on
	Crossover = "crossover" // [B, 1]: the first layer styled by z₂ (0: all from z₂; Layers: none)
	Psi       = "psi"       // [B, 1]: the truncation ψ (1: none)
	NoiseGain = "noise"     // [B, 1]: multiplies the noise inputs (1: as trained; 0: no noise)
)

// stages returns the side of the constant input (4..7) and the number of doublings from it to size.
func stages(size int) (start, n int) {
	start = size
	for start%2 == 0 && start/2 >= 4 {
		start /= 2
		n++
	}
	if n == 0 || start > 7 {
		exceptions.Panicf("stylegan: image size must be 4..7 times a power of two, at least 8 (e.g. 8, 16, 28, 32), got %d", size)
	}
	return start, n
}

// Layers is the number of styles (L) G takes at size: one per 3×3 convolution and one for ToRGB.
func Layers(size int) int {
	_, n := stages(size)
	return 2*n + 2
}

// ---- Layers: equalised learning rate, modulation, noise -------------------------------------------------------

// weightsN01 returns scope's "weights" variable of the given shape, created N(0, stddev²): the equalised learning
// rate stores unit-variance weights and scales them at run time.
func weightsN01(scope *model.Scope, g *Graph, shape shapes.Shape, stddev float64) *Node {
	return scope.WithInitializer(initializer.RandomNormalFn(scope, stddev)).VariableWithShape("weights", shape).NodeValue(g)
}

// convKernel returns the N(0, 1) kernel "weights" that nn.Conv2D then finds in scope: a variable takes the
// initializer of its last request, so nn's is made N(0, 1) too (nn.ParamInitStddev in the layer's own scope).
func convKernel(scope *model.Scope, g *Graph, shape shapes.Shape) *Node {
	scope.SetParam(nn.ParamInitStddev, 1.0)
	return weightsN01(scope, g, shape, 1)
}

func constInit(v float64) model.VariableInitializer {
	return func(g *Graph, shape shapes.Shape) *Node { return BroadcastToShape(Scalar(g, shape.DType, v), shape) }
}

// EqDense is a dense layer with the equalised learning rate (Karras et al. 2018, §4.1) and a learning-rate
// multiplier lrMul (StyleGAN's mapping network uses 0.01): x [B, in] → x·W·(lrMul/√in) + b·lrMul [B, units].
// Variables in scope: "weights" [in, units] ~ N(0, 1/lrMul²), "biases" [units] = biasInit/lrMul.
func EqDense(scope *model.Scope, x *Node, units int, lrMul, biasInit float64) *Node {
	if x.Rank() != 2 {
		exceptions.Panicf("stylegan.EqDense: want x [batch, in], got %s", x.Shape())
	}
	in := x.Shape().Dimensions[1]
	w := weightsN01(scope, x.Graph(), shapes.Make(x.DType(), in, units), 1/lrMul)
	b := scope.WithInitializer(constInit(biasInit/lrMul)).VariableWithShape("biases", shapes.Make(x.DType(), units)).NodeValue(x.Graph())
	y := MulScalar(nn.MatMul(x, w), lrMul/math.Sqrt(float64(in)))
	return Add(y, ExpandLeftToRank(MulScalar(b, lrMul), 2))
}

// EqConv2D is nn.Conv2D (same padding) with the equalised learning rate: its kernel is N(0, 1) and the input is
// scaled by 1/√(kernel²·Cin) (the same as scaling the kernel: the convolution is linear). x [B, H, W, Cin] →
// [B, ⌈H/stride⌉, ⌈W/stride⌉, filters]. Variables in scope: nn.Conv2D's.
func EqConv2D(scope *model.Scope, x *Node, filters, kernel, stride int) *Node {
	cin := x.Shape().Dimensions[3]
	convKernel(scope, x.Graph(), shapes.Make(x.DType(), kernel, kernel, cin, filters))
	return nn.Conv2D(scope, MulScalar(x, 1/math.Sqrt(float64(kernel*kernel*cin))), filters, kernel, stride, nn.Same)
}

// DemodEpsilon is StyleGAN2's ε in d_j = 1/√(Σ(s_i W_ijk)² + ε).
const DemodEpsilon = 1e-8

// ModConv2D is StyleGAN2's modulated convolution (stride 1, same padding): x [B, H, W, Cin] and styles s [B, Cin]
// → [B, H, W, filters], the convolution of x with the per-image kernel W'_ijk = s_i·W_ijk/√(k²·Cin), demodulated
// (when demod) to unit norm per output channel: W”_ijk = W'_ijk / √(Σ_{i,k} W'_ijk² + ε). It is computed as
// StyleGAN2's non-fused form, conv(x·s, W)·d, which needs no per-image kernels. No bias. Variables in scope:
// "weights" [k, k, Cin, filters] ~ N(0, 1), and nn.Conv2D's "biases", created here as zeros that are not trained
// (nn.Conv2D always adds one; StyleGAN's bias comes after the demodulation, in the caller).
func ModConv2D(scope *model.Scope, x, s *Node, filters, kernel int, demod bool) *Node {
	if x.Rank() != 4 || s.Rank() != 2 || s.Shape().Dimensions[1] != x.Shape().Dimensions[3] || s.Shape().Dimensions[0] != x.Shape().Dimensions[0] {
		exceptions.Panicf("stylegan.ModConv2D: want x [B, H, W, Cin] and styles [B, Cin], got %s and %s", x.Shape(), s.Shape())
	}
	g := x.Graph()
	b, cin := x.Shape().Dimensions[0], x.Shape().Dimensions[3]
	w := convKernel(scope, g, shapes.Make(x.DType(), kernel, kernel, cin, filters))
	scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(x.DType(), filters)).SetTrainable(false)
	s = MulScalar(s, 1/math.Sqrt(float64(kernel*kernel*cin)))
	y := nn.Conv2D(scope, Mul(x, Reshape(s, b, 1, 1, cin)), filters, kernel, 1, nn.Same)
	if !demod {
		return y
	}
	wsq := Reshape(ReduceSum(Square(w), 0, 1), cin, filters)         // Σ_k W_ijk²
	norm := Sqrt(AddScalar(nn.MatMul(Square(s), wsq), DemodEpsilon)) // [B, filters]
	return Div(y, Reshape(norm, b, 1, 1, filters))
}

// PixelNorm divides each row of x [B, n] by its root mean square: x / √(mean(x²) + 1e-8) (Karras et al. 2018).
func PixelNorm(x *Node) *Node {
	return Div(x, Sqrt(AddScalar(ReduceAndKeep(Square(x), ReduceMean, -1), 1e-8)))
}

// Mapping is the mapping network f: z [B, ZDim] → w [B, WDim]: PixelNorm, then MapLayers equalised dense layers
// with LeakyReLU(0.2)·√2, each with the learning-rate multiplier mapping_lr_mul (default 0.01).
func Mapping(scope *model.Scope, z *Node, arch Arch) *Node {
	lrMul := model.GetParamOr(scope, ParamMappingLRMul, MappingLRMul)
	x := PixelNorm(z)
	for i := range arch.MapLayers {
		x = lrelu(EqDense(scope.At("%03d_dense", i), x, arch.WDim, lrMul, 0))
	}
	return probe(scope, x)
}

// lrelu is LeakyReLU(0.2) with StyleGAN's gain √2, which keeps unit variance through the layer.
func lrelu(x *Node) *Node { return MulScalar(nn.LeakyReLU(x, 0.2), math.Sqrt2) }

// Upsample doubles x [B, H, W, C] to [B, 2H, 2W, C] by repeating every pixel (nearest neighbour).
func Upsample(x *Node) *Node {
	d := x.Shape().Dimensions
	y := BroadcastToDims(Reshape(x, d[0], d[1], 1, d[2], 1, d[3]), d[0], d[1], 2, d[2], 2, d[3])
	return Reshape(y, d[0], 2*d[1], 2*d[2], d[3])
}

// noiseMap is one layer's noise input [B or 1, H, W, 1] ~ N(0, 1): drawn from the scope's RNG while training;
// at inference a fixed map per layer (seeded by the scope's path), the same for every image.
func noiseMap(scope *model.Scope, like *Node) *Node {
	g, d := like.Graph(), like.Shape().Dimensions
	if scope.IsTraining(g) {
		return scope.RandomNormal(g, shapes.Make(like.DType(), d[0], d[1], d[2], 1))
	}
	h := fnv.New64a()
	h.Write([]byte(scope.Scope()))
	_, n := RandomNormal(RNGStateFromSeedForGraph(g, int64(h.Sum64()>>1)), shapes.Make(like.DType(), 1, d[1], d[2], 1))
	return n
}

// StyledConv is one synthesis layer: ModConv2D(x, A(w)) with 3×3 kernels and demodulation, plus noise·B·gain, plus
// a bias, then LeakyReLU(0.2)·√2. x [B, H, W, Cin], w [B, WDim], gain [B, 1] → [B, H, W, filters]. Variables in
// scope: "affine" (EqDense, bias 1), "conv" (ModConv2D), "noise_strength" [filters] (zeros), "biases" [filters].
func StyledConv(scope *model.Scope, x, w, gain *Node, filters int) *Node {
	g, b := x.Graph(), x.Shape().Dimensions[0]
	s := EqDense(scope.At("affine"), w, x.Shape().Dimensions[3], 1, 1)
	y := ModConv2D(scope.At("conv"), x, s, filters, 3, true)
	strength := scope.WithInitializer(initializer.Zero).VariableWithShape("noise_strength", shapes.Make(x.DType(), filters)).NodeValue(g)
	n := Mul(Mul(noiseMap(scope, y), Reshape(ConvertDType(gain, x.DType()), b, 1, 1, 1)), Reshape(strength, 1, 1, 1, filters))
	bias := scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(x.DType(), filters)).NodeValue(g)
	return probe(scope, lrelu(Add(Add(y, n), Reshape(bias, 1, 1, 1, filters))))
}

// probe returns x after registering it, under its scope's name, with the trainer's NaN/Inf guard
// (gan.ProbeLayer: a non-finite loss then names the first layer that went wrong; a no-op outside training steps).
func probe(scope *model.Scope, x *Node) *Node {
	gan.ProbeLayer(scope, scope.Scope(), x)
	return x
}

// Synthesis is the synthesis network g: one style w [B, WDim] per layer (len Layers(size)) and the noise gain
// [B, 1] → images [B, size, size, channels] in [-1, 1].
func Synthesis(scope *model.Scope, ws []*Node, gain *Node, size, channels int, arch Arch) *Node {
	start, n := stages(size)
	if len(ws) != 2*n+2 {
		exceptions.Panicf("stylegan.Synthesis: %d styles for %d×%d, want %d", len(ws), size, size, 2*n+2)
	}
	g, b := ws[0].Graph(), ws[0].Shape().Dimensions[0]
	c0 := arch.width(start)
	cst := scope.WithInitializer(initializer.RandomNormalFn(scope, 1)).VariableWithShape("const", shapes.Make(ws[0].DType(), 1, start, start, c0)).NodeValue(g)
	x := BroadcastToDims(cst, b, start, start, c0)
	x = StyledConv(scope.At("000_conv_%d", start), x, ws[0], gain, c0)
	res := start
	for i := 1; i <= n; i++ {
		res *= 2
		x = Upsample(x)
		x = StyledConv(scope.At("%03d_conv_up_%d", 2*i-1, res), x, ws[2*i-1], gain, arch.width(res))
		x = StyledConv(scope.At("%03d_conv_%d", 2*i, res), x, ws[2*i], gain, arch.width(res))
	}
	last := ws[len(ws)-1]
	rgbScope := scope.At("%03d_to_rgb", 2*n+1)
	s := EqDense(rgbScope.At("affine"), last, x.Shape().Dimensions[3], 1, 1)
	y := ModConv2D(rgbScope.At("conv"), x, s, channels, 1, false)
	bias := rgbScope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(y.DType(), channels)).NodeValue(g)
	return probe(rgbScope, Tanh(Add(y, Reshape(bias, 1, 1, 1, channels))))
}

// Truncate is the truncation trick w' = ψ·w + (1 − ψ)·w̄ for w [B, WDim], ψ [B, 1] and w̄ [WDim]: exactly w for
// ψ = 1 and exactly w̄ for ψ = 0.
func Truncate(w, psi, wAvg *Node) *Node {
	psi = ConvertDType(psi, w.DType())
	return Add(Mul(w, psi), Mul(ExpandLeftToRank(wAvg, 2), OneMinus(psi)))
}

// MixStyles returns the L styles [B, WDim] of a batch: layer i takes w1 where i < crossover [B, 1], else w2.
func MixStyles(w1, w2, crossover *Node, layers int) []*Node {
	g, dt := w1.Graph(), w1.DType()
	k := ConvertDType(crossover, dt)
	ws := make([]*Node, layers)
	for i := range ws {
		m := ConvertDType(LessThan(Scalar(g, dt, float64(i)), k), dt) // [B, 1]: 1 where layer i is before the crossover
		ws[i] = Add(Mul(w1, m), Mul(w2, OneMinus(m)))
	}
	return ws
}

// Generator is G(z, c): the mapping network on z and z₂, w̄'s update while training, truncation by ψ, style
// mixing at the crossover (and, while training, at a random crossover for a fraction mixing_prob of the batch),
// then the synthesis network.
func Generator(size, channels int, arch Arch) gan.Generator {
	layers := Layers(size)
	return func(scope *model.Scope, z *Node, c gan.Cond) *Node {
		g, dt, b := z.Graph(), z.DType(), z.Shape().Dimensions[0]
		w1 := Mapping(scope.At("mapping"), z, arch)
		w2 := Mapping(scope.At("mapping"), c[Z2], arch)
		wAvgVar := scope.WithInitializer(initializer.Zero).VariableWithShape("w_avg", shapes.Make(dt, arch.WDim)).SetTrainable(false)
		wAvg := wAvgVar.NodeValue(g)
		crossover := ConvertDType(c[Crossover], dt)
		if scope.IsTraining(g) {
			beta := model.GetParamOr(scope, ParamWAvgBeta, WAvgBeta)
			wAvgVar.SetNodeValue(Add(MulScalar(wAvg, beta), MulScalar(ReduceMean(StopGradient(w1), 0), 1-beta)))
			// Style-mixing regularisation: with probability mixing_prob an image takes z₂'s styles from a crossover
			// drawn uniformly from 1..L−1.
			p := model.GetParamOr(scope, ParamMixingProb, MixingProb)
			u := scope.RandomUniform(g, shapes.Make(dt, b, 1))
			k := AddScalar(Floor(MulScalar(scope.RandomUniform(g, shapes.Make(dt, b, 1)), float64(layers-1))), 1)
			crossover = Where(LessThan(u, Scalar(g, dt, p)), k, crossover)
		}
		w1 = Truncate(w1, c[Psi], wAvg)
		w2 = Truncate(w2, c[Psi], wAvg)
		return Synthesis(scope.At("synthesis"), MixStyles(w1, w2, crossover, layers), c[NoiseGain], size, channels, arch)
	}
}

// Discriminator is D(x): the condition is unused. Images [B, size, size, C] → logits [B, 1].
func Discriminator(size int, arch Arch) gan.Discriminator {
	start, n := stages(size)
	return func(scope *model.Scope, x *Node, _ gan.Cond) (*Node, gan.Cond) {
		conv := func(s *model.Scope, h *Node, filters, kernel, stride int) *Node {
			return probe(s, lrelu(EqConv2D(s, h, filters, kernel, stride)))
		}
		h := conv(scope.At("000_from_rgb"), x, arch.width(size), 1, 1)
		res := size
		for i := range n {
			h = conv(scope.At("%03d_conv_%d", 2*i+1, res), h, arch.width(res), 3, 1)
			h = conv(scope.At("%03d_conv_down_%d", 2*i+2, res/2), h, arch.width(res/2), 3, 2)
			res /= 2
		}
		h = conv(scope.At("%03d_conv_%d", 2*n+1, start), h, arch.width(start), 3, 1)
		h = lrelu(EqDense(scope.At("%03d_dense", 2*n+2), nn.Flatten(h), arch.width(start), 1, 0))
		return EqDense(scope.At("%03d_dense", 2*n+3), h, 1, 1, 0), nil
	}
}

// ---- Loss terms ---------------------------------------------------------------------------------------------------

// R1 is D's extra loss term (γ/2)·mean_b ‖∇ₓD(x_b)‖² on the real batch (Mescheder, Geiger and Nowozin 2018,
// https://arxiv.org/abs/1801.04406, eq. 9; γ is the setting r1_gamma). It records mean_b ‖∇ₓD(x_b)‖² as "r1".
var R1 = gan.Term{Name: "r1", Loss: func(p *gan.Pass) (*Node, *Node) {
	if p.Real == nil {
		return nil, nil
	}
	gamma := model.GetParamOr(p.Scope, ParamR1Gamma, R1Gamma)
	grad := Gradient(ReduceAllSum(p.RealLogits), p.Real)[0]
	axes := make([]int, grad.Rank()-1)
	for i := range axes {
		axes[i] = i + 1
	}
	sq := ReduceAllMean(ReduceSum(Square(grad), axes...))
	return MulScalar(sq, gamma/2), sq
}}

// PathLength is StyleGAN2's path-length regulariser (§3.2) as a G term, on when the setting pl_weight > 0:
// pl_weight·mean_b (‖J_wᵀ y‖₂ − a)², with J_w the Jacobian of the synthesis network at w = f(z) (one w for all
// layers, no mixing), y ~ N(0, I)/√(H·W) per image, and a the running mean of the lengths (decay 0.01, a
// non-trainable variable "pl_mean"). It records the mean length as "path_length".
func PathLength(size, channels int, arch Arch) gan.Term {
	return gan.Term{Name: "path_length", Loss: func(p *gan.Pass) (*Node, *Node) {
		weight := model.GetParamOr(p.Scope, ParamPLWeight, 0.0)
		if weight == 0 {
			return nil, nil
		}
		scope := p.Scope.At(gan.GeneratorScope)
		g, dt := p.Z.Graph(), p.Z.DType()
		w := Mapping(scope.At("mapping"), p.Z, arch)
		ws := make([]*Node, Layers(size))
		for i := range ws {
			ws[i] = w
		}
		img := Synthesis(scope.At("synthesis"), ws, p.FakeCond[NoiseGain], size, channels, arch)
		y := MulScalar(scope.RandomNormal(g, img.Shape()), 1/float64(size))
		grad := Gradient(ReduceAllSum(Mul(img, y)), w)[0]
		lengths := Sqrt(AddScalar(ReduceSum(Square(grad), 1), 1e-12)) // [B]
		meanVar := scope.WithInitializer(initializer.Zero).VariableWithShape("pl_mean", shapes.Make(dt)).SetTrainable(false)
		a := meanVar.NodeValue(g)
		a = Add(a, MulScalar(Sub(ReduceAllMean(StopGradient(lengths)), a), 0.01))
		meanVar.SetNodeValue(a)
		pen := ReduceAllMean(Square(Sub(lengths, a)))
		return MulScalar(pen, weight), ReduceAllMean(lengths)
	}}
}

// ---- The condition --------------------------------------------------------------------------------------------------

// Styles is StyleGAN's condition (a gan.Condition): for each fake image a second latent z₂ (ZDim numbers), the
// crossover layer from which z₂'s styles are used (Layers: none), ψ and the noise gain. The trainer's draws
// (Draw) give z₂ ~ N(0, 1), no crossover, ψ = 1 and gain 1: the training graph mixes a fraction mixing_prob at
// random crossovers itself, and RandomSamples gives plain samples. Real images come without a condition.
type Styles struct{ ZDim, Layers int }

// Draw implements gan.Condition.
func (s Styles) Draw(rng *rand.Rand, b int) gan.Values {
	z2 := make([]float32, b*s.ZDim)
	for i := range z2 {
		z2[i] = float32(rng.NormFloat64())
	}
	return s.Of(z2, s.Layers, 1, 1)
}

// Real implements gan.Condition: none.
func (s Styles) Real([]int, int) (gan.Values, error) { return nil, nil }

// Fixed implements gan.Condition: z₂ = 0, no crossover, ψ = 1, gain 1.
func (s Styles) Fixed(count int) gan.Values {
	return s.Of(make([]float32, count*s.ZDim), s.Layers, 1, 1)
}

// Of is the condition of len(z2)/ZDim images that share a crossover, ψ and noise gain.
func (s Styles) Of(z2 []float32, crossover int, psi, noise float64) gan.Values {
	b := len(z2) / s.ZDim
	fill := func(v float64) *tensors.Tensor {
		x := make([]float32, b)
		for i := range x {
			x[i] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(x, b, 1)
	}
	return gan.Values{
		Z2:        tensors.FromFlatDataAndDimensions(z2, b, s.ZDim),
		Crossover: fill(float64(crossover)),
		Psi:       fill(psi),
		NoiseGain: fill(noise),
	}
}

// StylesOf returns the Styles condition of a StyleGAN variant (false for another variant).
func StylesOf(v gan.Variant) (Styles, bool) {
	s, ok := v.Condition.(Styles)
	return s, ok
}

// ---- Host-side: mixing grid and truncated samples -----------------------------------------------------------------

// Mixing is a style-mixing grid: Rows row sources (whose styles are used before the crossover: the coarse ones)
// and Cols column sources (the fine ones), each an image [H, W, C] in [-1, 1], and Mixed, Rows×Cols images (row
// major), image (r, c) with the coarse styles of row r and the fine ones of column c.
type Mixing struct {
	Rows, Cols             int
	RowSources, ColSources []float32
	Mixed                  []float32
}

// Grid lays the mixing grid out as (Rows+1)×(Cols+1) images, as in the paper's Figure 3: a black corner, the
// column sources along the top, the row sources down the left, the mixed images inside.
func (m Mixing) Grid() []float32 {
	size := len(m.RowSources) / m.Rows
	out := make([]float32, size, (m.Rows+1)*(m.Cols+1)*size)
	for i := range out {
		out[i] = -1
	}
	out = append(out, m.ColSources...)
	for r := range m.Rows {
		out = append(out, m.RowSources[r*size:(r+1)*size]...)
		out = append(out, m.Mixed[r*m.Cols*size:(r+1)*m.Cols*size]...)
	}
	return out
}

func latents(rng *rand.Rand, n, dim int) []float32 {
	z := make([]float32, n*dim)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	return z
}

// MixingGrid draws rows and cols latents from seed and makes the style-mixing grid: images whose styles before
// the synthesis layer crossover (0..Layers) come from the row's z and the rest from the column's, all truncated
// with psi, at inference (fixed noise maps).
func MixingGrid(tr *gan.Trainer, rows, cols int, crossover int, psi float64, seed uint64) (Mixing, error) {
	s, ok := StylesOf(tr.Variant)
	if !ok {
		return Mixing{}, fmt.Errorf("stylegan.MixingGrid: variant %q is not a StyleGAN", tr.Variant.Name)
	}
	if rows < 1 || cols < 1 || crossover < 0 || crossover > s.Layers {
		return Mixing{}, fmt.Errorf("stylegan.MixingGrid: want rows, cols >= 1 and crossover in [0, %d], got %d, %d, %d", s.Layers, rows, cols, crossover)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5717E))
	zr, zc := latents(rng, rows, s.ZDim), latents(rng, cols, s.ZDim)
	var z, z2 []float32
	for r := range rows {
		for range cols {
			z = append(z, zr[r*s.ZDim:(r+1)*s.ZDim]...)
		}
		z2 = append(z2, zc...)
	}
	mixed, err := tr.GenerateWith(z, s.Of(z2, crossover, psi, 1))
	if err != nil {
		return Mixing{}, err
	}
	src, err := tr.GenerateWith(append(append([]float32(nil), zr...), zc...), s.Of(make([]float32, (rows+cols)*s.ZDim), s.Layers, psi, 1))
	if err != nil {
		return Mixing{}, err
	}
	size := len(src) / (rows + cols)
	return Mixing{Rows: rows, Cols: cols, RowSources: src[:rows*size], ColSources: src[rows*size:], Mixed: mixed}, nil
}

// Truncated returns n images from latents drawn with seed, truncated with psi (1: none), without mixing, at
// inference (fixed noise maps).
func Truncated(tr *gan.Trainer, n int, psi float64, seed uint64) ([]float32, error) {
	s, ok := StylesOf(tr.Variant)
	if !ok {
		return nil, fmt.Errorf("stylegan.Truncated: variant %q is not a StyleGAN", tr.Variant.Name)
	}
	z := latents(rand.New(rand.NewPCG(seed, 0x7256)), n, s.ZDim)
	return tr.GenerateWith(z, s.Of(make([]float32, n*s.ZDim), s.Layers, psi, 1))
}

// ---- The variant -----------------------------------------------------------------------------------------------------

// New returns StyleGAN (named "stylegan") for size×size×channels images (size 4..7 times a power of two, e.g. 32 or
// 28) at DefaultArch.
func New(size, channels int) gan.Variant { return NewArch(size, channels, DefaultArch) }

// NewArch is New with the networks' sizes given.
func NewArch(size, channels int, arch Arch) gan.Variant {
	if channels <= 0 {
		exceptions.Panicf("stylegan.New: channels must be positive, got %d", channels)
	}
	return gan.Variant{
		Name:          "stylegan",
		Height:        size,
		Width:         size,
		Channels:      channels,
		Prior:         gan.Prior{LatentDim: arch.ZDim, Noise: gan.Normal, Condition: Styles{ZDim: arch.ZDim, Layers: Layers(size)}},
		Generator:     Generator(size, channels, arch),
		Discriminator: Discriminator(size, arch),
		Loss:          gan.NonSaturating(),
		DTerms:        []gan.Term{R1},
		GTerms:        []gan.Term{PathLength(size, channels, arch)},
		Settings: gan.Settings{
			gan.SettingBatchSize: 32,
			"learning_rate":      0.002,
			"adam_beta1":         0.0,
			"adam_beta2":         0.99,
			ParamMixingProb:      MixingProb,
			ParamR1Gamma:         R1Gamma,
			ParamWAvgBeta:        WAvgBeta,
			ParamMappingLRMul:    MappingLRMul,
			ParamPLWeight:        0.0,
		},
	}
}
