package stylegan

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn/nntest"

	. "github.com/gomlx/gomlx/core/graph"
)

// tinyArch keeps the trainer tests fast: 8×8 images, 8 channels, L = 4 styles.
var tinyArch = Arch{ZDim: 8, WDim: 8, MapLayers: 2, MinWidth: 8, MaxWidth: 8}

// TestDemodulationUnitNorm: a demodulated kernel has unit norm per output channel, Σ_{i,k} W”_ijk² = 1. The layer
// is linear in x, so its response to an impulse in input channel i is W”[:, :, i, j] (flipped): the sum over the
// impulses of all input channels of the squared responses is that norm. Without demodulation it is not 1.
func TestDemodulationUnitNorm(t *testing.T) {
	const cin, cout, side = 5, 3, 5
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		for _, demod := range []bool{true, false} {
			scope := model.NewStore().RootScope()
			scope.SetParam(model.ParamInitialSeed, int64(3))
			x := make([]float64, cin*side*side*cin)
			for i := range cin {
				x[((i*side+side/2)*side+side/2)*cin+i] = 1 // image i: an impulse in channel i at the centre
			}
			style := []float64{0.3, 1.7, -0.8, 2.5, 1.1}
			s := make([]float64, 0, cin*cin)
			for range cin {
				s = append(s, style...)
			}
			out := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, x, s *Node) *Node {
				y := ModConv2D(scope, x, s, cout, 3, demod)
				return ReduceSum(Square(y), 0, 1, 2) // [cout]
			}).MustCall(tensors.FromFlatDataAndDimensions(x, cin, side, side, cin), tensors.FromFlatDataAndDimensions(s, cin, cin))[0]
			for j, n := range nntest.Flat64(out) {
				if unit := math.Abs(n-1) < 1e-6; unit != demod {
					t.Errorf("demod %v: output channel %d has squared kernel norm %g", demod, j, n)
				}
			}
		}
	})
}

// projected is the scalar Σ y·sin(1.37·i + 0.5), which weighs every output element differently.
func projected(y *Node) *Node {
	r := IotaFull(y.Graph(), shapes.Make(y.DType(), y.Shape().Dimensions...))
	return ReduceAllSum(Mul(y, Sin(AddScalar(MulScalar(r, 1.37), 0.5))))
}

// styleOf is a style [B, C] that depends on x [B, H, W, C], so that the gradient through the style is checked too.
func styleOf(x *Node) *Node { return AddScalar(MulScalar(ReduceMean(x, 1, 2), 0.5), 1) }

func TestGradients(t *testing.T) {
	img := func() *tensors.Tensor { return nntest.RandTensor(rand.New(rand.NewPCG(1, 2)), 2, 4, 4, 3) }
	vec := func() *tensors.Tensor { return nntest.RandTensor(rand.New(rand.NewPCG(1, 3)), 3, 6) }
	cases := []struct {
		name string
		x    func() *tensors.Tensor
		loss func(scope *model.Scope, x *Node) *Node
	}{
		{"ModConv2D demodulated", img, func(scope *model.Scope, x *Node) *Node {
			return projected(ModConv2D(scope, x, styleOf(x), 4, 3, true))
		}},
		{"ModConv2D 1×1 (ToRGB)", img, func(scope *model.Scope, x *Node) *Node {
			return projected(ModConv2D(scope, x, styleOf(x), 2, 1, false))
		}},
		{"EqConv2D stride 2", img, func(scope *model.Scope, x *Node) *Node { return projected(EqConv2D(scope, x, 4, 3, 2)) }},
		{"EqDense lr×0.01", vec, func(scope *model.Scope, x *Node) *Node { return projected(EqDense(scope, x, 5, 0.01, 0.3)) }},
		{"Mapping", vec, func(scope *model.Scope, x *Node) *Node {
			return projected(Mapping(scope, x, Arch{WDim: 4, MapLayers: 2}))
		}},
		{"Upsample", img, func(scope *model.Scope, x *Node) *Node { return projected(Upsample(x)) }},
		{"StyledConv (fixed noise)", img, func(scope *model.Scope, x *Node) *Node {
			w := ReduceMean(x, 1, 2) // [B, 3] as w
			g := Ones(x.Graph(), shapes.Make(x.DType(), 2, 1))
			return projected(StyledConv(scope, x, w, g, 4))
		}},
	}
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { nntest.GradCheck(t, b, c.loss, c.x()) })
		}
	})
}

// TestPixelNormAndMapping: PixelNorm makes every row's root mean square 1; the mapping network maps z [B, ZDim]
// to w [B, WDim] and, because of the pixel norm, ignores the scale of z.
func TestPixelNormAndMapping(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	z := nntest.RandTensor(rng, 4, 6)
	b := backendtest.Go(t)
	scope := model.NewStore().RootScope()
	scope.SetParam(model.ParamInitialSeed, int64(5))
	out := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, z *Node) []*Node {
		arch := Arch{WDim: 5, MapLayers: 3}
		w := Mapping(scope.At("mapping"), z, arch)
		w3 := Mapping(scope.At("mapping"), MulScalar(z, 3), arch)
		return []*Node{Sqrt(ReduceMean(Square(PixelNorm(z)), -1)), w, ReduceAllMax(Abs(Sub(w, w3)))}
	}).MustCall(z)
	for i, r := range nntest.Flat64(out[0]) {
		if math.Abs(r-1) > 1e-6 {
			t.Errorf("row %d: rms after PixelNorm %g, want 1", i, r)
		}
	}
	if d := out[1].Shape().Dimensions; len(d) != 2 || d[0] != 4 || d[1] != 5 {
		t.Errorf("w is %v, want [4 5]", d)
	}
	if d := nntest.Flat64(out[2])[0]; d > 1e-6 {
		t.Errorf("f(3z) differs from f(z) by %g", d)
	}
}

// TestTruncateAndMix: ψ = 1 leaves w exactly, ψ = 0 gives w̄ exactly, ψ = 0.5 the midpoint; MixStyles takes layer
// i from w1 before the crossover and from w2 from it on, per image.
func TestTruncateAndMix(t *testing.T) {
	b := backendtest.Go(t)
	w := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	avg := tensors.FromFlatDataAndDimensions([]float32{10, -10}, 2)
	psi := tensors.FromFlatDataAndDimensions([]float32{1, 0, 0.5}, 3, 1)
	got := tensors.MustCopyFlatData[float32](MustExecOnce(b, Truncate, w, psi, avg))
	want := []float32{1, 2, 10, -10, 7.5, -2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Truncate = %v, want %v", got, want)
		}
	}
	w2 := tensors.FromFlatDataAndDimensions([]float32{-1, -2, -3, -4, -5, -6}, 3, 2)
	cross := tensors.FromFlatDataAndDimensions([]float32{0, 2, 4}, 3, 1)
	out := MustExecOnceN(b, func(w1, w2, c *Node) []*Node { return MixStyles(w1, w2, c, 4) }, w, w2, cross)
	for i, o := range out {
		v := tensors.MustCopyFlatData[float32](o)
		for img, k := range []int{0, 2, 4} {
			src := float32(1)
			if i >= k {
				src = -1
			}
			if v[2*img] != src*float32(2*img+1) || v[2*img+1] != src*float32(2*img+2) {
				t.Errorf("layer %d, image %d (crossover %d): %v", i, img, k, v[2*img:2*img+2])
			}
		}
	}
}

// TestR1Value: for D(x) = Σ x² per image, ∇ₓD = 2x, so R1 = γ/2 · mean_b 4Σx_b² and it records mean_b 4Σx_b².
func TestR1Value(t *testing.T) {
	b := backendtest.Go(t)
	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 0, -1, 3, 0.5, -2, 1}, 2, 2, 2, 1)
	scope := model.NewStore().RootScope()
	scope.SetParam(ParamR1Gamma, 3.0)
	out := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, x *Node) []*Node {
		p := &gan.Pass{Scope: scope, Real: x, RealLogits: ReduceSum(Square(x), 1, 2, 3)}
		add, rec := R1.Loss(p)
		return []*Node{add, rec}
	}).MustCall(x)
	// Σx² = 6 and 14.25: mean of 4Σx² = 40.5; penalty 3/2 · 40.5.
	if got := tensors.MustCopyFlatData[float32](out[1])[0]; math.Abs(float64(got)-40.5) > 1e-4 {
		t.Errorf("recorded r1 %g, want 40.5", got)
	}
	if got := tensors.MustCopyFlatData[float32](out[0])[0]; math.Abs(float64(got)-60.75) > 1e-4 {
		t.Errorf("R1 penalty %g, want 60.75", got)
	}
}

// newTrainer returns a trainer of StyleGAN at 8×8 (tinyArch) on 32 random images, after steps training steps.
func newTrainer(t *testing.T, b compute.Backend, steps int, settings gan.Settings) *gan.Trainer {
	t.Helper()
	s := gan.Settings{gan.SettingBatchSize: 8}
	for k, v := range settings {
		s[k] = v
	}
	tr, err := gan.New(b, NewArch(8, 1, tinyArch), gan.Config{Seed: 11, Settings: s, FixedSamples: 4})
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
	for range steps {
		rec, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]float64{"d_loss": rec.DLoss, "g_loss": rec.GLoss, "r1": rec.Terms["r1"]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("step %d: %s = %g", rec.Step, name, v)
			}
		}
		if _, ok := rec.Terms["r1"]; !ok {
			t.Fatalf("step %d records no r1: %v", rec.Step, rec.Terms)
		}
	}
	return tr
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestTrainSmoke: two steps on both backends give finite losses and an R1 value, and move w̄ away from 0.
func TestTrainSmoke(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		tr := newTrainer(t, b, 2, nil)
		avg := tr.VariableValues(gan.GeneratorScope)["/generator/w_avg"]
		if len(avg) != tinyArch.WDim || maxDiff(avg, make([]float32, len(avg))) == 0 {
			t.Errorf("w_avg after 2 steps: %v", avg)
		}
	})
}

// TestPathLengthSmoke: with pl_weight > 0 G's step adds the path-length term (a gradient inside G's loss) and
// records a finite, positive mean length.
func TestPathLengthSmoke(t *testing.T) {
	tr := newTrainer(t, backendtest.Go(t), 2, gan.Settings{ParamPLWeight: 2.0})
	if v := tr.History[1].Terms["path_length"]; !(v > 0) || math.IsInf(v, 0) {
		t.Errorf("path_length = %g", v)
	}
}

// TestMixingAndTruncation, at inference (fixed noise maps): crossover 0 gives the column source's image, crossover
// L the row source's, one in between neither; ψ = 0 gives one image for every z (all w = w̄), ψ = 1 the plain
// samples; the noise gain changes the image, and generation is deterministic.
func TestMixingAndTruncation(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		tr := newTrainer(t, b, 2, nil)
		s, _ := StylesOf(tr.Variant)
		L := s.Layers
		const rows, cols = 2, 3
		for _, c := range []struct {
			crossover int
			want      string
		}{{0, "col"}, {L, "row"}, {2, "neither"}} {
			m, err := MixingGrid(tr, rows, cols, c.crossover, 1, 9)
			if err != nil {
				t.Fatal(err)
			}
			size := 8 * 8
			if len(m.Mixed) != rows*cols*size || len(m.Grid()) != (rows+1)*(cols+1)*size {
				t.Fatalf("grid sizes %d and %d", len(m.Mixed), len(m.Grid()))
			}
			for r := range rows {
				for col := range cols {
					img := m.Mixed[(r*cols+col)*size : (r*cols+col+1)*size]
					dRow := maxDiff(img, m.RowSources[r*size:(r+1)*size])
					dCol := maxDiff(img, m.ColSources[col*size:(col+1)*size])
					ok := map[string]bool{"col": dCol < 1e-5, "row": dRow < 1e-5, "neither": dRow > 1e-4 && dCol > 1e-4}[c.want]
					if !ok {
						t.Errorf("crossover %d, image (%d, %d): differs from its row source by %g, from its column source by %g; want %s",
							c.crossover, r, col, dRow, dCol, c.want)
					}
				}
			}
		}
		zero, err := Truncated(tr, 3, 0, 5)
		if err != nil {
			t.Fatal(err)
		}
		if d := max(maxDiff(zero[:64], zero[64:128]), maxDiff(zero[:64], zero[128:])); d > 1e-6 {
			t.Errorf("ψ = 0: images differ by %g", d)
		}
		one, _ := Truncated(tr, 3, 1, 5)
		again, _ := Truncated(tr, 3, 1, 5)
		if d := maxDiff(one, again); d != 0 {
			t.Errorf("inference is not deterministic: %g", d)
		}
		if d := maxDiff(one[:64], one[64:128]); d < 1e-4 {
			t.Errorf("ψ = 1: different z give the same image (%g)", d)
		}
		z := latents(rand.New(rand.NewPCG(5, 0x7256)), 3, s.ZDim)
		plain, err := tr.Generate(z)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(plain, one); d != 0 {
			t.Errorf("ψ = 1 differs from the plain samples by %g", d)
		}
		quiet, err := tr.GenerateWith(z, s.Of(make([]float32, 3*s.ZDim), L, 1, 0))
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(plain, quiet); d == 0 {
			t.Errorf("noise gain 0 changes nothing")
		}
	})
}

// TestCheckpoint: Save, then Load into a fresh trainer, gives the same samples, truncated samples and mixing grid.
func TestCheckpoint(t *testing.T) {
	b := backendtest.Go(t)
	tr := newTrainer(t, b, 2, nil)
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
	for _, f := range []func(*gan.Trainer) ([]float32, error){
		(*gan.Trainer).Samples,
		func(tr *gan.Trainer) ([]float32, error) { return Truncated(tr, 4, 0.7, 3) },
		func(tr *gan.Trainer) ([]float32, error) {
			m, err := MixingGrid(tr, 2, 2, 2, 1, 3)
			return m.Grid(), err
		},
	} {
		a, err := f(tr)
		if err != nil {
			t.Fatal(err)
		}
		c, err := f(fresh)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(a, c); d != 0 {
			t.Errorf("after Load, images differ by %g", d)
		}
	}
}

// TestEqualisedInit: with the equalised learning rate every stored weight is N(0, 1) — N(0, 1/0.01²) in the
// mapping network — including the kernels nn.Conv2D reads (a variable takes the initializer of its last request,
// so nn's own initializer must agree); G's images at initialisation then span most of [-1, 1] and D's logits
// are of order 1, not ~0.
func TestEqualisedInit(t *testing.T) {
	b := backendtest.Go(t)
	tr, err := gan.New(b, New(32, 1), gan.Config{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	x, err := tr.RandomSamples(4, 1)
	if err != nil {
		t.Fatal(err)
	}
	logits, _, err := tr.Judge(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if maxDiff(logits, make([]float32, len(logits))) < 0.01 {
		t.Errorf("D's logits at initialisation %v: all near 0", logits)
	}
	if lo, hi := slices.Min(x), slices.Max(x); lo > -0.5 || hi < 0.5 {
		t.Errorf("G's images at initialisation span only [%g, %g]", lo, hi)
	}
	for _, player := range []string{gan.GeneratorScope, gan.DiscriminatorScope} {
		for path, v := range tr.VariableValues(player) {
			if !strings.HasSuffix(path, "/weights") || len(v) < 500 {
				continue
			}
			want := 1.0
			if strings.Contains(path, "/mapping/") {
				want = 1 / (MappingLRMul * MappingLRMul)
			}
			ms := 0.0
			for _, e := range v {
				ms += float64(e) * float64(e)
			}
			if ms /= float64(len(v)); math.Abs(ms/want-1) > 0.15 {
				t.Errorf("%s: mean square %g, want %g", path, ms, want)
			}
		}
	}
}

// TestTrainingMixes: in a training graph (noise gain 0, so only the styles differ), with mixing_prob 0 the second
// latent is unused, and with mixing_prob 1 every image takes some of its styles (at least ToRGB's) from it.
func TestTrainingMixes(t *testing.T) {
	b := backendtest.Go(t)
	const n = 6
	rng := rand.New(rand.NewPCG(2, 2))
	z, z2 := latents(rng, n, tinyArch.ZDim), latents(rng, n, tinyArch.ZDim)
	s := Styles{ZDim: tinyArch.ZDim, Layers: Layers(8)}
	for _, p := range []float64{0, 1} {
		store := model.NewStore()
		store.SetParam("/"+ParamMixingProb, p)
		store.SetParam("/"+model.ParamInitialSeed, int64(1))
		gen := Generator(8, 1, tinyArch)
		exec := model.MustNewExec(b, store, func(scope *model.Scope, in []*Node) []*Node {
			scope.Store().SetTraining(in[0].Graph(), true)
			c := func(z2 *Node) gan.Cond { return gan.Cond{Z2: z2, Crossover: in[3], Psi: in[4], NoiseGain: in[5]} }
			return []*Node{gen(scope, in[0], c(in[1])), gen(scope, in[0], c(in[2]))}
		})
		vals := s.Of(z2, s.Layers, 1, 0)
		out := exec.MustCall(tensors.FromFlatDataAndDimensions(z, n, s.ZDim), vals[Z2],
			tensors.FromFlatDataAndDimensions(make([]float32, n*s.ZDim), n, s.ZDim), vals[Crossover], vals[Psi], vals[NoiseGain])
		a, c := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
		for i := range n {
			d := maxDiff(a[i*64:(i+1)*64], c[i*64:(i+1)*64])
			if mixed := d > 1e-6; mixed != (p == 1) {
				t.Errorf("mixing_prob %g, image %d: changing z₂ changes the image by %g", p, i, d)
			}
		}
	}
}

// TestNonFiniteNamesLayer: when a loss turns NaN or Inf, the trainer's error names the first layer whose output
// was not finite (the layers register with gan.ProbeLayer).
func TestNonFiniteNamesLayer(t *testing.T) {
	tr := newTrainer(t, backendtest.Go(t), 0, gan.Settings{"learning_rate": 1e30})
	for range 20 {
		_, err := tr.TrainStep()
		if err == nil {
			continue
		}
		var nf *gan.NonFiniteError
		if !errors.As(err, &nf) || !strings.Contains(nf.Layer, "/") {
			t.Fatalf("want a NonFiniteError naming a layer, got %v", err)
		}
		t.Logf("%v", err)
		return
	}
	t.Fatal("20 steps at learning rate 1e30 stayed finite")
}
