package experiments_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/experiments"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/biggan"
)

// TestBigGANCropCentre: cropping 32→28 undoes data.Images.Padded exactly, and picks rows 2..29 and columns 2..29.
func TestBigGANCropCentre(t *testing.T) {
	const n = 2
	im := &data.Images{N: n, H: 28, W: 28, C: 1, Pixels: make([]float32, n*28*28)}
	for i := range im.Pixels {
		im.Pixels[i] = float32(i + 1)
	}
	pad := im.Padded(32)
	crop, err := experiments.CropCentre(pad.Pixels, n, 32, 28)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range crop {
		if v != im.Pixels[i] {
			t.Fatalf("crop[%d] = %g, want %g", i, v, im.Pixels[i])
		}
	}
	// Directly on a known image: pixel (y, x) of image i holds i·10000 + y·100 + x.
	px := make([]float32, n*32*32)
	for i := range n {
		for y := range 32 {
			for x := range 32 {
				px[(i*32+y)*32+x] = float32(i*10000 + y*100 + x)
			}
		}
	}
	crop, err = experiments.CropCentre(px, n, 32, 28)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		for y := range 28 {
			for x := range 28 {
				if got, want := crop[(i*28+y)*28+x], float32(i*10000+(y+2)*100+x+2); got != want {
					t.Fatalf("image %d (%d, %d): %g, want %g", i, y, x, got, want)
				}
			}
		}
	}
	if _, err := experiments.CropCentre(px, n, 32, 33); err == nil {
		t.Error("a crop larger than the image: no error")
	}
}

// TestBigGANAccuracyAndCurve: a 32×32 BigGAN trained two steps on tiny random labelled data; its accuracy and
// truncation curve run and return values in [0, 1], and the curve plots.
func TestBigGANAccuracyAndCurve(t *testing.T) {
	b := backendtest.XLA(t)
	tr, err := gan.New(b, biggan.New(32, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	rng := rand.New(rand.NewPCG(1, 2))
	px := make([]float32, n*32*32)
	for i := range px {
		px[i] = rng.Float32()
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 10
	}
	if err := tr.SetData(px, n, 32, 32, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := tr.SetLabels(labels); err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(2); err != nil {
		t.Fatal(err)
	}
	clf, err := metrics.LoadClassifier(b, "fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}
	in01 := func(x float64) bool { return x >= 0 && x <= 1 }
	for _, psi := range []float64{0, 0.5} {
		acc, per, err := experiments.BigGANAccuracy(tr, clf, 3, psi, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !in01(acc) || len(per) != 10 {
			t.Fatalf("psi %g: accuracy %g, %d classes", psi, acc, len(per))
		}
		for _, a := range per {
			if !in01(a) {
				t.Fatalf("psi %g: per-class accuracy %g", psi, a)
			}
		}
	}
	realPx := make([]float32, 20*28*28)
	for i := range realPx {
		realPx[i] = rng.Float32()*2 - 1
	}
	real, err := metrics.AnalyzeReal(clf, realPx, 20)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := experiments.BigGANTruncationCurve(tr, clf, real, []float64{0, 1, 0.5}, 20, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 3 {
		t.Fatalf("%d points, want 3", len(pts))
	}
	for _, p := range pts {
		if !in01(p.Precision) || !in01(p.Recall) {
			t.Fatalf("psi %g: precision %g, recall %g", p.Psi, p.Precision, p.Recall)
		}
	}
	png, err := experiments.TruncationPNG(pts, "tiny")
	if err != nil || len(png) < 100 {
		t.Fatalf("plot: %v, %d bytes", err, len(png))
	}
}

// TestBigGANMeasure measures a BigGAN run folder trained on Fashion-MNIST padded to 32 (ganlab train -model biggan
// -data fashion-mnist -size 32): classifier accuracy on 1,000 conditioned samples per class at ψ = 0 (no
// truncation) and 2, 1, 0.5, 0.25, and precision/recall of 10,000 samples at the same ψ against the 10,000 test
// images; writes class-grid-psi0.png and class-grid-psi0.5.png (one column per class, one z per row) and truncation.png to BIGGAN_OUT (default: the run
// folder). Off unless BIGGAN_RUN names the run folder.
//
//	BIGGAN_RUN=/tmp/bg-run BIGGAN_OUT=/tmp go test -run BigGANMeasure -timeout 1h -v ./ganlib/experiments
func TestBigGANMeasure(t *testing.T) {
	dir := os.Getenv("BIGGAN_RUN")
	if dir == "" {
		t.Skip("set BIGGAN_RUN to a biggan run folder to measure it")
	}
	out := os.Getenv("BIGGAN_OUT")
	if out == "" {
		out = dir
	}
	tr, err := lab.Open(dir, biggan.New(32, 1))
	if err != nil {
		t.Fatal(err)
	}
	clf, err := metrics.LoadClassifier(tr.Backend, "fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}
	psis := []float64{0, 2, 1, 0.5, 0.25}
	for _, psi := range psis {
		acc, per, err := experiments.BigGANAccuracy(tr, clf, 1000, psi, 7)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("step %d, psi %g: accuracy %.2f %% on 10,000 samples (per class %.3f)", tr.Step(), psi, 100*acc, per)
	}
	for _, psi := range []float64{0, 0.5} {
		grid, err := experiments.BigGANClassGrid(tr, 10, psi, 3)
		if err != nil {
			t.Fatal(err)
		}
		png, err := lab.GridOf(tr.Variant, grid, 10, 10, 2).PNG()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("class-grid-psi%g.png", psi)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	test, err := data.Load("fashion-mnist", "test")
	if err != nil {
		t.Fatal(err)
	}
	real, err := metrics.AnalyzeReal(clf, test.Scaled(-1, 1), test.N)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := experiments.BigGANTruncationCurve(tr, clf, real, psis, 10000, 11)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pts {
		t.Logf("psi %g: precision %.3f recall %.3f (FD %.2f, density %.3f, coverage %.3f)", p.Psi, p.Precision, p.Recall,
			p.Report.FD, p.Report.Density, p.Report.Coverage)
	}
	png, err := experiments.TruncationPNG(pts, "BigGAN on Fashion-MNIST: the truncation trade-off")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "truncation.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
