package experiments_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/experiments"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/wgan"
	"github.com/ganlab/ganlab/ganlib/models/wgangp"
)

// TestCurvePNG: a plot of a short history decodes as a PNG; an empty curve is an error.
func TestCurvePNG(t *testing.T) {
	gn := func(x float64) map[string]float64 { return map[string]float64{"grad_norm": x} }
	h := []gan.Record{{Step: 1, WEstimate: 0.5, Terms: gn(2)}, {Step: 2, WEstimate: 0.3, Terms: gn(1.5)}, {Step: 3, WEstimate: 0.2, Terms: gn(1)}}
	raw, err := experiments.CurvePNG(h, 2, "title", "y", 1, experiments.Curve{Name: "W", Value: experiments.WEstimate},
		experiments.Curve{Name: "norm", Value: experiments.GradNorm, History: h[1:]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if _, err := experiments.CurvePNG(nil, 1, "t", "y", math.NaN(), experiments.Curve{Name: "W", Value: experiments.WEstimate}); err == nil {
		t.Error("an empty history was plotted")
	}
}

// WGANResult is what TestWGANTrainMNIST measures for one variant (written to <dir>/result.json).
type WGANResult struct {
	Variant   string  `json:"variant"`
	Steps     int     `json:"steps"`
	MsPerStep float64 `json:"ms_per_step"`
	FD        float64 `json:"fd"`
	FDFloor   float64 `json:"fd_floor"`
	FirstW    float64 `json:"first_w"` // mean W estimate over the first 10 % of steps
	LastW     float64 `json:"last_w"`  // and over the last 10 %
	MeanNorm  float64 `json:"mean_grad_norm_last"`
}

// TestWGANTrainMNIST trains WGAN (clipping) and then WGAN-GP for the same number of generator steps on MNIST and
// measures: the Fréchet distance (metrics classifier features, 5,000 samples against the 10,000 test images) of
// each, WGAN-GP's expected to be lower; WGAN's W estimate falling from the first to the last 10 % of training;
// WGAN-GP's mean ‖∇f(x̂)‖ near 1. Plots in each run folder. Off unless WGAN_STEPS is set (e.g. 2000); run folders
// out/runs/family/{wgan,wgan-gp} resume from their checkpoints.
//
//	WGAN_STEPS=2000 nice -n 5 go test -run WGANTrainMNIST -timeout 5h -v ./ganlib/experiments
func TestWGANTrainMNIST(t *testing.T) {
	steps, _ := strconv.Atoi(os.Getenv("WGAN_STEPS"))
	if steps <= 0 {
		t.Skip("set WGAN_STEPS to train WGAN and WGAN-GP on MNIST")
	}
	train, err := data.Load("mnist", "train")
	if err != nil {
		t.Fatal(err)
	}
	test, err := data.Load("mnist", "test")
	if err != nil {
		t.Fatal(err)
	}
	only := os.Getenv("WGAN_ONLY") // "wgan" or "wgan-gp" to run one
	var results []WGANResult
	for _, c := range []struct {
		v   gan.Variant
		cfg gan.Config
	}{{wgan.New(28, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 64}}}, {wgangp.New(28, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 64}}}} {
		dir := filepath.Join(project.Home(), "out", "runs", "family", c.v.Name)
		if only != "" && only != c.v.Name {
			if raw, err := os.ReadFile(filepath.Join(dir, "result.json")); err == nil {
				var r WGANResult
				if json.Unmarshal(raw, &r) == nil {
					results = append(results, r)
				}
			}
			continue
		}
		var t0 time.Time
		var n0, n1 int
		s := &lab.Session{Dir: dir, Variant: c.v, Config: c.cfg, Data: train, Steps: steps,
			CheckpointEvery: 250, Quiet: true, GridRows: 10, GridCols: 10,
			Callbacks: []gan.Callback{func(tr *gan.Trainer, r gan.Record) error {
				if n0 == 0 {
					t0, n0 = time.Now(), r.Step
				}
				n1 = r.Step
				if r.Step%100 == 0 {
					t.Logf("%s step %d: D loss %.4f, G loss %.4f, W %.4f, |grad| %.3f (%.0f ms/step)", c.v.Name, r.Step, r.DLoss, r.GLoss,
						r.WEstimate, r.Term("grad_norm"), float64(time.Since(t0).Milliseconds())/float64(max(r.Step-n0, 1)))
				}
				return nil
			}}}
		tr, err := s.Run()
		if err != nil {
			t.Fatal(err)
		}
		res := WGANResult{Variant: c.v.Name, Steps: tr.Step()}
		if n1 > n0 {
			res.MsPerStep = float64(time.Since(t0).Milliseconds()) / float64(n1-n0)
		} else if raw, err := os.ReadFile(filepath.Join(dir, "result.json")); err == nil {
			var old WGANResult
			if json.Unmarshal(raw, &old) == nil {
				res.MsPerStep = old.MsPerStep
			}
		}
		clf, err := metrics.LoadClassifier(tr.Backend, "mnist")
		if err != nil {
			t.Fatal(err)
		}
		testFeats, err := clf.Features(test.Scaled(-1, 1), test.N)
		if err != nil {
			t.Fatal(err)
		}
		const n = 5000
		if res.FD, err = experiments.Frechet(tr, clf, testFeats, test.N, n, 11); err != nil {
			t.Fatal(err)
		}
		res.FDFloor = clf.FDFloorAt(n)
		h := tr.History
		tenth := max(len(h)/10, 1)
		for _, r := range h[:tenth] {
			res.FirstW += r.WEstimate / float64(tenth)
		}
		for _, r := range h[len(h)-tenth:] {
			res.LastW += r.WEstimate / float64(tenth)
			res.MeanNorm += r.Term("grad_norm") / float64(tenth)
		}
		t.Logf("%+v", res)
		raw, _ := json.MarshalIndent(res, "", " ")
		if err := os.WriteFile(filepath.Join(dir, "result.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		smooth := max(len(h)/50, 1)
		png, err := experiments.CurvePNG(h, smooth, c.v.Name+": the critic's Wasserstein estimate", "E[f(x)] − E[f(G(z))]", math.NaN(),
			experiments.Curve{Name: "W estimate", Value: experiments.WEstimate})
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "w-estimate.png"), png, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(c.v.DTerms) > 0 {
			png, err := experiments.CurvePNG(h, smooth, "WGAN-GP: mean ‖grad f(x̂)‖₂", "norm", 1, experiments.Curve{Name: "mean ‖grad f(x̂)‖", Value: experiments.GradNorm})
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, "grad-norm.png"), png, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		results = append(results, res)
	}
	if len(results) == 2 {
		w, gp := results[0], results[1]
		t.Logf("same budget (%d vs %d G steps): FD WGAN %.2f, WGAN-GP %.2f (floor %.2f)", w.Steps, gp.Steps, w.FD, gp.FD, w.FDFloor)
		if gp.FD >= w.FD {
			t.Errorf("WGAN-GP's FD %.2f is not below WGAN's %.2f", gp.FD, w.FD)
		}
		if w.LastW >= w.FirstW {
			t.Errorf("WGAN's W estimate did not fall: %.4f → %.4f", w.FirstW, w.LastW)
		}
		if math.Abs(gp.MeanNorm-1) > 0.3 {
			t.Errorf("WGAN-GP's mean gradient norm %.3f is not near 1", gp.MeanNorm)
		}
	}
}
