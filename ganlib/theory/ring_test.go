package theory

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRingMeasureByHand: points placed by hand at known distances from the modes are counted as the definition says.
func TestRingMeasureByHand(t *testing.T) {
	r := Ring{Modes: 4, Radius: 1, Std: 0.1} // centres (1,0), (0,1), (−1,0), (0,−1); 3σ = 0.3
	c := r.Centers()
	if math.Abs(c[1][0]) > 1e-12 || math.Abs(c[1][1]-1) > 1e-12 || math.Abs(c[2][0]+1) > 1e-12 {
		t.Fatalf("centres %v", c)
	}
	xy := []float32{
		1, 0, 1.29, 0, 1, -0.2, // three at mode 0 (0.29 and 0.2 away: inside 3σ)
		0, 1.31, // 0.31 from mode 1: outside
		-1, 0.1, // one at mode 2
		0, 0, 0.5, 0.5, 3, 3, // far from every mode
		0, -1, 0, -0.8, // two at mode 3
	}
	cov, err := r.Measure(xy, 0.15) // a mode needs ≥ 0.15·10 = 1.5 samples: 2
	if err != nil {
		t.Fatal(err)
	}
	want := []int{3, 0, 1, 2}
	for k := range want {
		if cov.PerMode[k] != want[k] {
			t.Errorf("mode %d: %d samples within 3σ, want %d", k, cov.PerMode[k], want[k])
		}
	}
	if cov.N != 10 || cov.Covered != 2 {
		t.Errorf("N %d covered %d, want 10 and 2", cov.N, cov.Covered)
	}
	if math.Abs(cov.HighQuality-0.6) > 1e-12 {
		t.Errorf("high quality %g, want 6/10", cov.HighQuality)
	}
	if _, err := r.Measure([]float32{1, 2, 3}, 0.1); err == nil {
		t.Error("an odd number of coordinates accepted")
	}
}

// TestRingSampleIsCovered: samples of p_data cover every mode, about 98.9% of them within 3σ (1 − e^{−9/2} for a
// 2-D Gaussian), and a sample from a single mode covers one.
func TestRingSampleIsCovered(t *testing.T) {
	r := LiteratureRing()
	cov, err := r.Measure(r.Sample(rand.New(rand.NewPCG(1, 2)), 20000), 0.25/8)
	if err != nil {
		t.Fatal(err)
	}
	if cov.Covered != 8 || math.Abs(cov.HighQuality-(1-math.Exp(-4.5))) > 0.005 {
		t.Errorf("p_data's own samples: %d modes, high quality %.4f, want 8 and %.4f", cov.Covered, cov.HighQuality, 1-math.Exp(-4.5))
	}
	one := Ring{Modes: 1, Radius: 2, Std: 0.02}.Sample(rand.New(rand.NewPCG(3, 4)), 1000)
	if cov, _ := r.Measure(one, 0.25/8); cov.Covered != 1 || cov.PerMode[0] < 900 {
		t.Errorf("a collapsed sample: %d modes covered, %v", cov.Covered, cov.PerMode)
	}
}

func TestMeanStd(t *testing.T) {
	m, s := meanStd([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	near(t, "mean", m, 5, 1e-12)
	near(t, "sample std", s, math.Sqrt(32.0/7), 1e-12)
}

// TestModesSmoke trains both variants for a few steps on XLA and checks that the result is measured, saved and
// reloaded, and that the table names both variants.
func TestModesSmoke(t *testing.T) {
	e := DefaultModes(t.TempDir(), true)
	e.Steps, e.Anneal, e.Seeds, e.Samples, e.Hidden = 20, 5, []uint64{7}, 500, 16
	r, err := e.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Runs) != 2 || len(r.Runs[0].Points) != 2*e.Samples || r.Runs[1].Coverage.N != e.Samples {
		t.Fatalf("runs %+v", r.Runs)
	}
	back, err := LoadModes(e.Dir)
	if err != nil || len(back.Runs) != 2 || back.Runs[1].Variant != "WGAN-GP" {
		t.Fatalf("reloaded %v, %v", back, err)
	}
	if tab := r.Table(); !strings.Contains(tab, "vanilla GAN") || !strings.Contains(tab, "WGAN-GP") {
		t.Errorf("table:\n%s", tab)
	}
	if _, err := ModesPNG(r, 7); err != nil {
		t.Fatal(err)
	}
	if _, err := ModesPNG(r, 8); err == nil {
		t.Error("ModesPNG of a seed that was not run: want an error")
	}
	if s := r.FewestModes("vanilla GAN"); s != 7 {
		t.Errorf("FewestModes: seed %d", s)
	}
}

// TestHeadStartSmoke: after D's head start (G frozen) both runs face the same D and the same fakes, so the
// saturating loss's push on the fakes, D(G(z))·‖∂l/∂x‖ per sample, is smaller than the non-saturating one's,
// (1 − D(G(z)))·‖∂l/∂x‖, once D rejects them (D(G(z)) < ½).
func TestHeadStartSmoke(t *testing.T) {
	h := DefaultHeadStart(t.TempDir(), true)
	h.Ring.Hidden, h.Ring.Samples, h.DSteps, h.Steps, h.TraceEvery, h.TraceSamples = 32, 200, 100, 10, 5, 100
	runs, err := h.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Loss != "minimax" || runs[1].Loss != "non-saturating" {
		t.Fatalf("runs %+v", runs)
	}
	m, ns := runs[0].Trace[0], runs[1].Trace[0]
	if m.Step != 0 || len(runs[0].Trace) != 4 { // steps 0, 1, 5, 10
		t.Errorf("trace steps: %+v", runs[0].Trace)
	}
	if m.DFake != ns.DFake || !(m.DFake < 0.5) {
		t.Errorf("D(G(z)) after the head start: %g and %g, want equal and < ½", m.DFake, ns.DFake)
	}
	if !(m.GGrad > 0 && m.GGrad < ns.GGrad) {
		t.Errorf("G's gradient after the head start: saturating %g, non-saturating %g", m.GGrad, ns.GGrad)
	}
}
