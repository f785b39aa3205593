// Package pggan is the progressively growing GAN of Karras, Aila, Laine and Lehtinen 2018, "Progressive Growing of
// GANs for Improved Quality, Stability, and Variation" (https://arxiv.org/abs/1710.10196), at 32×32 grayscale.
//
// What changes against DCGAN (models/dcgan): both players start at 4×4 and grow, a block of layers at a time, to
// 8×8, 16×16 and 32×32 while training (§2). A new block fades in: G's output is (1 − α)·up(ToRGB_{r/2}(h)) +
// α·ToRGB_r(block_r(up(h))) and D's first features (1 − α)·FromRGB_{r/2}(pool(x)) + α·block_r(FromRGB_r(x)), with
// α rising linearly from 0 to 1 over pggan_fade_steps steps after the stage began, then staying at 1. G normalises
// every pixel's feature vector after each convolution (pixel norm, §4.2) instead of BatchNorm; D's last block adds
// one channel, the standard deviation of its features over the minibatch averaged over features and pixels (§3),
// so that D can see a lack of variation; every layer uses the equalised learning rate (§4.1: weights N(0, 1)
// scaled at run time by He's constant, stylegan.EqConv2D and stylegan.EqDense with LeakyReLU(0.2)·√2). The loss is
// WGAN-GP (gan.Wasserstein, wgangp.Penalty with λ = 10) plus the drift term ε·E[D(x)²], ε = 0.001, with Adam(0.001,
// β 0, 0.99) and one critic step per G step, as in the paper's CIFAR and CelebA runs.
//
// How it is built on ganlib: the stage is the setting pggan_resolution (4, 8, 16, 32), read when the graphs are
// built; growing is gan.Trainer.Set("pggan_resolution", r) between steps (Grow, a gan.Callback, does it on a
// Schedule), which rebuilds the steps with the new block's layers (new variables) and keeps the old ones. G always
// returns size×size images: the stage's image upsampled (nearest) to full size; D always reads full-size images and
// average-pools them to the stage's resolution first, so the real images are shown at the stage's resolution, as in
// the paper. α is computed in the graph from a non-trainable counter of G's steps, generator/pggan_step (a G
// constraint adds 1 after every G update; it is saved in checkpoints), and the setting pggan_stage_start, the
// count when the stage began: α = clamp((pggan_step − pggan_stage_start)/pggan_fade_steps, 0, 1) (no fade at 4×4).
// A non-progressive network of the same final shape, the baseline, is this variant with pggan_resolution 32,
// pggan_fade_steps 0 and pggan_steps_per_stage 0.
//
// Networks at stage r, widths w(r) = clamp(1024/r, MinWidth, MaxWidth) (64, 64, 64, 32 at 4…32):
//
//	G: z [B, 64] → PixelNorm → EqDense(16·w(4)) → [B, 4, 4, w(4)] → LReLU → PN → EqConv3×3 → LReLU → PN   block_4
//	   → for r = 8 … stage: Upsample → 2 × (EqConv3×3(w(r)) → LReLU → PN)                              block_r
//	   → ToRGB_r: EqConv1×1(C), linear; fade: (1 − α)·up(ToRGB_{r/2}) + α·ToRGB_r → tanh → up to size  [B, s, s, C]
//	D: x → AvgPool to r → FromRGB_r: EqConv1×1(w(r)) → LReLU
//	   → for r = stage … 8: EqConv3×3(w(r)) → LReLU → EqConv3×3(w(r/2)) → LReLU → AvgPool 2        block_r
//	     (at the stage's block, fade: (1 − α)·FromRGB_{r/2}(AvgPool 2(x_r)) + α·block_r)
//	   → MinibatchStddev (+1 channel) → EqConv3×3(w(4)) → LReLU → Dense(w(4)) → LReLU → Dense(1)       block_4
//
// Simplifications for the small scale, against the paper: widths 32–64 (512 at these resolutions), latent 64
// (512), nearest-neighbour up- and average down-sampling as in the paper but without its blur-free extra
// conv4×4-valid in D's last block (a 3×3 same conv and a dense layer instead), tanh on G's output (ganlab's range;
// the paper's is linear, and the fade mixes the linear ToRGB outputs before the tanh), the minibatch standard
// deviation over the whole batch (the paper's text; its code uses groups of 4), no EMA of G's weights for the
// samples, and stages measured in steps rather than in images shown (Schedule; the paper: 800k images per fade
// and per stable phase). Two differences need a part ganlib does not have: the real images are not faded between
// the two resolutions during a fade-in (the paper's code lerps them; D cannot tell real inputs from fake, and the
// trainer has no in-graph transform of the real batch), and Adam's state is not reset at a new stage (the paper's
// code resets it): a new layer's moments start at 0 under the player's running bias-correction step, so its first
// updates are up to 1/√(1 − β2) = 10 times the learning rate while the moments fill (β1 = 0, β2 = 0.99).
//
// Settings: pggan_resolution (4), pggan_stage_start (0), pggan_fade_steps (500), pggan_steps_per_stage (1000, read
// by GrowBySettings only), pggan_drift (0.001), gp_lambda (10), Adam (learning_rate 0.001, adam_beta1 0,
// adam_beta2 0.99), critic_steps 1, batch_size 32.
package pggan

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/stylegan"
	"github.com/ganlab/ganlab/ganlib/models/wgangp"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// Arch is the size of the networks.
type Arch struct {
	ZDim int
	// MinWidth and MaxWidth bound the channels at resolution r: clamp(1024/r, MinWidth, MaxWidth).
	MinWidth, MaxWidth int
}

// DefaultArch is the 2-core-CPU scale of New.
var DefaultArch = Arch{ZDim: 64, MinWidth: 32, MaxWidth: 64}

func (a Arch) width(res int) int { return min(max(1024/res, a.MinWidth), a.MaxWidth) }

// Names of the settings and their defaults.
const (
	ParamResolution = "pggan_resolution"  // the stage: the resolution the players work at (4, 8, …, size)
	ParamStageStart = "pggan_stage_start" // the value of the step counter when the stage began
	ParamFadeSteps  = "pggan_fade_steps"  // steps over which α rises from 0 to 1 at the start of a stage (0: no fade)
	ParamDrift      = "pggan_drift"       // ε of the drift term ε·E[D(x)²]
	// ParamStepsPerStage is the schedule of GrowBySettings (the CLI's): steps per stage, the first half fading in;
	// 0 keeps the stage of pggan_resolution (with pggan_fade_steps 0: a non-progressive network, the baseline).
	ParamStepsPerStage = "pggan_steps_per_stage"

	FadeSteps     = 500
	StepsPerStage = 1000
	Drift         = 0.001
	LearningRate  = 0.001
)

// StepVariable is the name of the counter of G's steps in G's scope (generator/pggan_step), a non-trainable
// float32 scalar.
const StepVariable = "pggan_step"

// Start is the first stage's resolution.
const Start = 4

// checkSize panics unless size is 4·2ⁿ, n ≥ 1.
func checkSize(size int) {
	r := size
	for r > Start && r%2 == 0 {
		r /= 2
	}
	if r != Start || size < 2*Start {
		exceptions.Panicf("pggan: image size must be 4·2ⁿ (8, 16, 32, …), got %d", size)
	}
}

// Stages returns the resolutions of the stages up to size: 4, 8, …, size.
func Stages(size int) []int {
	checkSize(size)
	var rs []int
	for r := Start; r <= size; r *= 2 {
		rs = append(rs, r)
	}
	return rs
}

// ---- Layers ----------------------------------------------------------------------------------------------------

// PixelNorm normalises each pixel's feature vector of x [B, H, W, C] (or [B, C]) to unit root mean square:
// x / √(mean_c x² + 1e-8) (§4.2). It is stylegan.PixelNorm, which reduces the last axis.
func PixelNorm(x *Node) *Node { return stylegan.PixelNorm(x) }

// MinibatchStddev appends to x [B, H, W, C] one channel, the same everywhere: the standard deviation of every
// feature at every pixel over the batch, √(mean_b (x − mean_b x)² + 1e-8), averaged over features and pixels (§3).
func MinibatchStddev(x *Node) *Node {
	d := x.Shape().Dimensions
	mean := ReduceAndKeep(x, ReduceMean, 0)
	std := Sqrt(AddScalar(ReduceMean(Square(Sub(x, mean)), 0), 1e-8)) // [H, W, C]
	s := ReduceAllMean(std)
	return Concatenate([]*Node{x, BroadcastToDims(s, d[0], d[1], d[2], 1)}, 3)
}

// Downsample halves x [B, H, W, C] to [B, H/2, W/2, C] by averaging 2×2 blocks.
func Downsample(x *Node) *Node {
	d := x.Shape().Dimensions
	return ReduceMean(Reshape(x, d[0], d[1]/2, 2, d[2]/2, 2, d[3]), 2, 4)
}

// Resize scales x [B, H, H, C] to side to by repeated nearest-neighbour upsampling or 2×2 average pooling.
func Resize(x *Node, to int) *Node {
	for x.Shape().Dimensions[1] < to {
		x = stylegan.Upsample(x)
	}
	for x.Shape().Dimensions[1] > to {
		x = Downsample(x)
	}
	return x
}

// Fade is (1 − α)·old + α·new, α a scalar.
func Fade(old, new, alpha *Node) *Node {
	alpha = ConvertDType(alpha, old.DType())
	return Add(Mul(old, OneMinus(alpha)), Mul(new, alpha))
}

// lrelu is LeakyReLU(0.2) with He's gain √2 (the equalised layers scale by 1/√fan_in).
func lrelu(x *Node) *Node { return MulScalar(nn.LeakyReLU(x, 0.2), math.Sqrt2) }

func probe(scope *model.Scope, x *Node) *Node {
	gan.ProbeLayer(scope, scope.Scope(), x)
	return x
}

// convPN is EqConv3×3 → LReLU → PixelNorm, G's convolution.
func convPN(scope *model.Scope, x *Node, filters int) *Node {
	return probe(scope, PixelNorm(lrelu(stylegan.EqConv2D(scope, x, filters, 3, 1))))
}

func toRGB(scope *model.Scope, h *Node, channels int) *Node {
	return stylegan.EqConv2D(scope, h, channels, 1, 1)
}

// Synthesis is G at stage res with fade α (a scalar; nil: no fade, the stage's block only): z [B, ZDim] → images
// [B, size, size, channels] in [-1, 1]. Its variables are under block_r and to_rgb_r for r = 4 … res, whatever the stage.
func Synthesis(scope *model.Scope, z *Node, res int, alpha *Node, size, channels int, arch Arch) *Node {
	b := z.Shape().Dimensions[0]
	s4 := scope.At("block_4")
	h := stylegan.EqDense(s4.At("dense"), PixelNorm(z), Start*Start*arch.width(Start), 1, 0)
	h = PixelNorm(lrelu(Reshape(h, b, Start, Start, arch.width(Start))))
	h = convPN(s4.At("conv"), h, arch.width(Start))
	var prev *Node
	for r := 2 * Start; r <= res; r *= 2 {
		if r == res {
			prev = h
		}
		sr := scope.At("block_%d", r)
		h = stylegan.Upsample(h)
		h = convPN(sr.At("conv_0"), h, arch.width(r))
		h = convPN(sr.At("conv_1"), h, arch.width(r))
	}
	rgb := toRGB(scope.At("to_rgb_%d", res), h, channels)
	if prev != nil && alpha != nil {
		rgb = Fade(stylegan.Upsample(toRGB(scope.At("to_rgb_%d", res/2), prev, channels)), rgb, alpha)
	}
	return probe(scope.At("to_rgb_%d", res), Resize(Tanh(rgb), size))
}

// Critic is D at stage res with fade α (nil: no fade): images [B, size, size, C] → scores [B, 1].
func Critic(scope *model.Scope, x *Node, res int, alpha *Node, arch Arch) *Node {
	conv := func(s *model.Scope, h *Node, filters, kernel int) *Node {
		return probe(s, lrelu(stylegan.EqConv2D(s, h, filters, kernel, 1)))
	}
	x = Resize(x, res)
	h := conv(scope.At("from_rgb_%d", res), x, arch.width(res), 1)
	for r := res; r > Start; r /= 2 {
		sr := scope.At("block_%d", r)
		h = conv(sr.At("conv_0"), h, arch.width(r), 3)
		h = Downsample(conv(sr.At("conv_1"), h, arch.width(r/2), 3))
		if r == res && alpha != nil {
			old := conv(scope.At("from_rgb_%d", r/2), Downsample(x), arch.width(r/2), 1)
			h = Fade(old, h, alpha)
		}
	}
	s4 := scope.At("block_4")
	h = conv(s4.At("conv"), MinibatchStddev(h), arch.width(Start), 3)
	h = probe(s4.At("dense_0"), lrelu(stylegan.EqDense(s4.At("dense_0"), nn.Flatten(h), arch.width(Start), 1, 0)))
	return stylegan.EqDense(s4.At("dense_1"), h, 1, 1, 0)
}

// stepCounter is G's step counter variable (generator/pggan_step), found from any scope of the store.
func stepCounter(scope *model.Scope) *model.Variable {
	gs := scope.Store().RootScope().At(gan.GeneratorScope)
	return gs.WithInitializer(initializer.Zero).VariableWithShape(StepVariable, shapes.Make(dtypes.Float32)).SetTrainable(false)
}

// Alpha is the fade-in α of the stage in graph g: clamp((pggan_step − pggan_stage_start)/pggan_fade_steps, 0, 1);
// nil (no fade: the stage's new block only) at the first stage, when pggan_fade_steps is 0, and when the stage is
// not set (the summary).
func Alpha(scope *model.Scope, g *Graph) *Node {
	fadeSteps := model.GetParamOr(scope, ParamFadeSteps, FadeSteps)
	if resolution(scope, 0) <= Start || fadeSteps <= 0 {
		return nil
	}
	start := float64(model.GetParamOr(scope, ParamStageStart, 0))
	fade := float64(fadeSteps)
	t := MulScalar(AddScalar(stepCounter(scope).NodeValue(g), -start), 1/fade)
	return ClipScalar(t, 0, 1)
}

// resolution is the stage setting; def when it is not set (the summary builds the full-size networks).
func resolution(scope *model.Scope, def int) int {
	return model.GetParamOr(scope, ParamResolution, def)
}

// Generator is G(z) at the stage of the setting pggan_resolution (size when it is not set).
func Generator(size, channels int, arch Arch) gan.Generator {
	checkSize(size)
	return func(scope *model.Scope, z *Node, _ gan.Cond) *Node {
		res := resolution(scope, size)
		return Synthesis(scope, z, res, Alpha(scope, z.Graph()), size, channels, arch)
	}
}

// Discriminator is D(x) at the stage of the setting pggan_resolution (size when it is not set).
func Discriminator(size int, arch Arch) gan.Discriminator {
	checkSize(size)
	return func(scope *model.Scope, x *Node, _ gan.Cond) (*Node, gan.Cond) {
		res := resolution(scope, size)
		return Critic(scope, x, res, Alpha(scope, x.Graph()), arch), nil
	}
}

// CountSteps is the G constraint that adds 1 to generator/pggan_step after every G update.
func CountSteps(scope *model.Scope, g *Graph) {
	v := stepCounter(scope)
	v.SetNodeValue(AddScalar(v.NodeValue(g), 1))
}

// DriftTerm is D's extra loss ε·E[D(x)²] on the real scores (§A.1; ε the setting pggan_drift), which keeps the
// critic's output near 0; it records E[D(x)²] as "drift".
var DriftTerm = gan.Term{Name: "drift", Loss: func(p *gan.Pass) (*Node, *Node) {
	if p.RealLogits == nil {
		return nil, nil
	}
	eps := model.GetParamOr(p.Scope, ParamDrift, Drift)
	sq := ReduceAllMean(Square(p.RealLogits))
	return MulScalar(sq, eps), sq
}}

// ---- Host side: the schedule ---------------------------------------------------------------------------------------

// Schedule grows the networks every StepsPerStage steps, fading each new block in over FadeSteps steps (0:
// StepsPerStage/2, the paper's equal fade and stable phases).
type Schedule struct{ StepsPerStage, FadeSteps int }

// Stage returns the resolution of the stage at step (4, 8, …, size).
func (s Schedule) Stage(step, size int) int {
	r := Start
	for k := step / max(s.StepsPerStage, 1); k > 0 && r < size; k-- {
		r *= 2
	}
	return r
}

// Grow returns a gan.Callback that, after each step, sets the stage the Schedule gives for the next step: when it
// differs from the current one it sets pggan_resolution, pggan_stage_start (the step) and pggan_fade_steps (the
// trainer then rebuilds its steps with the new block).
func Grow(s Schedule) gan.Callback {
	return func(tr *gan.Trainer, _ gan.Record) error { return s.Apply(tr) }
}

// GrowBySettings is Grow with the Schedule of the setting pggan_steps_per_stage (fading over its first half):
// ganlab train -model pggan runs it, so that -set pggan_steps_per_stage=N sets the schedule and a resumed run
// keeps its own.
func GrowBySettings() gan.Callback {
	return func(tr *gan.Trainer, _ gan.Record) error {
		n, _ := tr.Setting(ParamStepsPerStage).(int)
		if n <= 0 {
			return nil
		}
		return Schedule{StepsPerStage: n}.Apply(tr)
	}
}

// Apply sets the stage of tr's current step (see Grow); call it before training starts, and after a resume.
func (s Schedule) Apply(tr *gan.Trainer) error {
	r := s.Stage(tr.Step(), tr.Variant.Height)
	if cur, _ := tr.Setting(ParamResolution).(int); cur == r {
		return nil
	}
	fade := s.FadeSteps
	if fade <= 0 {
		fade = max(s.StepsPerStage/2, 1)
	}
	for k, v := range map[string]any{ParamStageStart: tr.Step() - tr.Step()%max(s.StepsPerStage, 1), ParamFadeSteps: fade, ParamResolution: r} {
		if err := tr.Set(k, v); err != nil {
			return fmt.Errorf("pggan: growing to %d: %w", r, err)
		}
	}
	return nil
}

// State returns the stage and the fade-in α of tr's next step (and of its samples), from its settings and its step
// counter. Right after a Load the counter is still waiting for a graph to create it: State then builds G's sampler
// by generating one image.
func State(tr *gan.Trainer) (res int, alpha float64, err error) {
	res, _ = tr.Setting(ParamResolution).(int)
	fade, _ := tr.Setting(ParamFadeSteps).(int)
	if res <= Start || fade <= 0 {
		return res, 1, nil
	}
	key := model.ScopeSeparator + gan.GeneratorScope + model.ScopeSeparator + StepVariable
	v, ok := tr.VariableValues(gan.GeneratorScope)[key]
	if !ok {
		if _, err := tr.Generate(make([]float32, tr.Variant.LatentDim)); err != nil {
			return res, 0, err
		}
		v = tr.VariableValues(gan.GeneratorScope)[key]
	}
	step := 0.0
	if len(v) == 1 {
		step = float64(v[0])
	}
	start, _ := tr.Setting(ParamStageStart).(int)
	return res, min(max((step-float64(start))/float64(fade), 0), 1), nil
}

// ---- The variant ---------------------------------------------------------------------------------------------------

// New returns PGGAN (named "pggan") for size×size×channels images (size 4·2ⁿ: 32 grows 4→8→16→32) at DefaultArch.
func New(size, channels int) gan.Variant { return NewArch(size, channels, DefaultArch) }

// NewArch is New with the networks' sizes given.
func NewArch(size, channels int, arch Arch) gan.Variant {
	if channels <= 0 {
		exceptions.Panicf("pggan.New: channels must be positive, got %d", channels)
	}
	return gan.Variant{
		Name:          "pggan",
		Height:        size,
		Width:         size,
		Channels:      channels,
		Prior:         gan.Prior{LatentDim: arch.ZDim, Noise: gan.Normal},
		Generator:     Generator(size, channels, arch),
		Discriminator: Discriminator(size, arch),
		Loss:          gan.Wasserstein(),
		DTerms:        []gan.Term{wgangp.Penalty, DriftTerm},
		GConstraints:  []gan.Constraint{CountSteps},
		Settings: gan.Settings{
			gan.SettingBatchSize:   32,
			gan.SettingCriticSteps: 1,
			"learning_rate":        LearningRate,
			"adam_beta1":           0.0,
			"adam_beta2":           0.99,
			wgangp.ParamLambda:     float64(wgangp.Lambda),
			ParamResolution:        Start,
			ParamStageStart:        0,
			ParamFadeSteps:         FadeSteps,
			ParamDrift:             Drift,
			ParamStepsPerStage:     StepsPerStage,
		},
	}
}
