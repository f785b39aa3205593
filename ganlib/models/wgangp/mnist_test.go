package wgangp_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/wgan"
	"github.com/ganlab/ganlab/ganlib/models/wgangp"
)

func randomData(n, size int) []float32 {
	px := make([]float32, n*size*size)
	for i := range px {
		px[i] = float32((i*7919)%101) / 100
	}
	return px
}

// TestTrainSmoke: WGAN and WGAN-GP take steps on XLA: finite losses, WGAN's critic weights clipped, WGAN-GP's
// gradient norm recorded, and W estimate = −D loss for WGAN.
func TestTrainSmoke(t *testing.T) {
	b := backendtest.XLA(t)
	for _, c := range []struct {
		v   gan.Variant
		cfg gan.Config
	}{{wgan.New(8, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}}}, {wgangp.New(8, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}}}} {
		t.Run(c.v.Name, func(t *testing.T) {
			tr, err := gan.New(b, c.v, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.SetData(randomData(16, 8), 16, 8, 8, 1, 0, 1); err != nil {
				t.Fatal(err)
			}
			if err := tr.Train(2); err != nil {
				t.Fatal(err)
			}
			for _, r := range tr.History {
				if len(c.v.DTerms) == 0 && math.Abs(r.WEstimate+r.DLoss) > 1e-5 {
					t.Errorf("WGAN step %d: W estimate %g is not −D loss %g", r.Step, r.WEstimate, r.DLoss)
				}
				if len(c.v.DTerms) > 0 && !(r.Term("grad_norm") > 0) {
					t.Errorf("WGAN-GP step %d: gradient norm %g not recorded", r.Step, r.Term("grad_norm"))
				}
			}
			if len(c.v.DConstraints) > 0 {
				for name, vals := range tr.VariableValues(gan.DiscriminatorScope) {
					for _, x := range vals {
						if math.Abs(float64(x)) > wgan.ClipValue+1e-9 {
							t.Fatalf("critic variable %s holds %g", name, x)
						}
					}
				}
			}
		})
	}
}

// Result is what TestTrainMNIST measures for one variant (written to <dir>/result.json).
type Result struct {
	Variant   string  `json:"variant"`
	Steps     int     `json:"steps"`
	MsPerStep float64 `json:"ms_per_step"`
	FD        float64 `json:"fd"`
	FDFloor   float64 `json:"fd_floor"`
	FirstW    float64 `json:"first_w"` // mean W estimate over the first 10 % of steps
	LastW     float64 `json:"last_w"`  // and over the last 10 %
	MeanNorm  float64 `json:"mean_grad_norm_last"`
}

// TestTrainMNIST trains WGAN (clipping) and then WGAN-GP for the same number of generator steps on MNIST and
// measures: the Fréchet distance (metrics classifier features, 5,000 samples against the 10,000 test images) of
// each, WGAN-GP's expected to be lower; WGAN's W estimate falling from the first to the last 10 % of training;
// WGAN-GP's mean ‖∇f(x̂)‖ near 1. Plots in each run folder. Off unless WGAN_STEPS is set (e.g. 2000); run folders
// out/runs/family/{wgan,wgan-gp} resume from their checkpoints.
//
//	WGAN_STEPS=2000 nice -n 5 go test -run TrainMNIST -timeout 5h -v ./ganlib/models/wgangp
func TestTrainMNIST(t *testing.T) {
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
	var results []Result
	for _, c := range []struct {
		v   gan.Variant
		cfg gan.Config
	}{{wgan.New(28, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 64}}}, {wgangp.New(28, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 64}}}} {
		dir := filepath.Join(project.Home(), "out", "runs", "family", c.v.Name)
		if only != "" && only != c.v.Name {
			if raw, err := os.ReadFile(filepath.Join(dir, "result.json")); err == nil {
				var r Result
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
		res := Result{Variant: c.v.Name, Steps: tr.Step()}
		if n1 > n0 {
			res.MsPerStep = float64(time.Since(t0).Milliseconds()) / float64(n1-n0)
		} else if raw, err := os.ReadFile(filepath.Join(dir, "result.json")); err == nil {
			var old Result
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
		if res.FD, err = wgan.Frechet(tr, clf, testFeats, test.N, n, 11); err != nil {
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
		png, err := wgan.CurvePNG(h, smooth, c.v.Name+": the critic's Wasserstein estimate", "E[f(x)] − E[f(G(z))]", math.NaN(),
			wgan.Curve{Name: "W estimate", Value: wgan.WEstimate})
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "w-estimate.png"), png, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(c.v.DTerms) > 0 {
			png, err := wgan.CurvePNG(h, smooth, "WGAN-GP: mean ‖grad f(x̂)‖₂", "norm", 1, wgan.Curve{Name: "mean ‖grad f(x̂)‖", Value: wgan.GradNorm})
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
