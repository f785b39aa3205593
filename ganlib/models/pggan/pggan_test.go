package pggan

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn/nntest"

	. "github.com/gomlx/gomlx/core/graph"
)

// tinyArch keeps the tests fast: 8 channels at every resolution, latent 8.
var tinyArch = Arch{ZDim: 8, MinWidth: 8, MaxWidth: 8}

// TestPixelNormAndStddev checks both layers on hand-computed values. PixelNorm of the pixel (3, 4): rms √12.5, so
// (3, 4)/√12.5. MinibatchStddev of two images of one pixel with features (1, 0) and (3, 4): per-feature standard
// deviations over the batch 1 and 2, their mean 1.5, appended as a third channel to both images.
func TestPixelNormAndStddev(t *testing.T) {
	b := backendtest.Go(t)
	pn := nntest.Flat64(MustExecOnce(b, PixelNorm, tensors.FromFlatDataAndDimensions([]float64{3, 4}, 1, 1, 1, 2)))
	r := math.Sqrt(12.5)
	if math.Abs(pn[0]-3/r) > 1e-7 || math.Abs(pn[1]-4/r) > 1e-7 {
		t.Errorf("PixelNorm(3, 4) = %v, want (%g, %g)", pn, 3/r, 4/r)
	}
	ms := nntest.Flat64(MustExecOnce(b, MinibatchStddev, tensors.FromFlatDataAndDimensions([]float64{1, 0, 3, 4}, 2, 1, 1, 2)))
	want := []float64{1, 0, 1.5, 3, 4, 1.5}
	for i := range want {
		if math.Abs(ms[i]-want[i]) > 1e-7 {
			t.Fatalf("MinibatchStddev = %v, want %v", ms, want)
		}
	}
	ds := nntest.Flat64(MustExecOnce(b, Downsample, tensors.FromFlatDataAndDimensions([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 4, 4, 1)))
	for i, w := range []float64{3.5, 5.5, 11.5, 13.5} {
		if ds[i] != w {
			t.Fatalf("Downsample = %v, want [3.5 5.5 11.5 13.5]", ds)
		}
	}
}

// projected is the scalar Σ y·sin(1.37·i + 0.5), which weighs every output element differently.
func projected(y *Node) *Node {
	r := IotaFull(y.Graph(), shapes.Make(y.DType(), y.Shape().Dimensions...))
	return ReduceAllSum(Mul(y, Sin(AddScalar(MulScalar(r, 1.37), 0.5))))
}

// TestGradients: the new layers (pixel norm, minibatch stddev, average pooling) and both networks mid-fade
// (α = 0.3, so that both paths carry gradient) against finite differences.
func TestGradients(t *testing.T) {
	img := func() *tensors.Tensor { return nntest.RandTensor(rand.New(rand.NewPCG(1, 2)), 3, 4, 4, 3) }
	alpha := func(g *Graph) *Node { return Scalar(g, dtypes.Float64, 0.3) }
	layers := []struct {
		name string
		loss func(scope *model.Scope, x *Node) *Node
	}{
		{"PixelNorm", func(_ *model.Scope, x *Node) *Node { return projected(PixelNorm(x)) }},
		{"MinibatchStddev", func(_ *model.Scope, x *Node) *Node { return projected(MinibatchStddev(x)) }},
		{"Downsample", func(_ *model.Scope, x *Node) *Node { return projected(Downsample(x)) }},
	}
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		for _, c := range layers {
			t.Run(c.name, func(t *testing.T) { nntest.GradCheck(t, b, c.loss, img()) })
		}
	})
	b := backendtest.Go(t)
	t.Run("G at 8×8, α = 0.3", func(t *testing.T) {
		nntest.GradCheck(t, b, func(scope *model.Scope, z *Node) *Node {
			return projected(Synthesis(scope, z, 8, alpha(z.Graph()), 8, 1, Arch{ZDim: 4, MinWidth: 6, MaxWidth: 6}))
		}, nntest.RandTensor(rand.New(rand.NewPCG(2, 2)), 2, 4))
	})
	t.Run("D at 8×8, α = 0.3", func(t *testing.T) {
		nntest.GradCheck(t, b, func(scope *model.Scope, x *Node) *Node {
			return projected(Critic(scope, x, 8, alpha(x.Graph()), Arch{MinWidth: 3, MaxWidth: 3}))
		}, nntest.RandTensor(rand.New(rand.NewPCG(2, 3)), 3, 8, 8, 1))
	})
}

// TestFadeIn: with the same weights, G at stage 8 with α = 0 gives exactly G at stage 4 (its image upsampled), at
// α = 1 it does not depend on the old ToRGB, and at α = ½ its pre-tanh output is the mean of the two; D at stage 8
// with α = 0 gives exactly D at stage 4.
func TestFadeIn(t *testing.T) {
	b := backendtest.Go(t)
	scope := model.NewStore().RootScope()
	scope.SetParam(model.ParamInitialSeed, int64(9))
	z := nntest.RandTensor(rand.New(rand.NewPCG(5, 1)), 3, tinyArch.ZDim)
	x := nntest.RandTensor(rand.New(rand.NewPCG(5, 2)), 3, 8, 8, 1)
	run := func(res int, alpha float64) (img, logits []float64) {
		out := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, z, x *Node) []*Node {
			a := Scalar(z.Graph(), dtypes.Float64, alpha)
			return []*Node{
				Synthesis(scope.At("g"), z, res, a, 8, 1, tinyArch),
				Critic(scope.At("d"), x, res, a, tinyArch),
			}
		}).MustCall(z, x)
		return nntest.Flat64(out[0]), nntest.Flat64(out[1])
	}
	g4, d4 := run(4, 1)
	g0, d0 := run(8, 0)
	if d := maxDiff64(g4, g0); d != 0 {
		t.Errorf("G at 8 with α = 0 differs from G at 4 upsampled by %g", d)
	}
	if d := maxDiff64(d4, d0); d > 1e-12 {
		t.Errorf("D at 8 with α = 0 differs from D at 4 by %g", d)
	}
	g1, _ := run(8, 1)
	gh, _ := run(8, 0.5)
	if maxDiff64(g0, g1) < 1e-3 {
		t.Fatalf("α = 0 and α = 1 give the same images: the new block does nothing")
	}
	for i := range gh {
		if want := 0.5 * (math.Atanh(g0[i]) + math.Atanh(g1[i])); math.Abs(math.Atanh(gh[i])-want) > 1e-9 {
			t.Fatalf("pixel %d at α = ½: atanh %g, want the mean %g", i, math.Atanh(gh[i]), want)
		}
	}
	// Changing the old ToRGB's weights leaves α = 1 unchanged and changes α = 0.
	for v := range scope.IterVariables() {
		if strings.HasSuffix(v.Path(), "/g/to_rgb_4/weights") {
			w := nntest.Flat64(v.MustValue())
			for i := range w {
				w[i] += 1
			}
			v.MustSetValue(tensors.FromFlatDataAndDimensions(w, v.Shape().Dimensions...))
		}
	}
	if g, _ := run(8, 1); maxDiff64(g, g1) != 0 {
		t.Errorf("at α = 1 the old ToRGB still changes G's images")
	}
	if g, _ := run(8, 0); maxDiff64(g, g0) == 0 {
		t.Errorf("at α = 0 the old ToRGB does not change G's images")
	}
}

func maxDiff64(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// newTrainer returns a trainer of PGGAN at 8×8 (tinyArch) on 32 random images.
func newTrainer(t *testing.T, b compute.Backend) *gan.Trainer {
	t.Helper()
	tr, err := gan.New(b, NewArch(8, 1, tinyArch), gan.Config{Seed: 11, Settings: gan.Settings{gan.SettingBatchSize: 8}, FixedSamples: 4})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	px := make([]float32, 32*8*8)
	for i := range px {
		px[i] = float32(rng.Float64())
	}
	if err := tr.SetData(px, 32, 8, 8, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	return tr
}

func finite(t *testing.T) gan.Callback {
	return func(_ *gan.Trainer, rec gan.Record) error {
		for name, v := range map[string]float64{"d_loss": rec.DLoss, "g_loss": rec.GLoss, "grad_norm": rec.Terms["grad_norm"], "drift": rec.Terms["drift"]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("step %d: %s = %g", rec.Step, name, v)
			}
		}
		return nil
	}
}

// TestGrowKeepsVariables: growing from 4 to 8 with Trainer.Set keeps the old layers' variables and their values,
// and the next step creates the new block's; the step counter counts G's steps.
func TestGrowKeepsVariables(t *testing.T) {
	tr := newTrainer(t, backendtest.Go(t))
	if err := tr.Train(2, finite(t)); err != nil {
		t.Fatal(err)
	}
	before := map[string][]float32{}
	for _, s := range []string{gan.GeneratorScope, gan.DiscriminatorScope} {
		for k, v := range tr.VariableValues(s) {
			before[k] = v
			if strings.Contains(k, "_8/") {
				t.Errorf("stage 4 has a variable of stage 8: %s", k)
			}
		}
	}
	if err := (Schedule{StepsPerStage: 2, FadeSteps: 4}).Apply(tr); err != nil {
		t.Fatal(err)
	}
	if r, a, err := State(tr); err != nil {
		t.Fatal(err)
	} else if r != 8 || a != 0 {
		t.Errorf("after growing at step 2: stage %d, α %g; want 8, 0", r, a)
	}
	if err := tr.Train(3, finite(t)); err != nil { // Train runs up to a total step count
		t.Fatal(err)
	}
	after := map[string][]float32{}
	for _, s := range []string{gan.GeneratorScope, gan.DiscriminatorScope} {
		for k, v := range tr.VariableValues(s) {
			after[k] = v
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("variable %s lost when growing", k)
		}
	}
	for _, k := range []string{"/generator/block_8/conv_0/weights", "/generator/to_rgb_8/weights", "/discriminator/from_rgb_8/weights", "/discriminator/block_8/conv_1/weights"} {
		if _, ok := after[k]; !ok {
			t.Errorf("no new variable %s after growing", k)
		}
	}
	if c := after["/generator/"+StepVariable]; len(c) != 1 || c[0] != 3 {
		t.Errorf("step counter %v after 3 steps", c)
	}
	if r, a, err := State(tr); err != nil {
		t.Fatal(err)
	} else if r != 8 || a != 0.25 {
		t.Errorf("one step into stage 8 (fade 4): stage %d, α %g; want 8, 0.25", r, a)
	}
}

// TestTrainSmoke: Grow takes a few steps at 4 to 8, mid-fade, with finite losses, on both backends.
func TestTrainSmoke(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		tr := newTrainer(t, b)
		s := Schedule{StepsPerStage: 3, FadeSteps: 4}
		if err := tr.Train(5, Grow(s), finite(t)); err != nil {
			t.Fatal(err)
		}
		if r, a, err := State(tr); err != nil {
			t.Fatal(err)
		} else if r != 8 || a != 0.5 {
			t.Errorf("after 5 steps: stage %d, α %g; want 8, 0.5", r, a)
		}
	})
}

// TestCheckpoint: a checkpoint at stage 8 mid-fade, loaded into a fresh trainer, gives its stage, α and samples.
func TestCheckpoint(t *testing.T) {
	b := backendtest.Go(t)
	tr := newTrainer(t, b)
	if err := tr.Train(5, Grow(Schedule{StepsPerStage: 3, FadeSteps: 4})); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := tr.Save(dir, 1, nil); err != nil {
		t.Fatal(err)
	}
	fresh, err := gan.New(b, NewArch(8, 1, tinyArch), gan.Config{Seed: 11, Settings: gan.Settings{gan.SettingBatchSize: 8}, FixedSamples: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Load(dir); err != nil {
		t.Fatal(err)
	}
	if r, a, err := State(fresh); err != nil {
		t.Fatal(err)
	} else if r != 8 || a != 0.5 {
		t.Errorf("after Load: stage %d, α %g; want 8, 0.5", r, a)
	}
	a, err := tr.Samples()
	if err != nil {
		t.Fatal(err)
	}
	c, err := fresh.Samples()
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(a, c); d != 0 {
		t.Errorf("after Load, samples differ by %g", d)
	}
}

// TestGrowBySettings: the CLI's callback grows on the schedule of the setting pggan_steps_per_stage.
func TestGrowBySettings(t *testing.T) {
	tr := newTrainer(t, backendtest.Go(t))
	if err := tr.Set(ParamStepsPerStage, 2); err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(3, GrowBySettings()); err != nil {
		t.Fatal(err)
	}
	if r, a, err := State(tr); err != nil {
		t.Fatal(err)
	} else if r != 8 || a != 1 {
		t.Errorf("after 3 steps of 2 per stage (fade 1): stage %d, α %g; want 8, 1", r, a)
	}
	if s, _ := tr.Setting(ParamStageStart).(int); s != 2 {
		t.Errorf("stage 8 started at %d, want 2", s)
	}
}

// TestFixedStage: with pggan_steps_per_stage 0 and pggan_fade_steps 0 the network stays at the stage it is given,
// without a fade (the non-progressive baseline) and without the previous stage's ToRGB and FromRGB.
func TestFixedStage(t *testing.T) {
	tr := newTrainer(t, backendtest.Go(t))
	for k, v := range map[string]any{ParamStepsPerStage: 0, ParamFadeSteps: 0, ParamResolution: 8} {
		if err := tr.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Train(2, GrowBySettings(), finite(t)); err != nil {
		t.Fatal(err)
	}
	if r, a, err := State(tr); err != nil {
		t.Fatal(err)
	} else if r != 8 || a != 1 {
		t.Errorf("fixed stage: %d, α %g; want 8, 1", r, a)
	}
	for _, s := range []string{gan.GeneratorScope, gan.DiscriminatorScope} {
		for k := range tr.VariableValues(s) {
			if strings.Contains(k, "rgb_4/") {
				t.Errorf("a fixed stage 8 has the variable %s of stage 4's fade", k)
			}
		}
	}
}
