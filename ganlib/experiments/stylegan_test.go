package experiments_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/experiments"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/stylegan"
)

// TestStyleGANMixingKeepAndFD: a 32×32 StyleGAN trained two steps on tiny random data; the keep-rate and its
// baselines are fractions of n, crossover 0 (every style from the column) keeps the column's class exactly and
// crossover L (every style from the row) the row's, and the FD report runs at ψ = 1 and 0.7.
func TestStyleGANMixingKeepAndFD(t *testing.T) {
	b := backendtest.XLA(t)
	tr, err := gan.New(b, stylegan.New(32, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	rng := rand.New(rand.NewPCG(1, 2))
	px := make([]float32, n*32*32)
	for i := range px {
		px[i] = rng.Float32()
	}
	if err := tr.SetData(px, n, 32, 32, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(2); err != nil {
		t.Fatal(err)
	}
	clf, err := metrics.LoadClassifier(b, "mnist")
	if err != nil {
		t.Fatal(err)
	}
	in01 := func(x float64) bool { return x >= 0 && x <= 1 }
	L := stylegan.Layers(32)
	for _, c := range []int{0, 3, L} {
		k, err := experiments.StyleGANMixingKeep(tr, clf, 20, c, 1, 5)
		if err != nil {
			t.Fatal(err)
		}
		if k.N != 20 || !in01(k.Coarse) || !in01(k.Fine) || !in01(k.Chance) {
			t.Fatalf("crossover %d: %+v", c, k)
		}
		if c == 0 && k.Fine != 1 {
			t.Errorf("crossover 0: the mixed image is the column source, yet keeps its class %g of the time", k.Fine)
		}
		if c == L && k.Coarse != 1 {
			t.Errorf("crossover L: the mixed image is the row source, yet keeps its class %g of the time", k.Coarse)
		}
	}
	if _, err := experiments.StyleGANMixingKeep(tr, clf, 20, L+1, 1, 5); err == nil {
		t.Error("crossover beyond L: no error")
	}
	realPx := make([]float32, 20*28*28)
	for i := range realPx {
		realPx[i] = rng.Float32()*2 - 1
	}
	real, err := metrics.AnalyzeReal(clf, realPx, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, psi := range []float64{1, 0.7} {
		r, err := experiments.StyleGANFD(tr, clf, real, 20, psi, 1)
		if err != nil {
			t.Fatal(err)
		}
		if r.N != 20 || !(r.FD >= 0) || !in01(r.Precision) || !in01(r.Recall) {
			t.Fatalf("psi %g: N %d, FD %g, precision %g, recall %g", psi, r.N, r.FD, r.Precision, r.Recall)
		}
	}
}

// TestStyleGANMeasure measures a StyleGAN run folder trained on MNIST padded to 32 (ganlab train -model stylegan
// -data mnist -size 32): the keep-rate of 2,000 mixed images at crossover 3 (coarse: the 4×4 and both 8×8 styles
// from the row source; fine: 16×16, 32×32 and ToRGB from the column source) with its baselines, at ψ = 1 and 0.7,
// and FD, precision and recall of 10,000 samples at ψ = 1 and 0.7 against the 10,000 test images; writes
// mixing-grid.png (6 rows × 6 columns, crossover 3, ψ = 1) to STYLEGAN_OUT (default: the run folder). Off unless
// STYLEGAN_RUN names the run folder; STYLEGAN_N overrides 10,000 (and the mixed images become N/5 when fewer than 2,000).
//
//	STYLEGAN_RUN=/tmp/sg-run STYLEGAN_OUT=/tmp go test -run StyleGANMeasure -timeout 1h -v ./ganlib/experiments
func TestStyleGANMeasure(t *testing.T) {
	dir := os.Getenv("STYLEGAN_RUN")
	if dir == "" {
		t.Skip("set STYLEGAN_RUN to a stylegan run folder to measure it")
	}
	out := os.Getenv("STYLEGAN_OUT")
	if out == "" {
		out = dir
	}
	n := 10000
	if s := os.Getenv("STYLEGAN_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := lab.Open(dir, stylegan.New(32, 1))
	if err != nil {
		t.Fatal(err)
	}
	clf, err := metrics.LoadClassifier(tr.Backend, "mnist")
	if err != nil {
		t.Fatal(err)
	}
	const crossover = 3
	m, err := stylegan.MixingGrid(tr, 6, 6, crossover, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	png, err := lab.GridOf(tr.Variant, m.Grid(), 7, 7, 2).PNG()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "mixing-grid.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, psi := range []float64{1, 0.7} {
		start := time.Now()
		k, err := experiments.StyleGANMixingKeep(tr, clf, max(1, min(n/5, 2000)), crossover, psi, 7)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("step %d, psi %g, crossover %d: keeps the coarse source's class %.3f, the fine source's %.3f, chance %.3f (%d mixed images, %s)",
			tr.Step(), psi, crossover, k.Coarse, k.Fine, k.Chance, k.N, time.Since(start).Round(time.Second))
	}
	test, err := data.Load("mnist", "test")
	if err != nil {
		t.Fatal(err)
	}
	real, err := metrics.AnalyzeReal(clf, test.Scaled(-1, 1), test.N)
	if err != nil {
		t.Fatal(err)
	}
	for _, psi := range []float64{1, 0.7} {
		start := time.Now()
		r, err := experiments.StyleGANFD(tr, clf, real, n, psi, 11)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("step %d, psi %g: FD %.2f (floor %.2f), precision %.3f, recall %.3f, density %.3f, coverage %.3f, class entropy %.3f (%d samples, %s)",
			tr.Step(), psi, r.FD, r.FDFloor, r.Precision, r.Recall, r.Density, r.Coverage, r.Entropy, r.N, time.Since(start).Round(time.Second))
	}
}
