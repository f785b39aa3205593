package vanilla_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

// TestGoodfellowParameterCounts: G 100·1200+1200 + 1200·1200+1200 + 1200·784+784 = 2,503,984;
// D 784·1200+1200 + 240·1200+1200 + 240+1 = 1,231,441 (maxout 240×5 = 1200 linear units per layer).
func TestGoodfellowParameterCounts(t *testing.T) {
	b := backendtest.Go(t)
	g, d, err := models.Summarize(b, vanilla.Goodfellow(1, nil))
	if err != nil {
		t.Fatal(err)
	}
	if g.Total != 2503984 || d.Total != 1231441 {
		t.Errorf("parameters: G %d, D %d; want 2,503,984 and 1,231,441", g.Total, d.Total)
	}
	if got := g.Output; len(got) != 4 || got[1] != 28 || got[2] != 28 || got[3] != 1 {
		t.Errorf("G output %v, want [B 28 28 1]", got)
	}
	if got := d.Output; len(got) != 2 || got[1] != 1 {
		t.Errorf("D output %v, want [B 1]", got)
	}
}

func TestMarginalBias(t *testing.T) {
	// Two images of 3 pixels: means 0.5, 0 (clipped to 1e-7), 1 (clipped to 1 − 1e-7).
	bias, err := vanilla.MarginalBias([]float32{0, 0, 1, 1, 0, 1}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0, math.Log(1e-7 / (1 - 1e-7)), math.Log((1 - 1e-7) / 1e-7)}
	for i := range want {
		if math.Abs(float64(bias[i])-want[i]) > 1e-4 {
			t.Errorf("bias[%d] = %g, want %g", i, bias[i], want[i])
		}
	}
	if _, err := vanilla.MarginalBias([]float32{0, 1}, 2, 3); err == nil {
		t.Error("no error for a wrong length")
	}
}

// TestGoodfellowGeneratesAndTrains: with the output bias from the data's marginals, the untrained G's samples
// average close to the data's mean image (G starts at the marginals, as in the paper), values stay in [−1, 1],
// and two steps of the paper's optimizer change both players without NaNs.
func TestGoodfellowGeneratesAndTrains(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		if testing.Short() {
			t.Skip("short")
		}
		rng := rand.New(rand.NewPCG(5, 6))
		const n = 200
		px := make([]float32, n*784)
		for i := range px {
			if (i%784)%28 > 8 && (i%784)%28 < 20 && rng.Float64() < 0.7 { // a vertical band, like strokes
				px[i] = 1
			}
		}
		bias, err := vanilla.MarginalBias(px, n, 784)
		if err != nil {
			t.Fatal(err)
		}
		cfg := vanilla.GoodfellowConfig(3)
		cfg.Settings = gan.Settings{gan.SettingBatchSize: 16} // smaller than the paper's 100 to keep the test fast
		tr, err := gan.New(b, vanilla.Goodfellow(1, bias), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.SetData(px, n, 28, 28, 1, 0, 1); err != nil {
			t.Fatal(err)
		}
		s, err := tr.RandomSamples(50, 1)
		if err != nil {
			t.Fatal(err)
		}
		mean := make([]float64, 784)
		for i, v := range s {
			if v < -1 || v > 1 || math.IsNaN(float64(v)) {
				t.Fatalf("sample value %g outside [-1, 1]", v)
			}
			mean[i%784] += (float64(v) + 1) / 2 / 50
		}
		dataMean := make([]float64, 784)
		for i, v := range px {
			dataMean[i%784] += float64(v) / n
		}
		var maxDiff float64
		for i := range mean {
			maxDiff = math.Max(maxDiff, math.Abs(mean[i]-dataMean[i]))
		}
		if maxDiff > 0.1 {
			t.Errorf("untrained G's mean image differs from the data's by up to %.3f, want < 0.1 (output bias from marginals)", maxDiff)
		}
		if _, err := tr.Discriminate(px[:784]); err != nil { // creates D's variables
			t.Fatal(err)
		}
		g0, d0 := tr.VariableValues(gan.GeneratorScope), tr.VariableValues(gan.DiscriminatorScope)
		for range 2 {
			if _, err := tr.TrainStep(); err != nil {
				t.Fatal(err)
			}
		}
		changed := func(before, after map[string][]float32) bool {
			for k, v := range before {
				for i := range v {
					if after[k][i] != v[i] {
						return true
					}
				}
			}
			return false
		}
		if len(g0) != 6 || len(d0) != 6 {
			t.Fatalf("variables: G %d, D %d; want 6 each (weights and biases of 3 layers)", len(g0), len(d0))
		}
		if !changed(g0, tr.VariableValues(gan.GeneratorScope)) || !changed(d0, tr.VariableValues(gan.DiscriminatorScope)) {
			t.Error("two steps left G or D unchanged")
		}
	})
}

// TestAnnealString: the late anneal's checkpoint form reads back to the same setting; the zero value is "off";
// malformed or out-of-range settings are errors.
func TestAnnealString(t *testing.T) {
	a := vanilla.Anneal{From: 80000, Steps: 10000, To: 0.01}
	if s := a.String(); s != "from=80000,steps=10000,to=0.01" {
		t.Fatalf("String() = %q", s)
	}
	if got, err := vanilla.ParseAnneal(a.String()); err != nil || got != a {
		t.Fatalf("ParseAnneal(%q) = %+v, %v", a.String(), got, err)
	}
	for _, s := range []string{"", "off"} {
		if got, err := vanilla.ParseAnneal(s); err != nil || got.On() {
			t.Errorf("ParseAnneal(%q) = %+v, %v; want off", s, got, err)
		}
	}
	if (vanilla.Anneal{}).String() != "off" {
		t.Error("zero Anneal is not \"off\"")
	}
	for _, s := range []string{"from=1,steps=2", "from=1,steps=2,to=0", "from=1,steps=2,to=1.5", "from=-1,steps=2,to=0.1", "fast"} {
		if _, err := vanilla.ParseAnneal(s); err == nil {
			t.Errorf("ParseAnneal(%q) accepted", s)
		}
	}
	cfg := vanilla.GoodfellowConfigAnnealed(1, 2, a)
	if cfg.Settings["discriminator/anneal_from"] != 2*a.From || cfg.Settings["generator/anneal_steps"] != a.Steps || cfg.Settings["anneal_to"] != a.To {
		t.Errorf("GoodfellowConfigAnnealed: %+v", cfg)
	}
	tr, err := gan.New(backendtest.Go(t), vanilla.Goodfellow(2, nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tr.BatchSize() != vanilla.GoodfellowBatch || tr.Setting("generator/anneal_from") != a.From {
		t.Errorf("trainer settings: batch %d, %v", tr.BatchSize(), tr.Settings())
	}
}

// TestGoodfellowNoise: both priors reach G's first dense layer with unit variance. With the same seed (hence the
// same weights), the normal-noise G at √3·z computes what the uniform-noise G computes at z (its first layer
// scales U(−1, 1) to U(−√3, √3)); the variants declare their noise so the trainer draws the right prior.
func TestGoodfellowNoise(t *testing.T) {
	b := backendtest.Go(t)
	uni, nor := vanilla.Goodfellow(1, nil), vanilla.GoodfellowNoise(1, nil, gan.Normal)
	if uni.Noise != gan.Uniform || nor.Noise != gan.Normal {
		t.Fatalf("noise kinds: %v and %v", uni.Noise, nor.Noise)
	}
	rng := rand.New(rand.NewPCG(8, 9))
	z := make([]float32, 3*vanilla.LatentDim)
	zs := make([]float32, len(z))
	for i := range z {
		z[i] = float32(2*rng.Float64() - 1)
		zs[i] = z[i] * float32(math.Sqrt(3))
	}
	gen := func(v gan.Variant, z []float32) []float32 {
		tr, err := gan.New(b, v, vanilla.GoodfellowConfig(4))
		if err != nil {
			t.Fatal(err)
		}
		x, err := tr.Generate(z)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	a, c, plain := gen(uni, z), gen(nor, zs), gen(nor, z)
	var maxDiff, moved float64
	for i := range a {
		maxDiff = math.Max(maxDiff, math.Abs(float64(a[i]-c[i])))
		moved = math.Max(moved, math.Abs(float64(a[i]-plain[i])))
	}
	if maxDiff > 1e-5 {
		t.Errorf("uniform G(z) and normal G(√3·z) differ by up to %g", maxDiff)
	}
	if moved < 1e-3 {
		t.Errorf("normal G(z) equals uniform G(z) (difference %g): the uniform G does not scale its noise", moved)
	}
}
