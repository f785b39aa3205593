package theory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/models/wgangp"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// ModesExperiment is notebook 02's mode-collapse experiment: the vanilla GAN (non-saturating loss) and WGAN-GP
// trained on the same Ring with the same networks, the same number of generator steps and the same seeds, then
// measured by Ring.Measure on Samples draws of G.
type ModesExperiment struct {
	// Dir is the run folder (modes.json).
	Dir  string `json:"-"`
	Data Ring   `json:"data"`
	// Hidden units per layer of G and D, LatentDim the size of z.
	Hidden    int `json:"hidden"`
	LatentDim int `json:"latent_dim"`
	// DataN real points form the training set.
	DataN int `json:"data_n"`
	// Batch, and Steps generator steps for every variant.
	Batch int `json:"batch"`
	Steps int `json:"steps"`
	// The last Anneal of those steps use LR/10 for both players (as in the Figure 1 run), so that the samples
	// settle onto the modes instead of circling around them.
	Anneal int `json:"anneal"`
	// LR is Adam's learning rate for both players of both variants. The vanilla GAN takes one D step per G step
	// with β = (0.5, 0.999) (DCGAN's); WGAN-GP CriticSteps critic steps with β = (0.5, 0.9) and λ = 10 (the
	// settings of Gulrajani et al.'s toy experiments, whose code uses these β).
	LR          float64  `json:"lr"`
	CriticSteps int      `json:"critic_steps"`
	Seeds       []uint64 `json:"seeds"`
	// Samples of G are measured after training; MinShare is Ring.Measure's threshold for a covered mode.
	Samples  int     `json:"samples"`
	MinShare float64 `json:"min_share"`
	// Fresh: train again even when Dir holds a result of the same settings.
	Fresh bool `json:"-"`
}

// DefaultModes returns the notebook's experiment, writing into dir; quick mode trains fewer steps on fewer seeds.
func DefaultModes(dir string, quick bool) ModesExperiment {
	e := ModesExperiment{
		Dir: dir, Data: LiteratureRing(), Hidden: 128, LatentDim: 2, DataN: 20000, Batch: 256, Steps: 2000, Anneal: 500,
		LR: 1e-3, CriticSteps: 5, Seeds: []uint64{1, 2, 3, 4, 5}, Samples: 2500, MinShare: 0.25 / 8,
	}
	if quick {
		e.Steps, e.Anneal, e.Seeds, e.Fresh = 200, 50, []uint64{1, 2}, true
	}
	return e
}

// Variants returns the two GANs compared: "vanilla GAN" (gan.NonSaturating) and "WGAN-GP" (gan.Wasserstein with
// wgangp.Penalty), on Variant2D's networks.
func (e ModesExperiment) Variants() []gan.Variant {
	adam := func(beta2 float64, k int) gan.Settings {
		return gan.Settings{"optimizer": "adam", "learning_rate": e.LR, "adam_beta1": 0.5, "adam_beta2": beta2,
			gan.SettingCriticSteps: k, gan.SettingBatchSize: e.Batch}
	}
	gp := adam(0.9, e.CriticSteps)
	gp[wgangp.ParamLambda] = float64(wgangp.Lambda)
	return []gan.Variant{
		Variant2D("vanilla GAN", e.Hidden, e.LatentDim, gan.NonSaturating(), nil, adam(0.999, 1)),
		Variant2D("WGAN-GP", e.Hidden, e.LatentDim, gan.Wasserstein(), []gan.Term{wgangp.Penalty}, gp),
	}
}

// newTrainer builds a trainer of v on the ring's DataN points (drawn from seed), with extra settings.
func (e ModesExperiment) newTrainer(v gan.Variant, seed uint64, extra gan.Settings) (*gan.Trainer, error) {
	if err := e.Data.Validate(); err != nil {
		return nil, err
	}
	b, _, err := backend.Default()
	if err != nil {
		return nil, err
	}
	tr, err := gan.New(b, v, gan.Config{Seed: seed, Settings: extra})
	if err != nil {
		return nil, err
	}
	real := e.Data.Sample(rand.New(rand.NewPCG(seed, 0xDA7A)), e.DataN)
	// SetData's map from [−1, 1] to [−1, 1] is the identity: G's linear output is in data units.
	return tr, tr.SetData(real, e.DataN, 1, 2, 1, -1, 1)
}

// ModesRun is one trained GAN of the experiment.
type ModesRun struct {
	Variant  string   `json:"variant"`
	Seed     uint64   `json:"seed"`
	Coverage Coverage `json:"coverage"`
	Seconds  float64  `json:"seconds"`
	// Points are G's samples (x₀, y₀, …), for the scatter plot.
	Points []float32 `json:"points"`
}

// ModesResult is what Run returns and saves.
type ModesResult struct {
	Settings ModesExperiment `json:"settings"`
	Runs     []ModesRun      `json:"runs"`
	// Real is a sample of p_data of the same size, measured like G's (the best a generator can score).
	Real    []float32 `json:"real"`
	RealCov Coverage  `json:"real_coverage"`
	Seconds float64   `json:"seconds"`
}

const modesFile = "modes.json"

// LoadModes reads the result of an earlier ModesExperiment.Run from dir.
func LoadModes(dir string) (*ModesResult, error) {
	raw, err := os.ReadFile(filepath.Join(dir, modesFile))
	if err != nil {
		return nil, fmt.Errorf("no result of the ring experiment in %s yet (run the training cell first): %w", dir, err)
	}
	var r ModesResult
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, modesFile), err)
	}
	r.Settings.Dir = dir
	return &r, nil
}

// Run trains every variant on every seed for Steps generator steps and measures G's samples; the result is saved in
// Dir/modes.json and reused when Dir holds one of the same settings (unless Fresh).
func (e ModesExperiment) Run() (*ModesResult, error) {
	if len(e.Seeds) == 0 {
		return nil, errNoSeeds
	}
	if e.Steps < 1 || e.Anneal < 0 || e.Anneal >= e.Steps {
		return nil, fmt.Errorf("theory.ModesExperiment: want Steps ≥ 1 and 0 ≤ Anneal < Steps, got %d and %d", e.Steps, e.Anneal)
	}
	settings, _ := json.Marshal(e)
	if !e.Fresh {
		if r, err := LoadModes(e.Dir); err == nil {
			if old, _ := json.Marshal(r.Settings); bytes.Equal(old, settings) {
				fmt.Printf("Reusing the runs in %s (trained in %.0f s); delete the folder to train again.\n", e.Dir, r.Seconds)
				return r, nil
			}
		}
	}
	start := time.Now()
	r := &ModesResult{Settings: e, Real: e.Data.Sample(rand.New(rand.NewPCG(0, 0x5EE)), e.Samples)}
	var err error
	if r.RealCov, err = e.Data.Measure(r.Real, e.MinShare); err != nil {
		return nil, err
	}
	variants := e.Variants()
	progress := nbui.NewProgress("ring: vanilla GAN and WGAN-GP", len(e.Seeds)*len(variants)*e.Steps)
	done := 0
	for _, seed := range e.Seeds {
		for _, v := range variants {
			t0 := time.Now()
			tr, err := e.newTrainer(v, seed, nil)
			if err != nil {
				return nil, err
			}
			show := func(_ *gan.Trainer, rec gan.Record) error {
				progress.Update(done+rec.Step, fmt.Sprintf("%s, seed %d, step %d", v.Name, seed, rec.Step))
				return nil
			}
			if err := tr.Train(e.Steps-e.Anneal, show); err != nil {
				return nil, err
			}
			if err := scaledLR(tr, 0.1, func() error { return tr.Train(e.Steps, show) }); err != nil {
				return nil, err
			}
			done += e.Steps
			pts, err := tr.RandomSamples(e.Samples, seed+1000)
			if err != nil {
				return nil, err
			}
			run := ModesRun{Variant: v.Name, Seed: seed, Seconds: time.Since(t0).Seconds(), Points: pts}
			if run.Coverage, err = e.Data.Measure(pts, e.MinShare); err != nil {
				return nil, err
			}
			r.Runs = append(r.Runs, run)
		}
	}
	progress.Finish("done")
	r.Seconds = time.Since(start).Seconds()
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(e.Dir, 0o755); err != nil {
		return nil, err
	}
	return r, project.WriteFileAtomic(filepath.Join(e.Dir, modesFile), raw)
}

// Table is the result over seeds as Markdown-like text: one row per seed and variant, then each variant's mean
// and standard deviation of modes covered and high-quality share, and the seconds one run took.
func (r *ModesResult) Table() string {
	var b strings.Builder
	modes := r.Settings.Data.Modes
	fmt.Fprintf(&b, "%-12s %5s %14s %13s %8s\n", "variant", "seed", "modes covered", "high quality", "seconds")
	for _, run := range r.Runs {
		fmt.Fprintf(&b, "%-12s %5d %11d/%d %12.1f%% %8.1f\n", run.Variant, run.Seed, run.Coverage.Covered, modes,
			100*run.Coverage.HighQuality, run.Seconds)
	}
	for _, name := range r.variantNames() {
		var cov, hq, sec []float64
		for _, run := range r.Runs {
			if run.Variant == name {
				cov = append(cov, float64(run.Coverage.Covered))
				hq = append(hq, 100*run.Coverage.HighQuality)
				sec = append(sec, run.Seconds)
			}
		}
		mc, sc := meanStd(cov)
		mh, sh := meanStd(hq)
		ms, _ := meanStd(sec)
		fmt.Fprintf(&b, "%-12s %5s %7.1f ± %.1f %7.1f ± %4.1f%% %8.1f   (mean ± std over %d seeds)\n", name, "all", mc, sc, mh, sh, ms, len(cov))
	}
	fmt.Fprintf(&b, "%-12s %5s %11d/%d %12.1f%%            (%d samples of p_data itself)\n", "p_data", "-", r.RealCov.Covered, modes,
		100*r.RealCov.HighQuality, r.RealCov.N)
	return b.String()
}

// FewestModes returns the seed on which variant covered the fewest modes (the first such seed; the first seed of
// all when variant has no run).
func (r *ModesResult) FewestModes(variant string) uint64 {
	seed, fewest := r.Settings.Seeds[0], math.MaxInt
	for _, run := range r.Runs {
		if run.Variant == variant && run.Coverage.Covered < fewest {
			seed, fewest = run.Seed, run.Coverage.Covered
		}
	}
	return seed
}

func (r *ModesResult) variantNames() []string {
	var names []string
	for _, run := range r.Runs {
		seen := false
		for _, n := range names {
			seen = seen || n == run.Variant
		}
		if !seen {
			names = append(names, run.Variant)
		}
	}
	return names
}

// meanStd returns the mean and the sample standard deviation (0 for fewer than two values).
func meanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)-1))
}
