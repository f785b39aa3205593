package experiments_test

import (
	"math/rand/v2"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/experiments"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/pggan"
)

// TestCroppedReport: an untrained 32×32 PGGAN's samples are cropped to 28×28 and scored (N, FD ≥ 0, precision and
// recall fractions; the same seed gives the same FD); too few samples and a variant smaller than the classifier's
// images are refused.
func TestCroppedReport(t *testing.T) {
	b := backendtest.XLA(t)
	clf, err := metrics.LoadClassifier(b, "mnist")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 24
	realPx := make([]float32, n*28*28)
	for i := range realPx {
		realPx[i] = rng.Float32()*2 - 1
	}
	real, err := metrics.AnalyzeReal(clf, realPx, n)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := gan.New(b, pggan.New(32, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}})
	if err != nil {
		t.Fatal(err)
	}
	in01 := func(x float64) bool { return x >= 0 && x <= 1 }
	r, err := experiments.CroppedReport(tr, clf, real, n, 5)
	if err != nil {
		t.Fatal(err)
	}
	if r.N != n || r.NReal != n || !(r.FD >= 0) || !in01(r.Precision) || !in01(r.Recall) {
		t.Fatalf("report: N %d, NReal %d, FD %g, precision %g, recall %g", r.N, r.NReal, r.FD, r.Precision, r.Recall)
	}
	again, err := experiments.CroppedReport(tr, clf, real, n, 5)
	if err != nil {
		t.Fatal(err)
	}
	if again.FD != r.FD {
		t.Errorf("same seed, FD %g then %g", r.FD, again.FD)
	}
	if _, err := experiments.CroppedReport(tr, clf, real, 1, 5); err == nil {
		t.Error("1 sample: no error")
	}
	small, err := gan.New(b, pggan.New(16, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := experiments.CroppedReport(small, clf, real, n, 5); err == nil {
		t.Error("16×16 samples for a 28×28 classifier: no error")
	}
}
