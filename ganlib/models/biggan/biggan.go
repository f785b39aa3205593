// Package biggan is BigGAN of Brock, Donahue and Simonyan 2019, "Large Scale GAN Training for High Fidelity Natural
// Image Synthesis" (https://arxiv.org/abs/1809.11096), at the scale of a 2-core CPU: Fashion-MNIST's ten classes at
// 32×32×1 (the 28×28 images padded with their background, data.Images.Padded).
//
// What changes against DCGAN (models/dcgan) and the cGAN (models/cgan), ingredient by ingredient, and which part of
// a gan.Variant carries it:
//   - the condition is the cGAN's (cgan.Labels{K: 10}: one-hot labels under the name cgan.Label), but the class
//     enters differently. In G, through class-conditional BatchNorm: each BatchNorm's output is scaled by
//     1 + γ(e) and shifted by β(e), γ and β linear maps of e = y·E, a class embedding shared by all layers
//     (network). In D, through a projection head (Miyato & Koyama 2018): logit = ψ(φ(x)) + ⟨V·y, φ(x)⟩, φ(x) D's
//     features summed over the image, ψ a linear map, V a class embedding (network).
//   - hinge loss (Loss, Hinge): D minimises E[relu(1 − D(x, y))] + E[relu(1 + D(G(z), y))], G minimises
//     −E[D(G(z), y)]. D's outputs are scores, not probabilities (Loss.Critic).
//   - spectral normalisation (Miyato et al. 2018) of every weight of G and D, embeddings included, but not
//     BatchNorm's and not G's shared embedding E: the layer uses W/σ(W), σ the largest singular value of W
//     reshaped to [rows, last axis], estimated by one power iteration per call from a persistent, non-trainable
//     vector "sn_u" (network: SpectralNorm, Sigma). The iteration runs, and u is stored, in training graphs only
//     (once per call of the layer, as PyTorch's spectral_norm does: D's step calls D twice, on real and fake
//     images, and runs G in training mode for its fakes, so G's u advance in D's steps too); inference reuses the
//     stored u without changing it. The gradient goes through W/σ(W) with u and v
//     held constant, as in the paper.
//   - orthogonal regularisation (G's loss term Ortho): β·Σ‖WᵀW ⊙ (1 − I)‖²_F over G's weights, β the setting
//     "ortho_beta" (1e-4), W each raw weight reshaped to [rows, last axis]; recorded as Record.Terms["ortho"].
//   - Adam with β1 = 0, β2 = 0.999 and 2 D steps per G step (Settings). The paper's D learns 4 times faster than
//     its G (5e-5 / 2e-4 at 256×256 with batches of 2048, 1e-4 / 4e-4 at 128×128); here both players take 2e-4,
//     batch 64: in a 300-step trial on padded Fashion-MNIST with 1e-4 / 4e-4, D's hinge loss sat near 0 and G made
//     centred blobs, while with 2e-4 / 2e-4 the losses stayed balanced and garment shapes appeared (one short run
//     each, not a measurement; "generator/learning_rate=1e-4;discriminator/learning_rate=4e-4" gives the paper's).
//   - the truncation trick at sampling time (Truncated, on the host): z drawn from a normal truncated to |z| ≤ ψ
//     (values outside resampled), trading variety for fidelity as ψ shrinks.
//
// Networks (size a multiple of 8; shown at 32×32×1, z of NoiseDim = 64, E of EmbedDim = 32; every Dense, Conv and
// embedding spectrally normalised, "CBN" the class-conditional BatchNorm from e):
//
//	G: z [B,64], y [B,10] → e = y·E [B,32]
//	   → Dense(4·4·128)(z) → Reshape(4,4,128) → CBN(e) → ReLU
//	   → Conv2DTranspose(64, 4, stride 2) → CBN(e) → ReLU          [B, 8, 8, 64]
//	   → Conv2DTranspose(32, 4, stride 2) → CBN(e) → ReLU          [B, 16, 16, 32]
//	   → Conv2DTranspose(1, 4, stride 2) → tanh                    [B, 32, 32, 1]
//	   CBN(h, e) = BatchNorm(h) · (1 + Dense_γ(e)) + Dense_β(e)      per example and channel
//	D: x → Conv2D(32, 4, stride 2) → LeakyReLU(0.2)                [B, 16, 16, 32]
//	   → Conv2D(64, 4, stride 2) → LeakyReLU                       [B, 8, 8, 64]
//	   → Conv2D(128, 4, stride 2) → LeakyReLU                      [B, 4, 4, 128]
//	   → φ = sum over the 4×4 pixels                               [B, 128]
//	   → logit = Dense(1)(φ) + ⟨y·V, φ⟩                             V [10, 128]
//
// Simplifications for the small scale: plain (DCGAN-like) stacks of stride-2 (transposed) convolutions instead of
// BigGAN's residual blocks with nearest-neighbour upsampling and average pooling; no hierarchical z (z enters G's
// first layer only, the CBNs see the class embedding alone); no self-attention block; LeakyReLU(0.2) in D instead
// of ReLU; Glorot-uniform initialisation instead of orthogonal; nn.BatchNorm's own learned γ, β kept under the
// conditional ones (redundant, harmless); no exponential moving average of G's weights; no cross-replica BatchNorm;
// widths 128/64/32 instead of hundreds of channels.
package biggan

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/cgan"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// Sizes of the small BigGAN.
const (
	NoiseDim = 64 // z
	EmbedDim = 32 // G's shared class embedding e
	Classes  = 10
)

// Settings (see the package doc for the paper's).
const (
	GLearningRate = 2e-4
	DLearningRate = 2e-4
	Beta1, Beta2  = 0, 0.999
	CriticSteps   = 2
	OrthoBeta     = 1e-4
)

// ParamOrthoBeta is the setting of β, the weight of the orthogonal regularisation (default OrthoBeta).
const ParamOrthoBeta = "ortho_beta"

// uName is the name of a spectrally normalised weight's persistent power-iteration vector, in its layer's scope.
const uName = "sn_u"

// normalize returns x/‖x‖ (all elements).
func normalize(x *Node) *Node {
	return Div(x, Sqrt(AddScalar(ReduceAllSum(Square(x)), 1e-12)))
}

// Sigma returns σ(W), the estimate of the largest singular value of w reshaped to M [rows, m] (m its last axis),
// from one power iteration on the persistent vector u [m] stored in scope as "sn_u" (non-trainable, drawn from
// N(0, 1) at creation): v = M·u/‖M·u‖, u' = Mᵀ·v/‖Mᵀ·v‖, σ = vᵀ·M·u'. In a training graph u' is stored back into
// "sn_u" (the executor writes it after the step); elsewhere u is left as it is. σ's gradient in w is v·u'ᵀ: u and v
// are held constant.
func Sigma(scope *model.Scope, w *Node) *Node {
	g := w.Graph()
	dims := w.Shape().Dimensions
	m := dims[len(dims)-1]
	mat := Reshape(w, -1, m) // [rows, m]
	uVar := scope.WithInitializer(initializer.RandomNormalFn(scope, 1)).
		VariableWithShape(uName, shapes.Make(w.DType(), m)).SetTrainable(false)
	u := uVar.NodeValue(g)
	fixed := StopGradient(mat)
	v := normalize(nn.MatMul(fixed, Reshape(u, m, 1)))                 // [rows, 1]
	vRow := Reshape(v, 1, -1)                                          // [1, rows]
	u2 := StopGradient(normalize(nn.MatMul(vRow, fixed)))              // [1, m]
	sigma := ReduceAllSum(Mul(nn.MatMul(StopGradient(vRow), mat), u2)) // vᵀ·M·u'
	if scope.IsTraining(g) {
		uVar.SetNodeValue(Reshape(u2, m))
	}
	return sigma
}

// SpectralNorm makes the nn layer just built in scope (nn.Dense, nn.Conv2D or nn.Conv2DTranspose, whose output is
// y = x∗W + b) spectrally normalised: it returns x∗(W/σ(W)) + b = y/σ + b·(1 − 1/σ), a layer is linear in W.
func SpectralNorm(scope *model.Scope, y *Node) *Node {
	g := y.Graph()
	wv, bv := scope.GetVariable("weights"), scope.GetVariable("biases")
	if wv == nil || bv == nil {
		exceptions.Panicf("biggan.SpectralNorm: no weights and biases in scope %q", scope.Scope())
	}
	sigma := Sigma(scope, wv.NodeValue(g))
	b := ExpandLeftToRank(bv.NodeValue(g), y.Rank())
	return Add(Div(y, sigma), Mul(b, OneMinus(Inverse(sigma))))
}

// dense is a spectrally normalised nn.Dense.
func dense(scope *model.Scope, x *Node, units int) *Node {
	return SpectralNorm(scope, nn.Dense(scope, x, units))
}

// embed returns y·V for one-hot (or any) y [B, k] and the embedding V [k, dim] stored in scope as "embedding"
// (Glorot uniform), spectrally normalised when sn.
func embed(scope *model.Scope, y *Node, dim int, sn bool) *Node {
	k := y.Shape().Dimensions[1]
	v := scope.WithInitializer(initializer.GlorotUniformFn(scope)).
		VariableWithShape("embedding", shapes.Make(y.DType(), k, dim)).NodeValue(y.Graph())
	if sn {
		v = Div(v, Sigma(scope, v))
	}
	return nn.MatMul(y, v)
}

// CondBatchNorm is BigGAN's class-conditional BatchNorm: BatchNorm(h) · (1 + γ(e)) + β(e) with γ, β spectrally
// normalised linear maps of the class embedding e [B, d] to h's channels, one gain and bias per example and
// channel.
func CondBatchNorm(scope *model.Scope, h, e *Node) *Node {
	d := h.Shape().Dimensions
	b, c := d[0], d[len(d)-1]
	bcast := make([]int, len(d))
	for i := range bcast {
		bcast[i] = 1
	}
	bcast[0], bcast[len(d)-1] = b, c
	gain := Reshape(OnePlus(dense(scope.At("gain"), e, c)), bcast...)
	bias := Reshape(dense(scope.At("bias"), e, c), bcast...)
	return Add(Mul(nn.BatchNorm(scope.At("batch_norm"), h), gain), bias)
}

// checkSize panics unless size is a positive multiple of 8 and channels positive.
func checkSize(size, channels int) {
	if size <= 0 || size%8 != 0 || channels <= 0 {
		exceptions.Panicf("biggan: image size must be a positive multiple of 8 (pad 28×28 images to 32) and channels positive, got %d×%d×%d", size, size, channels)
	}
}

// Generator is G(z, y): z [B, NoiseDim] and one-hot labels → size×size×channels images in [-1, 1].
func Generator(size, channels int) gan.Generator {
	checkSize(size, channels)
	s8 := size / 8
	return func(scope *model.Scope, z *Node, c gan.Cond) *Node {
		e := embed(scope.At("000_shared_embedding"), c[cgan.Label], EmbedDim, false)
		h := nn.Reshape(dense(scope.At("001_dense"), z, s8*s8*128), s8, s8, 128)
		h = activation.Relu(CondBatchNorm(scope.At("002_cbn"), h, e))
		up := func(name string, h *Node, filters int) *Node {
			return SpectralNorm(scope.At("%s", name), nn.Conv2DTranspose(scope.At("%s", name), h, filters, 4, 2, nn.Same))
		}
		h = activation.Relu(CondBatchNorm(scope.At("004_cbn"), up("003_conv2d_transpose", h, 64), e))
		h = activation.Relu(CondBatchNorm(scope.At("006_cbn"), up("005_conv2d_transpose", h, 32), e))
		return Tanh(up("007_conv2d_transpose", h, channels))
	}
}

// Features is D's φ(x): three spectrally normalised stride-2 convolutions with LeakyReLU(0.2), summed over the
// pixels → [B, 128].
func Features(scope *model.Scope, x *Node) *Node {
	h := x
	for i, filters := range []int{32, 64, 128} {
		name := fmt.Sprintf("%03d_conv2d", i)
		h = nn.LeakyReLU(SpectralNorm(scope.At("%s", name), nn.Conv2D(scope.At("%s", name), h, filters, 4, 2, nn.Same)), 0.2)
	}
	return ReduceSum(h, 1, 2)
}

// Project is the projection head: ψ(φ) + ⟨y·V, φ⟩ → logits [B], ψ a spectrally normalised Dense(1) and V a
// spectrally normalised class embedding [k, features].
func Project(scope *model.Scope, phi, y *Node) *Node {
	psi := Reshape(dense(scope.At("004_dense"), phi, 1), -1)
	proj := ReduceSum(Mul(embed(scope.At("005_embedding"), y, phi.Shape().Dimensions[1], true), phi), -1)
	return Add(psi, proj)
}

// Discriminator is D(x, y) with the projection head: logits [B].
func Discriminator() gan.Discriminator {
	return func(scope *model.Scope, x *Node, c gan.Cond) (*Node, gan.Cond) {
		return Project(scope, Features(scope, x), c[cgan.Label]), nil
	}
}

// Hinge is the hinge loss of the geometric GAN (Lim & Ye 2017), BigGAN's: D minimises
// E[relu(1 − D(x))] + E[relu(1 + D(G(z)))], G minimises −E[D(G(z))]. D's outputs are scores (Critic).
func Hinge() gan.Loss {
	return gan.Loss{
		Name: "hinge",
		Discriminator: func(realLogits, fakeLogits *Node) *Node {
			return Add(ReduceAllMean(activation.Relu(OneMinus(realLogits))), ReduceAllMean(activation.Relu(OnePlus(fakeLogits))))
		},
		Generator: func(fakeLogits *Node) *Node { return Neg(ReduceAllMean(fakeLogits)) },
		Critic:    true,
	}
}

// OrthoPenalty is ‖WᵀW ⊙ (1 − I)‖²_F for w reshaped to W [rows, m] (m its last axis): the squared off-diagonal
// entries of the Gram matrix of W's columns. It is 0 when those columns are orthogonal, whatever their norms.
func OrthoPenalty(w *Node) *Node {
	dims := w.Shape().Dimensions
	m := dims[len(dims)-1]
	mat := Reshape(w, -1, m)
	gram := nn.MatMul(Transpose(mat, 0, 1), mat) // [m, m]
	g := w.Graph()
	eye := ConvertDType(Equal(Iota(g, shapes.Make(w.DType(), m, m), 0), Iota(g, shapes.Make(w.DType(), m, m), 1)), w.DType())
	return ReduceAllSum(Square(Mul(gram, OneMinus(eye))))
}

// Ortho is G's orthogonal regularisation term, β·Σ OrthoPenalty(W) over G's weights ("weights" variables of rank
// ≥ 2, raw, before spectral normalisation; G's shared embedding is left out as in the paper), β the ortho_beta
// setting; it records the added value as "ortho".
var Ortho = gan.Term{Name: "ortho", Loss: func(p *gan.Pass) (*Node, *Node) {
	beta := model.GetParamOr(p.Scope, ParamOrthoBeta, float64(OrthoBeta))
	g := p.Fake.Graph()
	var sum *Node
	for v := range p.Scope.At(gan.GeneratorScope).IterVariables() {
		if !v.Trainable || v.Name() != "weights" || v.Shape().Rank() < 2 {
			continue
		}
		r := OrthoPenalty(v.NodeValue(g))
		if sum == nil {
			sum = r
		} else {
			sum = Add(sum, r)
		}
	}
	if sum == nil {
		exceptions.Panicf("biggan.Ortho: no weights under %q", gan.GeneratorScope)
	}
	add := MulScalar(sum, beta)
	return add, add
}}

// New returns BigGAN (named "biggan") for size×size×channels images (size a multiple of 8) with 10 classes:
// z ~ N(0, 1) of NoiseDim, the cGAN's labels, hinge loss, orthogonal regularisation, Adam(β 0, 0.999) at
// 2e-4 for both players, 2 D steps per G step.
func New(size, channels int) gan.Variant {
	return gan.Variant{
		Name:          "biggan",
		Height:        size,
		Width:         size,
		Channels:      channels,
		Prior:         gan.Prior{LatentDim: NoiseDim, Noise: gan.Normal, Condition: cgan.Labels{K: Classes}},
		Generator:     Generator(size, channels),
		Discriminator: Discriminator(),
		Loss:          Hinge(),
		GTerms:        []gan.Term{Ortho},
		Settings: gan.Settings{
			"optimizer":                   "adam",
			"generator/learning_rate":     GLearningRate,
			"discriminator/learning_rate": DLearningRate,
			"adam_beta1":                  float64(Beta1),
			"adam_beta2":                  Beta2,
			gan.SettingCriticSteps:        CriticSteps,
			ParamOrthoBeta:                OrthoBeta,
		},
	}
}

// TruncatedNormal draws n values from N(0, 1) truncated to [−psi, psi]: every value outside is drawn again until
// it falls inside. psi must be > 0.
func TruncatedNormal(rng *rand.Rand, n int, psi float64) []float32 {
	if !(psi > 0) {
		exceptions.Panicf("biggan.TruncatedNormal: psi must be > 0, got %g", psi)
	}
	z := make([]float32, n)
	for i := range z {
		x := rng.NormFloat64()
		for math.Abs(x) > psi {
			x = rng.NormFloat64()
		}
		z[i] = float32(x)
	}
	return z
}

// Truncated is the truncation trick: one image per label, generated by the trainer's G (in inference mode) from z
// drawn from the normal truncated to |z| ≤ psi (seeded by seed). Smaller psi: images closer to each class's
// typical one, less variety. It returns the images NHWC in [-1, 1].
func Truncated(tr *gan.Trainer, labels []int, psi float64, seed uint64) ([]float32, error) {
	if !(psi > 0) {
		return nil, fmt.Errorf("biggan.Truncated: psi must be > 0, got %g", psi)
	}
	z := TruncatedNormal(rand.New(rand.NewPCG(seed, 0x7261C)), len(labels)*tr.Variant.LatentDim, psi)
	return cgan.Generate(tr, z, labels)
}
