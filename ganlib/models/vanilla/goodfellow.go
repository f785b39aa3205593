package vanilla

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/nn"
	"github.com/ganlab/ganlab/ganlib/optim"

	. "github.com/gomlx/gomlx/core/graph"
)

// Goodfellow et al. 2014's MNIST experiment (https://arxiv.org/abs/1406.2661, §5; code: github.com/goodfeli/
// adversarial, mnist.yaml), as this package builds it:
//
//	G: z [B,100] ~ U(−√3, √3) → ReLU 1200 → ReLU 1200 → sigmoid 784 → [B,28,28,1]
//	D: x [B,28,28,1] → dropout(keep 0.8) → maxout 240×5 → dropout(0.5) → maxout 240×5 → dropout(0.5) → sigmoid 1
//
// Weights start uniform in ±0.05 (G) and ±0.005 (D) (pylearn2's irange), biases at zero except G's output bias,
// which starts at logit(mean training pixel) clipped to [1e-7, 1−1e-7] (pylearn2's
// init_sigmoid_bias_from_marginals). Dropout is pylearn2's: kept units scaled by 1/keep, active in both players'
// steps (AdversaryCost2 drops units in D also when it computes G's gradient). Losses: D's binary cross-entropy, G's
// non-saturating −log D(G(z)) (AdversaryCost2). Optimizer: SGD with momentum, batch 100 (optim.GoodfellowMomentum).
//
// Pixel range. The paper's G and D work on pixels p in [0, 1]; ganlab's trainer and grids use x = 2p − 1 in
// [−1, 1]. G's last layer is therefore 2·sigmoid(a) − 1, computed as tanh(a/2) (the same function), and D's first
// layer maps x back to p = (x + 1)/2, so both networks compute exactly the paper's functions of p. The trainer
// draws z ~ U(−1, 1); G's first layer multiplies it by √3 (the adversarial code's uniform noise has unit
// variance: U(−√3, √3)).
const (
	GoodfellowHidden   = 1200 // G's ReLU layers
	GoodfellowUnits    = 240  // D's maxout units per layer
	GoodfellowPieces   = 5    // pieces per maxout unit
	GoodfellowBatch    = 100  // SGD batch
	GoodfellowTrainN   = 50000
	goodfellowGIRange  = 0.05
	goodfellowDIRange  = 0.005
	goodfellowBiasClip = 1e-7
)

// uniformDense is x·W + b with W uniform in ±irange and b initialised by bias (zeros when nil): pylearn2's
// Linear layer. The matrix product is nn.MatMul (two matmuls in the gradient).
func uniformDense(scope *model.Scope, x *Node, units int, irange float64, bias []float32) *Node {
	in := x.Shape().Dimensions[1]
	w := scope.WithInitializer(initializer.RandomUniformFn(scope, -irange, irange)).
		VariableWithShape("weights", shapes.Make(x.DType(), in, units)).NodeValue(x.Graph())
	var bv *model.Variable
	if bias != nil {
		if len(bias) != units {
			panic(fmt.Sprintf("vanilla: bias has %d values for %d units", len(bias), units))
		}
		bv = scope.VariableWithValue("biases", tensors.FromFlatDataAndDimensions(append([]float32(nil), bias...), units))
	} else {
		bv = scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(x.DType(), units))
	}
	return Add(nn.MatMul(x, w), ExpandAxes(bv.NodeValue(x.Graph()), 0))
}

// GoodfellowGenerator returns G for the trainer's uniform noise. outputBias (784 values, or nil for zeros)
// initialises the sigmoid layer's bias; MarginalBias computes the paper's from the training images.
func GoodfellowGenerator(outputBias []float32) models.Stack {
	return goodfellowGenerator(gan.Uniform, outputBias)
}

// goodfellowGenerator is G for noise drawn as noise: its first layer scales U(−1, 1) by √3 to U(−√3, √3) and
// leaves N(0, 1) as it is (both have unit variance, as the adversarial code's get_noise draws them).
func goodfellowGenerator(noise gan.NoiseKind, outputBias []float32) models.Stack {
	first := models.Layer{Name: "noise_sqrt3", Fn: func(_ *model.Scope, z *Node) *Node { return MulScalar(z, math.Sqrt(3)) }}
	if noise != gan.Uniform {
		first = models.Layer{Name: "noise", Fn: func(_ *model.Scope, z *Node) *Node { return z }}
	}
	return models.Stack{
		first,
		{Name: "relu_dense", Fn: func(scope *model.Scope, x *Node) *Node {
			return activation.Relu(uniformDense(scope, x, GoodfellowHidden, goodfellowGIRange, nil))
		}},
		{Name: "relu_dense", Fn: func(scope *model.Scope, x *Node) *Node {
			return activation.Relu(uniformDense(scope, x, GoodfellowHidden, goodfellowGIRange, nil))
		}},
		{Name: "sigmoid_dense", Fn: func(scope *model.Scope, x *Node) *Node {
			// 2·sigmoid(a) − 1 = tanh(a/2): the paper's sigmoid pixels p mapped to x = 2p − 1.
			return Tanh(MulScalar(uniformDense(scope, x, 28*28, goodfellowGIRange, outputBias), 0.5))
		}},
		{Name: "reshape", Fn: func(_ *model.Scope, x *Node) *Node { return nn.Reshape(x, 28, 28, 1) }},
	}
}

// GoodfellowDiscriminator returns D (logits).
func GoodfellowDiscriminator() models.Stack {
	dropout := func(rate float64) models.Layer {
		return models.Layer{Name: "dropout", Fn: func(scope *model.Scope, x *Node) *Node { return nn.Dropout(scope, x, rate) }}
	}
	maxout := models.Layer{Name: "maxout", Fn: func(scope *model.Scope, x *Node) *Node {
		y := uniformDense(scope, x, GoodfellowUnits*GoodfellowPieces, goodfellowDIRange, nil)
		// Pieces of one unit are consecutive outputs, as in pylearn2's Maxout and nn.Maxout.
		return ReduceMax(Reshape(y, x.Shape().Dimensions[0], GoodfellowUnits, GoodfellowPieces), -1)
	}}
	return models.Stack{
		{Name: "flatten", Fn: func(_ *model.Scope, x *Node) *Node { return nn.Flatten(x) }},
		{Name: "to_unit_range", Fn: func(_ *model.Scope, x *Node) *Node { return MulScalar(AddScalar(x, 1), 0.5) }},
		dropout(0.2), maxout,
		dropout(0.5), maxout,
		dropout(0.5),
		{Name: "logit", Fn: func(scope *model.Scope, x *Node) *Node { return uniformDense(scope, x, 1, goodfellowDIRange, nil) }},
	}
}

// MarginalBias returns logit(mean pixel) for each of the dim pixels of n images in [0, 1], the mean clipped to
// [1e-7, 1 − 1e-7]: pylearn2's init_sigmoid_bias_from_marginals, with which the paper's G starts.
func MarginalBias(pixels []float32, n, dim int) ([]float32, error) {
	if n <= 0 || len(pixels) != n*dim {
		return nil, fmt.Errorf("vanilla.MarginalBias: %d values are not %d images of %d pixels", len(pixels), n, dim)
	}
	sum := make([]float64, dim)
	for i := range n {
		for j, p := range pixels[i*dim : (i+1)*dim] {
			sum[j] += float64(p)
		}
	}
	out := make([]float32, dim)
	for j, s := range sum {
		m := math.Min(math.Max(s/float64(n), goodfellowBiasClip), 1-goodfellowBiasClip)
		out[j] = float32(math.Log(m / (1 - m)))
	}
	return out, nil
}

// Goodfellow returns the paper's MNIST GAN (28×28×1) with k = criticSteps discriminator steps per generator step
// (Algorithm 1; the paper used k = 1) and G's output bias outputBias (MarginalBias of the training images, or nil).
func Goodfellow(criticSteps int, outputBias []float32) gan.Variant {
	return GoodfellowNoise(criticSteps, outputBias, gan.Uniform)
}

// GoodfellowNoise is Goodfellow with G's noise drawn as noise: gan.Uniform, U(−√3, √3) (the paper's "uniform
// noise"), or gan.Normal, N(0, 1) (the default of the authors' adversarial.Generator, which mnist.yaml does not
// override).
func GoodfellowNoise(criticSteps int, outputBias []float32, noise gan.NoiseKind) gan.Variant {
	if criticSteps <= 0 {
		criticSteps = 1
	}
	return gan.Variant{
		Name:          "goodfellow",
		Prior:         gan.Prior{LatentDim: LatentDim, Noise: noise},
		Height:        28,
		Width:         28,
		Channels:      1,
		Generator:     gan.PlainG(goodfellowGenerator(noise, outputBias).Network()),
		Discriminator: gan.PlainD(GoodfellowDiscriminator().Network()),
		Loss:          gan.NonSaturating(),
		Settings:      GoodfellowSettings(criticSteps),
	}
}

// GoodfellowSettings are the settings of the paper's run with k discriminator steps per generator step: batch
// 100 and SGD with momentum for both players (optim.GoodfellowMomentum with stepsPerEpoch = 50,000/100 = 500
// updates per epoch of D, the paper's training split train[0:50000]).
func GoodfellowSettings(k int) gan.Settings {
	s := gan.Settings(optim.GoodfellowMomentumSettings(GoodfellowTrainN / GoodfellowBatch))
	s[gan.SettingBatchSize] = GoodfellowBatch
	s[gan.SettingCriticSteps] = k
	return s
}

// GoodfellowConfig is the trainer configuration of the paper's run: the variant's settings (GoodfellowSettings)
// and 10 fixed samples.
func GoodfellowConfig(seed uint64) gan.Config {
	return gan.Config{Seed: seed, FixedSamples: 10}
}

// Anneal is ganlab's addition to the paper's schedule: from generator step From on, both players' learning rates
// are multiplied by a factor falling geometrically from 1 to To over Steps generator steps (optim.MomentumConfig's
// AnnealFrom/AnnealSteps/AnnealTo; D's counts are k times G's). The zero value is the paper's schedule.
type Anneal struct {
	From, Steps int
	To          float64
}

// On reports whether the anneal changes the schedule.
func (a Anneal) On() bool { return a.Steps > 0 }

// String is the form stored in a checkpoint's params and read back by ParseAnneal: "from=80000,steps=10000,to=0.01"
// ("off" for the zero value).
func (a Anneal) String() string {
	if !a.On() {
		return "off"
	}
	return fmt.Sprintf("from=%d,steps=%d,to=%g", a.From, a.Steps, a.To)
}

// ParseAnneal reads Anneal.String's form.
func ParseAnneal(s string) (Anneal, error) {
	var a Anneal
	if s == "" || s == "off" {
		return a, nil
	}
	if _, err := fmt.Sscanf(s, "from=%d,steps=%d,to=%g", &a.From, &a.Steps, &a.To); err != nil {
		return Anneal{}, fmt.Errorf("anneal %q: want from=N,steps=M,to=F (%v)", s, err)
	}
	return a, a.Check()
}

// Check returns an error for an anneal optim.Momentum would reject.
func (a Anneal) Check() error { return optim.CheckAnneal(a.From, a.Steps, a.To) }

// GoodfellowConfigAnnealed is GoodfellowConfig with the late anneal a for k discriminator steps per generator step.
func GoodfellowConfigAnnealed(seed uint64, k int, a Anneal) gan.Config {
	cfg := GoodfellowConfig(seed)
	if !a.On() {
		return cfg
	}
	if k < 1 {
		k = 1
	}
	cfg.Settings = gan.Settings{optim.ParamAnnealTo: a.To}
	for player, per := range map[string]int{gan.DiscriminatorScope: k, gan.GeneratorScope: 1} {
		cfg.Settings[player+"/"+optim.ParamAnnealFrom] = a.From * per
		cfg.Settings[player+"/"+optim.ParamAnnealSteps] = a.Steps * per
	}
	return cfg
}

// GoodfellowConfigNamed returns GoodfellowConfig for "paper" and, for "adam", the same batch with Adam(2e-4,
// β1 0.5) for both players (Radford et al. 2015's setting, the trainer's default).
func GoodfellowConfigNamed(name string, seed uint64) (gan.Config, error) {
	switch name {
	case "paper", "":
		return GoodfellowConfig(seed), nil
	case "adam":
		return gan.Config{Seed: seed, FixedSamples: 10, Settings: gan.Settings{optim.ParamOptimizer: "adam", optim.ParamLearningRate: 2e-4}}, nil
	}
	return gan.Config{}, fmt.Errorf("unknown optimizer %q: want paper or adam", name)
}
