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
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

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

// Names of InfoGAN's condition and of Q's heads.
const (
	// Code is G's condition vector c [B, Categories+Continuous]: the one-hot categorical code, then the
	// continuous codes.
	Code = "code"
	// CodeCat is the categorical code as int32 [B], CodeCont the continuous codes [B, Continuous].
	CodeCat  = "code_cat"
	CodeCont = "code_cont"
	// QCat and QCont are Q's heads: logits over the categories [B, Categories], predicted continuous codes
	// [B, Continuous].
	QCat  = "q_cat"
	QCont = "q_cont"
)

// Codes is InfoGAN's condition (a gan.Condition): for each fake image, a categorical code of Categorical values
// drawn uniformly and Continuous codes drawn from U(−1, 1). Real images come without one (InfoGAN learns without
// labels). The fixed grid has category i mod Categorical for image i and continuous codes 0.
type Codes struct{ Categorical, Continuous int }

// Draw implements gan.Condition.
func (c Codes) Draw(rng *rand.Rand, b int) gan.Values {
	cat := make([]int, b)
	for i := range cat {
		cat[i] = rng.IntN(c.Categorical)
	}
	cont := make([]float32, b*c.Continuous)
	for i := range cont {
		cont[i] = float32(rng.Float64()*2 - 1)
	}
	return c.Of(cat, cont)
}

// Real implements gan.Condition: none.
func (c Codes) Real([]int, int) (gan.Values, error) { return nil, nil }

// Fixed implements gan.Condition.
func (c Codes) Fixed(count int) gan.Values {
	cat := make([]int, count)
	for i := range cat {
		cat[i] = i % c.Categorical
	}
	return c.Of(cat, make([]float32, count*c.Continuous))
}

// Of is the condition of images with categories cat [B] and continuous codes cont [B·Continuous].
func (c Codes) Of(cat []int, cont []float32) gan.Values {
	b, k, m := len(cat), c.Categorical, c.Continuous
	full := make([]float32, b*(k+m))
	cats := make([]int32, b)
	for i, x := range cat {
		row := full[i*(k+m) : (i+1)*(k+m)]
		row[x] = 1
		copy(row[k:], cont[i*m:(i+1)*m])
		cats[i] = int32(x)
	}
	return gan.Values{
		Code:     tensors.FromFlatDataAndDimensions(full, b, k+m),
		CodeCat:  tensors.FromFlatDataAndDimensions(cats, b),
		CodeCont: tensors.FromFlatDataAndDimensions(cont, b, m),
	}
}

// CodesOf returns the Codes condition of an InfoGAN variant (false for another variant).
func CodesOf(v gan.Variant) (Codes, bool) {
	c, ok := v.Condition.(Codes)
	return c, ok
}

// Generate runs the trainer's G on noise z (count vectors) with categories cat (count) and continuous codes
// cont (count·Continuous).
func Generate(tr *gan.Trainer, z []float32, cat []int, cont []float32) ([]float32, error) {
	c, ok := CodesOf(tr.Variant)
	if !ok {
		return nil, fmt.Errorf("infogan.Generate: variant %q has no InfoGAN codes", tr.Variant.Name)
	}
	if len(cont) != len(cat)*c.Continuous {
		return nil, fmt.Errorf("infogan.Generate: %d continuous codes for %d images of %d codes", len(cont), len(cat), c.Continuous)
	}
	for _, x := range cat {
		if x < 0 || x >= c.Categorical {
			return nil, fmt.Errorf("infogan.Generate: category %d outside [0, %d)", x, c.Categorical)
		}
	}
	return tr.GenerateWith(z, c.Of(cat, cont))
}

// InferCodes runs D's Q head in inference mode on count images x (NHWC, values in [-1, 1]): the most likely
// category of each image and the predicted continuous codes [count·Continuous].
func InferCodes(tr *gan.Trainer, x []float32) (categories []int, continuous []float32, err error) {
	c, ok := CodesOf(tr.Variant)
	if !ok {
		return nil, nil, fmt.Errorf("InferCodes: variant %q has no InfoGAN codes", tr.Variant.Name)
	}
	_, heads, err := tr.Judge(x, nil)
	if err != nil {
		return nil, nil, err
	}
	q := heads[QCat]
	if q == nil {
		return nil, nil, fmt.Errorf("InferCodes: variant %q has no Q head", tr.Variant.Name)
	}
	categories = make([]int, len(q)/c.Categorical)
	for i := range categories {
		row := q[i*c.Categorical : (i+1)*c.Categorical]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		categories[i] = best
	}
	return categories, heads[QCont], nil
}

// Discriminator is D's body with its two heads: logits [B, 1] and Q's heads QCat [B, Categories] and QCont
// [B, Continuous]. The condition is unused: InfoGAN learns without labels.
func Discriminator(scope *model.Scope, x *Node, _ gan.Cond) (*Node, gan.Cond) {
	return discriminator(scope, x, convFilters, bodyUnits, qHeadUnits)
}

// discriminator is the D body and heads of Discriminator and PaperDiscriminator, which differ only in widths:
// conv(filters) → conv(2·filters) + BatchNorm → Dense(body) + BatchNorm, then D's head and Q's Dense(qUnits) head.
func discriminator(scope *model.Scope, x *Node, filters, body, qUnits int) (*Node, gan.Cond) {
	h := leaky(nn.Conv2D(scope.At("000_conv2d"), x, filters, 4, 2, nn.Same))
	h = nn.Conv2D(scope.At("001_conv2d"), h, 2*filters, 4, 2, nn.Same)
	h = leaky(nn.BatchNorm(scope.At("002_batch_norm"), h))
	h = nn.Dense(scope.At("003_dense"), nn.Flatten(h), body)
	h = leaky(nn.BatchNorm(scope.At("004_batch_norm"), h))
	logits := nn.Dense(scope.At("d_head"), h, 1)
	q := nn.Dense(scope.At("q_000_dense"), h, qUnits)
	q = leaky(nn.BatchNorm(scope.At("q_001_batch_norm"), q))
	return logits, gan.Cond{QCat: nn.Dense(scope.At("q_cat"), q, Categories), QCont: nn.Dense(scope.At("q_cont"), q, Continuous)}
}

// MILoss is gan.InfoLoss with the trainer's integer categorical code turned one-hot: cross-entropy (λ_cat = 1)
// plus the unit-variance Gaussian NLL of the continuous codes weighted by lambdaCont.
func MILoss(qCat, qCont, cat, cont *Node, lambdaCont float64) *Node {
	return gan.InfoLoss(qCat, OneHot(cat, Categories, dtypes.Float32), qCont, cont, 1, lambdaCont)
}

// Settings of the mutual-information term: λ, its weight in both players' losses (default Lambda), and λ_cont,
// the weight of the continuous codes inside it (default LambdaCont).
const (
	ParamLambda     = "info_lambda"
	ParamLambdaCont = "info_lambda_cont"
)

// miTerm is λ·L_I on the fakes of a step, from Q's heads and the codes they were made with; D's records L_I as
// "mi_loss".
func miTerm(record bool) gan.Term {
	return gan.Term{Name: "mi_loss", Loss: func(p *gan.Pass) (*Node, *Node) {
		raw := MILoss(p.FakeHeads[QCat], p.FakeHeads[QCont], p.FakeCond[CodeCat], p.FakeCond[CodeCont],
			model.GetParamOr(p.Scope, ParamLambdaCont, LambdaCont))
		weighted := MulScalar(raw, model.GetParamOr(p.Scope, ParamLambda, Lambda))
		if record {
			return weighted, raw
		}
		return weighted, nil
	}}
}

// Generator is G(z, c) with the codes as its condition (cgan's generator on the code vector).
func Generator(size, channels int) gan.Generator {
	g := cgan.G(size, channels)
	return func(scope *model.Scope, z *Node, c gan.Cond) *Node { return g(scope, z, c[Code]) }
}

// New returns InfoGAN (named "infogan") for MNIST-sized images (size a multiple of 4), with the paper's
// optimizers: Adam(2e-4, β1 0.5) for D and Q, Adam(1e-3, β1 0.5) for G.
func New(size, channels int) gan.Variant {
	return gan.Variant{
		Name:          "infogan",
		Height:        size,
		Width:         size,
		Channels:      channels,
		Prior:         gan.Prior{LatentDim: NoiseDim, Noise: gan.Uniform, Condition: Codes{Categorical: Categories, Continuous: Continuous}}, // the paper's z ~ U(−1, 1)
		Generator:     Generator(size, channels),
		Discriminator: Discriminator,
		Loss:          gan.NonSaturating(),
		DTerms:        []gan.Term{miTerm(true)},
		GTerms:        []gan.Term{miTerm(false)},
		Settings: gan.Settings{
			"learning_rate":           DLearnRate,
			"generator/learning_rate": GLearnRate,
			ParamLambda:               Lambda,
			ParamLambdaCont:           LambdaCont,
		},
	}
}
