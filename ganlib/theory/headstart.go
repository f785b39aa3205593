package theory

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// HeadStart is notebook 02's saturation experiment on the ring: the same G and D (same seed, so the same initial
// weights) trained once with the saturating (minimax) and once with the non-saturating generator loss, after D has
// learned alone for DSteps steps (G frozen) so that it rejects G's samples confidently, as early in real training.
// Then both players train for Steps steps: D with Adam as in ModesExperiment, G with GOptimizer at GLR.
type HeadStart struct {
	Dir    string          `json:"-"`
	Ring   ModesExperiment `json:"ring"` // data, networks, batch, D's learning rate; Seeds[0] is the seed
	DSteps int             `json:"d_steps"`
	Steps  int             `json:"steps"`
	// GOptimizer is G's optimizer, "sgd" by default (the paper's family): "adam" divides each step by the
	// gradient's running size, and so hides much of the difference between the losses.
	GOptimizer string  `json:"g_optimizer"`
	GLR        float64 `json:"g_lr"`
	// TraceEvery steps, G's mean distance to the nearest mode is measured on TraceSamples draws.
	TraceEvery   int  `json:"trace_every"`
	TraceSamples int  `json:"trace_samples"`
	Fresh        bool `json:"-"`
}

// DefaultHeadStart returns the notebook's saturation experiment on the ring of DefaultModes, writing into dir.
func DefaultHeadStart(dir string, quick bool) HeadStart {
	h := HeadStart{Dir: dir, Ring: DefaultModes(dir, quick), DSteps: 500, Steps: 600, GOptimizer: "sgd", GLR: 0.05, TraceEvery: 20, TraceSamples: 1000}
	if quick {
		h.DSteps, h.Steps, h.Fresh = 300, 200, true
	}
	return h
}

// HeadStartPoint is one measurement of a HeadStart run.
type HeadStartPoint struct {
	Step int `json:"step"`
	// GGrad is the mean ‖∂ℓ_i/∂G(z_i)‖ of G's last step (GGradTerm), DFake the mean D(G(z)) of D's last step.
	GGrad float64 `json:"g_grad"`
	DFake float64 `json:"d_fake"`
	// Dist is the mean distance of G's samples to their nearest mode.
	Dist float64 `json:"dist"`
}

// HeadStartRun is one loss's run.
type HeadStartRun struct {
	Loss   string           `json:"loss"`
	Trace  []HeadStartPoint `json:"trace"`
	Final  Coverage         `json:"final"`
	Points []float32        `json:"points"`
}

// meanDist is the mean distance of the points xy (x₀, y₀, …) to their nearest centre.
func meanDist(xy []float32, centres [][2]float64) float64 {
	var sum float64
	for i := 0; i < len(xy); i += 2 {
		best := math.Inf(1)
		for _, m := range centres {
			best = math.Min(best, math.Hypot(float64(xy[i])-m[0], float64(xy[i+1])-m[1]))
		}
		sum += best
	}
	return sum / float64(len(xy)/2)
}

const headStartFile = "headstart.json"

// Run trains both losses (saved in Dir/headstart.json and reused unless Fresh or the settings changed).
func (h HeadStart) Run() ([]HeadStartRun, error) {
	path := filepath.Join(h.Dir, headStartFile)
	settings, _ := json.Marshal(h)
	type saved struct {
		Settings json.RawMessage `json:"settings"`
		Runs     []HeadStartRun  `json:"runs"`
	}
	if raw, err := os.ReadFile(path); err == nil && !h.Fresh {
		var s saved
		if json.Unmarshal(raw, &s) == nil && string(s.Settings) == string(settings) {
			fmt.Printf("Reusing the runs in %s.\n", path)
			return s.Runs, nil
		}
	}
	if len(h.Ring.Seeds) == 0 {
		return nil, errNoSeeds
	}
	if h.DSteps < 1 || h.Steps < 1 || h.TraceEvery < 1 {
		return nil, fmt.Errorf("theory.HeadStart: want DSteps, Steps and TraceEvery ≥ 1, got %d, %d, %d", h.DSteps, h.Steps, h.TraceEvery)
	}
	e, seed := h.Ring, h.Ring.Seeds[0]
	var runs []HeadStartRun
	for _, loss := range []gan.Loss{gan.Minimax(), gan.NonSaturating()} {
		v := e.Variants()[0] // the vanilla GAN's networks and D optimizer
		v.Name, v.Loss, v.GTerms = loss.Name, loss, []gan.Term{GGradTerm(loss)}
		// G's learning rate is 0 until D's head start is over, so that both runs face the same D and the same G.
		tr, err := e.newTrainer(v, seed, gan.Settings{"generator/optimizer": h.GOptimizer, "generator/learning_rate": 0.0})
		if err != nil {
			return nil, err
		}
		run := HeadStartRun{Loss: loss.Name}
		progress := nbui.NewProgress(loss.Name, 1+h.DSteps+h.Steps)
		measure := func(t *gan.Trainer, r gan.Record) error {
			progress.Update(r.Step, fmt.Sprintf("%s, step %d, D(G(z)) %.2g", loss.Name, r.Step, r.DFake))
			if rel := r.Step - 1 - h.DSteps; rel > 1 && rel%h.TraceEvery != 0 {
				return nil
			}
			pts, err := t.RandomSamples(h.TraceSamples, 77)
			if err != nil {
				return err
			}
			run.Trace = append(run.Trace, HeadStartPoint{Step: r.Step - 1 - h.DSteps, GGrad: r.Term("g_grad"), DFake: r.DFake,
				Dist: meanDist(pts, e.Data.Centers())})
			return nil
		}
		if err := tr.Train(1 + h.DSteps); err != nil {
			return nil, err
		}
		if _, err := SetLearningRate(tr, gan.GeneratorScope, h.GLR); err != nil {
			return nil, err
		}
		if err := measure(tr, tr.History[len(tr.History)-1]); err != nil { // step 0: after D's head start
			return nil, err
		}
		if err := tr.Train(1+h.DSteps+h.Steps, measure); err != nil {
			return nil, err
		}
		progress.Finish("done")
		if run.Points, err = tr.RandomSamples(e.Samples, seed+1000); err != nil {
			return nil, err
		}
		if run.Final, err = e.Data.Measure(run.Points, e.MinShare); err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	raw, err := json.Marshal(saved{Settings: settings, Runs: runs})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(h.Dir, 0o755); err != nil {
		return nil, err
	}
	return runs, project.WriteFileAtomic(path, raw)
}
