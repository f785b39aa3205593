package theory

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/ganlab/ganlab/ganlib/gan"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g, want %.10g (±%g)", name, got, want, tol)
	}
}

func TestMixtureDensityByHand(t *testing.T) {
	// One standard normal: p(0) = 1/√(2π) = 0.3989422804.
	std := Mixture{Weights: []float64{1}, Means: []float64{0}, Stds: []float64{1}}
	near(t, "N(0;0,1)", std.Density(0), 0.3989422804, 1e-9)
	near(t, "N(1;0,1)", std.Density(1), 0.2419707245, 1e-9)
	// ½N(−1, 1) + ½N(1, 0.5²) at 0: ½·0.2419707245 + ½·(1/(0.5√(2π)))·e^(−2) = 0.1209853623 + ½·0.1079819330.
	m := Mixture{Weights: []float64{0.5, 0.5}, Means: []float64{-1, 1}, Stds: []float64{1, 0.5}}
	near(t, "mixture at 0", m.Density(0), 0.1209853623+0.0539909665, 1e-9)
	if err := LectureMixture().Validate(); err != nil {
		t.Fatal(err)
	}
	xs, dx := Grid(-10, 10, 4001)
	near(t, "∫ lecture mixture", Integrate(LectureMixture().On(xs), dx), 1, 1e-9)
	if err := (Mixture{Weights: []float64{0.5, 0.6}, Means: []float64{0, 1}, Stds: []float64{1, 1}}).Validate(); err == nil {
		t.Error("weights summing to 1.1 accepted")
	}
	// Samples: the mean of the lecture mixture is Σ w_k μ_k.
	s := LectureMixture().Sample(rand.New(rand.NewPCG(1, 2)), 200000)
	var mean, want float64
	for _, v := range s {
		mean += v
	}
	for i, w := range LectureMixture().Weights {
		want += w * LectureMixture().Means[i]
	}
	near(t, "sample mean", mean/float64(len(s)), want, 0.02)
}

func TestCoreAndMass(t *testing.T) {
	m := Mixture{Weights: []float64{0.5, 0.5}, Means: []float64{-3, 3}, Stds: []float64{1, 1}}
	core := m.Core(2)
	if len(core) != 2 || core[0] != (Interval{-5, -1}) || core[1] != (Interval{1, 5}) {
		t.Errorf("Core(2) = %v", core)
	}
	// 0.9545 from each component's own interval, plus the other's far tail (P(Z > 4) ≈ 3.2e-5).
	near(t, "mass within 2σ", m.Mass(core), 0.9544997361+0.0000316712, 1e-7)
	if merged := m.Core(4); len(merged) != 1 || merged[0] != (Interval{-7, 7}) {
		t.Errorf("overlapping intervals not merged: %v", merged)
	}
}

func TestOptimalD(t *testing.T) {
	near(t, "D*(equal)", OptimalD(0.3, 0.3), 0.5, 0)
	near(t, "D*(3:1)", OptimalD(0.3, 0.1), 0.75, 1e-12)
	near(t, "D*(no fakes)", OptimalD(0.2, 0), 1, 0)
	near(t, "D*(no data)", OptimalD(0, 0.2), 0, 0)
	near(t, "D*(0/0)", OptimalD(0, 0), 0.5, 0)
}

func TestJSD(t *testing.T) {
	xs, dx := Grid(-8, 8, 1601)
	p := Mixture{Weights: []float64{1}, Means: []float64{0}, Stds: []float64{1}}.On(xs)
	near(t, "JSD(P, P)", JSD(p, p, dx), 0, 1e-12)
	// Disjoint boxes: log 2.
	a, b := make([]float64, len(xs)), make([]float64, len(xs))
	for i, x := range xs {
		if x < -1 {
			a[i] = 1
		} else if x > 1 {
			b[i] = 3 // unnormalised on purpose
		}
	}
	near(t, "JSD(disjoint)", JSD(a, b, dx), math.Log(2), 1e-12)
	// Two boxes overlapping by half: P = U[0,2], Q = U[1,3]; M = ¼ on [0,1] and [2,3], ½ on [1,2].
	// JSD = ½[½·log 2 + 0] + ½[0 + ½·log 2] = ½ log 2.
	xs2, dx2 := Grid(-1, 4, 50001)
	u, v := make([]float64, len(xs2)), make([]float64, len(xs2))
	for i, x := range xs2 {
		if x >= 0 && x <= 2 {
			u[i] = 0.5
		}
		if x >= 1 && x <= 3 {
			v[i] = 0.5
		}
	}
	near(t, "JSD(half overlap)", JSD(u, v, dx2), 0.5*math.Log(2), 1e-3)
	// Symmetry and C(G).
	q := Mixture{Weights: []float64{1}, Means: []float64{1}, Stds: []float64{1}}.On(xs)
	near(t, "JSD symmetric", JSD(p, q, dx), JSD(q, p, dx), 1e-12)
	near(t, "C(G) at p_g = p_data", VirtualTrainingCriterion(0), -math.Log(4), 1e-15)
	near(t, "C(G) at disjoint", VirtualTrainingCriterion(math.Log(2)), 0, 1e-15)
}

func TestKDE(t *testing.T) {
	// One sample: the KDE is N(x; s, h²).
	k := NewKDE([]float64{1}, 0.5)
	near(t, "KDE one sample", k.Density(1.5), Normal(1.5, 1, 0.5), 1e-12)
	// Normalisation, and closeness to the density it estimates.
	m := LectureMixture()
	s := m.Sample(rand.New(rand.NewPCG(3, 4)), 20000)
	kde := NewKDE(s, 0.06)
	xs, dx := Grid(-8, 8, 1601)
	near(t, "∫ KDE", Integrate(kde.On(xs), dx), 1, 1e-6)
	if jsd := JSD(m.On(xs), kde.On(xs), dx); jsd > 0.002 {
		t.Errorf("JSD(p, KDE of 20000 draws of p) = %g, want < 0.002", jsd)
	}
	// Silverman's rule for N(0,1) draws: ≈ 0.9·n^(−1/5).
	g := make([]float64, 10000)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	near(t, "Silverman", Silverman(g), 0.9*math.Pow(10000, -0.2), 0.01)
}

func TestLossGradients(t *testing.T) {
	const h = 1e-6
	for _, l := range []float64{-8, -2, 0, 1.5, 6} {
		sat := func(l float64) float64 { return math.Log(1 - Sigmoid(l)) }
		ns := func(l float64) float64 { return -math.Log(Sigmoid(l)) }
		near(t, "d/dl log(1−σ)", SaturatingGrad(l), (sat(l+h)-sat(l-h))/(2*h), 1e-6)
		near(t, "d/dl −log σ", NonSaturatingGrad(l), (ns(l+h)-ns(l-h))/(2*h), 1e-6)
	}
	if g := SaturatingGrad(-10); math.Abs(g) > 1e-4 {
		t.Errorf("saturating gradient at D(G(z)) ≈ 4.5e-5 is %g, should vanish", g)
	}
	if g := NonSaturatingGrad(-10); math.Abs(g+1) > 1e-4 {
		t.Errorf("non-saturating gradient at D(G(z)) ≈ 4.5e-5 is %g, want ≈ −1", g)
	}
}

func TestPlots(t *testing.T) {
	xs, _ := Grid(-5, 5, 101)
	m := LectureMixture()
	s := Snapshot{Label: "(a)", Step: 1, X: xs, PData: m.On(xs), PG: m.On(xs), D: make([]float64, len(xs)), DStar: make([]float64, len(xs)),
		Z: []float64{-1, 0, 1}, GZ: []float64{-2, 0, 2}, Region: m.Core(1.5)}
	for name, f := range map[string]func() ([]byte, error){
		"figure1": func() ([]byte, error) { return Figure1PNG([]Snapshot{s, s, s, s}) },
		"optimal": func() ([]byte, error) { return OptimalDPNG([]Snapshot{s}) },
		"trace": func() ([]byte, error) {
			return TracePNG([]TracePoint{{Step: 0, JSD: 0.5}, {Step: 10, Phase: "D only", JSD: 0.1}}, 0.001)
		},
		"saturation": SaturationPNG,
		"headstart": func() ([]byte, error) {
			return HeadStartPNG([]HeadStartRun{{Loss: "minimax", Points: []float32{0, 0, 1, 1}, Trace: []HeadStartPoint{{Step: 0, GGrad: 1e-4, Dist: 2}, {Step: 5, GGrad: 0, Dist: 1}}}}, LiteratureRing())
		},
	} {
		png, err := f()
		if err != nil || len(png) < 1000 || string(png[1:4]) != "PNG" {
			t.Errorf("%s: %d bytes, err %v", name, len(png), err)
		}
	}
}

// TestFreezeByLearningRate checks SetLearningRate(…, 0): with G's rate at 0 a training step leaves G unchanged and
// moves D, and the reverse; the rate comes back after.
func TestFreezeByLearningRate(t *testing.T) {
	if os.Getenv("GANLAB_REQUIRE_XLA") == "" && testing.Short() {
		t.Skip("short")
	}
	e := Default(t.TempDir(), true)
	e.DataN, e.Batch = 1024, 64
	tr, err := e.NewTrainer(gan.NonSaturating(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.TrainStep(); err != nil {
		t.Fatal(err)
	}
	same := func(a, b map[string][]float32) bool {
		for k, va := range a {
			for i := range va {
				if va[i] != b[k][i] {
					return false
				}
			}
		}
		return true
	}
	for _, c := range []struct{ frozen, moving string }{{gan.GeneratorScope, gan.DiscriminatorScope}, {gan.DiscriminatorScope, gan.GeneratorScope}} {
		frozenNet := c.frozen
		before, other := tr.VariableValues(frozenNet), tr.VariableValues(c.moving)
		err := frozen(tr, c.frozen, func() error { _, err := tr.TrainStep(); return err })
		if err != nil {
			t.Fatal(err)
		}
		if !same(before, tr.VariableValues(frozenNet)) {
			t.Errorf("%s moved while its learning rate was 0", frozenNet)
		}
		if same(other, tr.VariableValues(c.moving)) {
			t.Errorf("%s did not move", c.moving)
		}
		if lr, err := SetLearningRate(tr, c.frozen, e.LR); err != nil || math.Abs(lr-e.LR) > 1e-9 {
			t.Errorf("learning rate after freezing: %g, %v; want %g restored", lr, err, e.LR)
		}
	}
}

// TestRunSmoke runs a tiny Figure 1 schedule end to end and reloads its result.
func TestRunSmoke(t *testing.T) {
	e := Default(t.TempDir(), true)
	e.DataN, e.Batch, e.CriticSteps = 2048, 128, 1
	e.StepsA, e.InnerD, e.GSteps, e.Steps, e.Anneal, e.TraceEvery = 20, 20, 2, 60, 10, 20
	e.Samples, e.TraceSamples, e.GridN = 2000, 1000, 101
	r, err := e.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Panels) != 4 || r.Panels[1].Step != 40 || r.Panels[2].Step != 42 || r.Panels[3].Step != 60 {
		t.Fatalf("panels at the wrong steps: %d panels", len(r.Panels))
	}
	for _, p := range r.Panels {
		if p.JSD < 0 || p.JSD > math.Log(2)+1e-9 || math.IsNaN(p.MaxDev) || len(p.GZ) != e.ZLines {
			t.Errorf("panel %s: JSD %g, max dev %g, %d arrows", p.Label, p.JSD, p.MaxDev, len(p.GZ))
		}
	}
	// Panel (c) keeps (b)'s D: D was frozen.
	for i := range r.Panels[1].D {
		if r.Panels[1].D[i] != r.Panels[2].D[i] {
			t.Fatalf("D changed while frozen at x=%g", r.Panels[1].X[i])
		}
	}
	// RangeOfD splits the grid by Region.
	d := r.Panels[3]
	inLo, inHi := d.RangeOfD(true)
	outLo, outHi := d.RangeOfD(false)
	for i, x := range d.X {
		lo, hi := outLo, outHi
		for _, iv := range d.Region {
			if iv.Contains(x) {
				lo, hi = inLo, inHi
			}
		}
		if d.D[i] < lo || d.D[i] > hi {
			t.Fatalf("D(%g) = %g outside its range [%g, %g]", x, d.D[i], lo, hi)
		}
	}
	back, err := LoadResult(e.Dir)
	if err != nil || len(back.Panels) != 4 {
		t.Fatalf("LoadResult: %v", err)
	}
}
