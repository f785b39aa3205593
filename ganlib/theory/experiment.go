package theory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// Experiment holds the settings of the 1-D runs of notebook 02. Default gives the notebook's values.
type Experiment struct {
	// Dir is the run folder: result.json, losses.json and the trainer's checkpoints.
	Dir string `json:"-"`
	// Data is p_data.
	Data Mixture `json:"data"`
	// Lo and Hi: the x range of every plot and integral (it must hold the data). x is given to the trainer as
	// it is (gan.Trainer.SetData's map from [−1, 1] to [−1, 1] is the identity): G's output layer is linear, not a
	// tanh, so G can reach every mode, and D sees x in the units of the plots.
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	// Hidden units per layer of G and D (Variant1D).
	Hidden int `json:"hidden"`
	// DataN real samples form the training set.
	DataN int `json:"data_n"`
	// Batch size and seed of the trainer.
	Batch int    `json:"batch"`
	Seed  uint64 `json:"seed"`
	// CriticSteps is k of Algorithm 1: D steps per G step.
	CriticSteps int `json:"critic_steps"`
	// LR is Adam's learning rate for both players (β1 = 0.5, β2 = 0.999 as in the lecture).
	LR float64 `json:"lr"`
	// Figure 1's schedule, in generator steps: StepsA of ordinary training, then InnerD steps in which only D
	// learns (G frozen: panel (b)), then GSteps in which only G learns (D frozen: panel (c)), then ordinary
	// training up to Steps in total (panel (d)).
	// The last Anneal of those steps use LR/10 for both players, so that the game settles instead of circling.
	StepsA int `json:"steps_a"`
	InnerD int `json:"inner_d"`
	GSteps int `json:"g_steps"`
	Steps  int `json:"steps"`
	Anneal int `json:"anneal"`
	// TraceEvery: JSD and mean |D − ½| are measured every TraceEvery steps.
	TraceEvery int `json:"trace_every"`
	// Samples of G(z) for each panel's KDE of p_g (TraceSamples for the trace), with Bandwidth h in data units.
	Samples      int     `json:"samples"`
	TraceSamples int     `json:"trace_samples"`
	Bandwidth    float64 `json:"bandwidth"`
	// GridN points on [Lo, Hi] for densities, D and integrals; ZLines values of z drawn as x = G(z) arrows.
	GridN  int `json:"grid_n"`
	ZLines int `json:"z_lines"`
	// CoreSigmas: D is compared with D* within CoreSigmas standard deviations of a mode ("where the data has
	// mass"; G's bounded output cannot reach the far tails, where D* = 1).
	CoreSigmas float64 `json:"core_sigmas"`
	// Fresh: train again even when Dir holds a result of the same settings.
	Fresh bool `json:"-"`
}

// Default returns the notebook's experiment, writing into dir. Quick mode (tests) trains for fewer steps and
// estimates densities from fewer samples.
func Default(dir string, quick bool) Experiment {
	e := Experiment{
		Dir: dir, Data: LectureMixture(), Lo: -5, Hi: 5, Hidden: 64, DataN: 50000, Batch: 512, Seed: 2014,
		CriticSteps: 3, LR: 1e-3, StepsA: 300, InnerD: 1000, GSteps: 2, Steps: 12000, Anneal: 3000, TraceEvery: 200,
		Samples: 50000, TraceSamples: 10000, Bandwidth: 0.06, GridN: 401, ZLines: 41, CoreSigmas: 1.5,
	}
	if quick {
		e.Steps, e.Anneal, e.TraceEvery, e.Samples, e.TraceSamples = 3000, 1000, 100, 20000, 5000
		e.Fresh = true
	}
	return e
}

// Snapshot is what one panel of Figure 1 shows, on the grid X (data units).
type Snapshot struct {
	Label string    `json:"label"`
	Step  int       `json:"step"`
	X     []float64 `json:"x"`
	PData []float64 `json:"p_data"` // exact
	PG    []float64 `json:"p_g"`    // KDE of Samples values of G(z)
	D     []float64 `json:"d"`      // the trained D(x)
	DStar []float64 `json:"d_star"` // p_data/(p_data+p_g)
	// Z are evenly spaced z in [−1, 1] and GZ = G(z) in data units: the arrows of Figure 1.
	Z  []float64 `json:"z"`
	GZ []float64 `json:"gz"`
	// Region is where the data has mass (within CoreSigmas σ of a mode), RegionMass p_data's mass there, MaxDev
	// the largest |D − D*| over grid points in Region and MeanDev the mean of |D − D*| over p_data there.
	Region     []Interval `json:"region"`
	RegionMass float64    `json:"region_mass"`
	MaxDev     float64    `json:"max_dev"`
	MeanDev    float64    `json:"mean_dev"`
	// JSD(p_data‖p_g) in nats, and E_{x~p_data}|D(x) − ½|.
	JSD      float64 `json:"jsd"`
	MeanDOff float64 `json:"mean_abs_d_minus_half"`
}

// TracePoint is one measurement during training.
type TracePoint struct {
	Step     int     `json:"step"`
	Phase    string  `json:"phase"`
	JSD      float64 `json:"jsd"`
	MeanDOff float64 `json:"mean_abs_d_minus_half"`
	DReal    float64 `json:"d_real"` // the trainer's mean D(x) on the last real batch
	DFake    float64 `json:"d_fake"` // and mean D(G(z)) on the last fake batch
}

// Result is the outcome of Run: the four panels, the trace, and the estimator's floor.
type Result struct {
	Settings Experiment   `json:"settings"`
	Panels   []Snapshot   `json:"panels"`
	Trace    []TracePoint `json:"trace"`
	// FloorJSD is the JSD this estimator reports for a perfect generator: p_data against the KDE of Samples real
	// draws (same bandwidth). Estimated JSDs below it mean nothing.
	FloorJSD float64 `json:"floor_jsd"`
	Seconds  float64 `json:"seconds"`
}

// NewTrainer builds the trainer of the experiment with the given loss pair, Adam(LR, β1 0.5) for D and gOpt for G
// (nil: the same Adam), on the default backend, with the real samples set.
func (e Experiment) NewTrainer(loss gan.Loss, settings gan.Settings) (*gan.Trainer, error) {
	if err := e.Data.Validate(); err != nil {
		return nil, err
	}
	b, _, err := backend.Default()
	if err != nil {
		return nil, err
	}
	all := gan.Settings{gan.SettingBatchSize: e.Batch, gan.SettingCriticSteps: max(e.CriticSteps, 1), "learning_rate": e.LR}
	maps.Copy(all, settings)
	tr, err := gan.New(b, Variant1D(e.Hidden, loss), gan.Config{Seed: e.Seed, Settings: all})
	if err != nil {
		return nil, err
	}
	real := e.Data.Sample(rand.New(rand.NewPCG(e.Seed, 0xDA7A)), e.DataN)
	px := make([]float32, len(real))
	for i, v := range real {
		px[i] = float32(v)
	}
	if err := tr.SetData(px, len(px), 1, 1, 1, -1, 1); err != nil {
		return nil, err
	}
	return tr, nil
}

// SetLearningRate sets the learning rate of one player's optimizer (player gan.DiscriminatorScope or
// gan.GeneratorScope; the optimizer keeps it under the player's scope) and returns the previous one. With 0 that
// player is frozen: the trainer's steps go on, but only the other player learns. The optimizer's variables exist
// once the trainer has taken a step.
func SetLearningRate(tr *gan.Trainer, player string, lr float64) (float64, error) {
	key := player + "/learning_rate"
	prev, _ := tr.Setting(key).(float64)
	return prev, tr.Set(key, lr)
}

// samplesOfG returns n values of G(z) in data units, from noise seeded by seed.
func (e Experiment) samplesOfG(tr *gan.Trainer, n int, seed uint64) ([]float64, error) {
	raw, err := tr.RandomSamples(n, seed)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(raw))
	for i, v := range raw {
		out[i] = float64(v)
	}
	return out, nil
}

// dOn returns D(x) on the grid xs (data units).
func (e Experiment) dOn(tr *gan.Trainer, xs []float64) ([]float64, error) {
	in := make([]float32, len(xs))
	for i, x := range xs {
		in[i] = float32(x)
	}
	d, err := tr.Discriminate(in)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	return out, nil
}

// Measure takes a snapshot of the trainer's G and D: p_g from n samples, D, D*, the arrows, JSD, |D − D*|.
func (e Experiment) Measure(tr *gan.Trainer, label string, n int) (Snapshot, error) {
	xs, dx := Grid(e.Lo, e.Hi, e.GridN)
	s := Snapshot{Label: label, Step: tr.Step(), X: xs, PData: e.Data.On(xs)}
	gz, err := e.samplesOfG(tr, n, uint64(tr.Step())+1)
	if err != nil {
		return s, err
	}
	s.PG = NewKDE(gz, e.Bandwidth).On(xs)
	if s.D, err = e.dOn(tr, xs); err != nil {
		return s, err
	}
	s.DStar = make([]float64, len(xs))
	s.Region = e.Data.Core(e.CoreSigmas)
	s.RegionMass = e.Data.Mass(s.Region)
	off := make([]float64, len(xs))
	dev := make([]float64, len(xs))
	inside := make([]float64, len(xs))
	for i, x := range xs {
		s.DStar[i] = OptimalD(s.PData[i], s.PG[i])
		off[i] = s.PData[i] * math.Abs(s.D[i]-0.5)
		for _, iv := range s.Region {
			if iv.Contains(x) {
				s.MaxDev = math.Max(s.MaxDev, math.Abs(s.D[i]-s.DStar[i]))
				dev[i] = s.PData[i] * math.Abs(s.D[i]-s.DStar[i])
				inside[i] = s.PData[i]
			}
		}
	}
	s.MeanDev = Integrate(dev, dx) / Integrate(inside, dx)
	s.MeanDOff = Integrate(off, dx) / Integrate(s.PData, dx)
	s.JSD = JSD(s.PData, s.PG, dx)
	if e.ZLines > 1 {
		z := make([]float32, e.ZLines)
		for i := range z {
			z[i] = float32(-1 + 2*float64(i)/float64(e.ZLines-1))
			s.Z = append(s.Z, float64(z[i]))
		}
		g, err := tr.Generate(z)
		if err != nil {
			return s, err
		}
		for _, v := range g {
			s.GZ = append(s.GZ, float64(v))
		}
	}
	return s, nil
}

// FloorJSD is the JSD the estimator reports for a perfect generator: p_data against the KDE of n real draws.
func (e Experiment) FloorJSD(n int) float64 {
	xs, dx := Grid(e.Lo, e.Hi, e.GridN)
	real := e.Data.Sample(rand.New(rand.NewPCG(e.Seed, 0xF100)), n)
	return JSD(e.Data.On(xs), NewKDE(real, e.Bandwidth).On(xs), dx)
}

func (e Experiment) settingsJSON() []byte {
	b, _ := json.Marshal(e)
	return b
}

const resultFile = "result.json"

// LoadResult reads the result of an earlier Run from dir.
func LoadResult(dir string) (*Result, error) {
	raw, err := os.ReadFile(filepath.Join(dir, resultFile))
	if err != nil {
		return nil, fmt.Errorf("no result of the 1-D experiment in %s yet (run the training cell first): %w", dir, err)
	}
	var r Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, resultFile), err)
	}
	r.Settings.Dir = dir
	return &r, nil
}

// trainPhase trains to step total, measuring the trace every TraceEvery steps.
func (e Experiment) trainPhase(tr *gan.Trainer, phase string, total int, trace *[]TracePoint, progress *nbui.Progress) error {
	var status string
	return tr.Train(total, func(t *gan.Trainer, r gan.Record) error {
		status = fmt.Sprintf("%s · D loss %.3f · G loss %.3f · D(x) %.2f · D(G(z)) %.2f", phase, r.DLoss, r.GLoss, r.DReal, r.DFake)
		if progress != nil {
			progress.Update(r.Step, status)
		}
		if trace != nil && (r.Step%e.TraceEvery == 0 || r.Step == total) {
			s, err := e.Measure(t, "", e.TraceSamples)
			if err != nil {
				return err
			}
			*trace = append(*trace, TracePoint{Step: r.Step, Phase: phase, JSD: s.JSD, MeanDOff: s.MeanDOff, DReal: r.DReal, DFake: r.DFake})
		}
		return nil
	})
}

// frozen runs fn with one player's learning rate set to 0, restoring it after.
func frozen(tr *gan.Trainer, player string, fn func() error) error {
	old, err := SetLearningRate(tr, player, 0)
	if err != nil {
		return err
	}
	ferr := fn()
	if _, err := SetLearningRate(tr, player, old); err != nil {
		return err
	}
	return ferr
}

// scaledLR runs fn with both players' learning rates multiplied by f, restoring them after.
func scaledLR(tr *gan.Trainer, f float64, fn func() error) error {
	var olds []float64
	scopes := []string{gan.DiscriminatorScope, gan.GeneratorScope}
	for _, sc := range scopes {
		old, err := SetLearningRate(tr, sc, 0)
		if err != nil {
			return err
		}
		if _, err := SetLearningRate(tr, sc, old*f); err != nil {
			return err
		}
		olds = append(olds, old)
	}
	ferr := fn()
	for i, sc := range scopes {
		if _, err := SetLearningRate(tr, sc, olds[i]); err != nil {
			return err
		}
	}
	return ferr
}

// Run trains the 1-D GAN on Figure 1's schedule and returns the four panels and the trace; the result is saved in
// Dir (result.json, with a checkpoint of the final trainer) and reused when Dir already holds a result of the
// same settings (unless Fresh).
//
//	(a) after StepsA ordinary steps: p_g partly like p_data, D a partly accurate classifier;
//	(b) after InnerD more steps of D alone (G frozen): D has approached D* = p_data/(p_data+p_g);
//	(c) after GSteps steps of G alone (D frozen): G(z) has moved toward where D says "data";
//	(d) after ordinary training to Steps: p_g ≈ p_data and D ≈ ½.
func (e Experiment) Run() (*Result, error) {
	if !e.Fresh {
		if r, err := LoadResult(e.Dir); err == nil && bytes.Equal(r.Settings.settingsJSON(), e.settingsJSON()) {
			fmt.Printf("Reusing the run in %s (trained in %.0f s); delete the folder to train again.\n", e.Dir, r.Seconds)
			return r, nil
		}
	}
	if e.StepsA < 1 || e.Anneal < 0 || e.Steps < e.StepsA+e.InnerD+e.GSteps+e.Anneal {
		return nil, errors.New("theory.Experiment: want StepsA ≥ 1 and Steps ≥ StepsA+InnerD+GSteps+Anneal")
	}
	if err := os.RemoveAll(e.Dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(e.Dir, 0o755); err != nil {
		return nil, err
	}
	start := time.Now()
	tr, err := e.NewTrainer(gan.NonSaturating(), nil)
	if err != nil {
		return nil, err
	}
	r := &Result{Settings: e}
	r.FloorJSD = e.FloorJSD(e.Samples)
	progress := nbui.NewProgress("1-D GAN, Figure 1 schedule", e.Steps)
	snap := func(label string) error {
		s, err := e.Measure(tr, label, e.Samples)
		r.Panels = append(r.Panels, s)
		return err
	}
	var trace []TracePoint
	if s, err := e.Measure(tr, "", e.TraceSamples); err == nil {
		trace = append(trace, TracePoint{Step: 0, Phase: "init", JSD: s.JSD, MeanDOff: s.MeanDOff})
	} else {
		return nil, err
	}
	steps := []struct {
		phase, label string
		to           int
		freeze       string
	}{
		{"train", "(a) partway", e.StepsA, ""},
		{"D only", "(b) D trained, G frozen", e.StepsA + e.InnerD, gan.GeneratorScope},
		{"G only", "(c) G updated, D frozen", e.StepsA + e.InnerD + e.GSteps, gan.DiscriminatorScope},
		{"train", "", e.Steps - e.Anneal, ""},
		{"anneal", "(d) converged", e.Steps, ""},
	}
	for _, st := range steps {
		run := func() error { return e.trainPhase(tr, st.phase, st.to, &trace, progress) }
		switch {
		case st.freeze != "":
			err = frozen(tr, st.freeze, run)
		case st.phase == "anneal":
			err = scaledLR(tr, 0.1, run)
		default:
			err = run()
		}
		if err != nil {
			return nil, err
		}
		if st.label == "" {
			continue
		}
		if err := snap(st.label); err != nil {
			return nil, err
		}
		p := r.Panels[len(r.Panels)-1]
		fmt.Printf("%-24s step %5d  JSD %.4f  max|D−D*| %.3f  E|D−½| %.3f\n", st.label, p.Step, p.JSD, p.MaxDev, p.MeanDOff)
	}
	progress.Finish("done")
	r.Trace = trace
	r.Seconds = time.Since(start).Seconds()
	if _, err := tr.Save(e.Dir, 1, map[string]string{"model": "gan1d", "experiment": "figure1"}); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return r, project.WriteFileAtomic(filepath.Join(e.Dir, resultFile), raw)
}

// RangeOfD returns the smallest and largest D(x) over the grid points inside the snapshot's Region (where the data
// has mass), or with inside false over the grid points outside it.
func (s Snapshot) RangeOfD(inside bool) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i, x := range s.X {
		in := false
		for _, iv := range s.Region {
			in = in || iv.Contains(x)
		}
		if in == inside {
			lo, hi = math.Min(lo, s.D[i]), math.Max(hi, s.D[i])
		}
	}
	return lo, hi
}
