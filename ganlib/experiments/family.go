package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/lab"
)

// FamilyBudgets are notebook 05's runs in generator steps. The paper-scale budgets are the ones whose goals the
// notebook checks (docs/family-runs.md); the lesson's are sized to train all five in about ten minutes on 2 cores.
var FamilyBudgets = map[string]Budget{
	"cgan":         {Quick: 40, Lesson: 1500, Paper: 6000},
	"wgan":         {Quick: 8, Lesson: 400, Paper: 1500},
	"wgan-gp":      {Quick: 8, Lesson: 400, Paper: 1500},
	"infogan":      {Quick: 40, Lesson: 1500, Paper: 10000},
	"infogan-augq": {Quick: 40, Lesson: 1500, Paper: 20000},
}

// FamilyRun is one of notebook 05's runs: a variant trained on MNIST train in the run folder
// Scale.RunDir("05_gan_family/<Name>"), with a checkpoint every 250 steps.
type FamilyRun struct {
	Scale   Scale
	Name    string // a key of FamilyBudgets
	Variant gan.Variant
	Config  gan.Config
}

// Dir is the run's folder.
func (r FamilyRun) Dir() string { return r.Scale.RunDir("05_gan_family/" + r.Name) }

// Steps is the run's budget at its scale.
func (r FamilyRun) Steps() (int, error) {
	b, ok := FamilyBudgets[r.Name]
	if !ok {
		return 0, fmt.Errorf("family run %q: no budget; the runs are cgan, wgan, wgan-gp, infogan and infogan-augq", r.Name)
	}
	return b.At(r.Scale), nil
}

// Train trains the run (resuming or reloading its folder; quick mode starts afresh) and prints one line: the steps
// trained, the batch, the critic steps per generator step and the time per generator step.
func (r FamilyRun) Train(mnist *data.Images) (*gan.Trainer, Timing, error) {
	steps, err := r.Steps()
	if err != nil {
		return nil, Timing{}, err
	}
	s := &lab.Session{Dir: r.Dir(), Variant: r.Variant, Config: r.Config, Data: mnist, Steps: steps,
		CheckpointEvery: 250, Quiet: true, GridRows: 10, GridCols: 10, Fresh: r.Scale == Quick}
	tr, t, err := TrainTimed(s)
	if err != nil {
		return tr, t, err
	}
	fmt.Printf("%s: %d generator steps (batch %d; %d critic step(s) per generator step), %s on this machine\n",
		r.Name, tr.Step(), tr.BatchSize(), tr.Setting(gan.SettingCriticSteps), t)
	return tr, t, nil
}

// FamilyResult is one row of notebook 05's final table.
type FamilyResult struct {
	Variant   string  `json:"variant"`
	Score     string  `json:"score"`
	Steps     int     `json:"steps"`
	MsPerStep float64 `json:"ms_per_step"`
}

// FamilyResultsDir is where the sections of notebook 05 keep their results at scale s.
func FamilyResultsDir(s Scale) string { return s.RunDir("05_gan_family/results") }

// SaveFamilyResult writes r to dir/<variant>.json.
func SaveFamilyResult(dir string, r FamilyResult) error {
	if r.Variant == "" || strings.ContainsAny(r.Variant, `/\`) {
		return fmt.Errorf("SaveFamilyResult: variant %q is no file name", r.Variant)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	return project.WriteFileAtomic(filepath.Join(dir, r.Variant+".json"), raw)
}

// LoadFamilyResults reads the results of the variants named, in that order; missing lists those without one.
func LoadFamilyResults(dir string, variants []string) (rows []FamilyResult, missing []string, err error) {
	for _, v := range variants {
		path := filepath.Join(dir, v+".json")
		raw, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			missing = append(missing, v)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		var r FamilyResult
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, nil, fmt.Errorf("%s: not a result: %v", path, err)
		}
		rows = append(rows, r)
	}
	return rows, missing, nil
}

// FormatFamilyTable renders results as a Markdown table.
func FormatFamilyTable(rows []FamilyResult) string {
	var b strings.Builder
	b.WriteString("| variant | measured score | ms/step | steps trained |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %.0f | %d |\n", r.Variant, r.Score, r.MsPerStep, r.Steps)
	}
	return b.String()
}

// PeakAndEnd smooths a value of the history by a moving average over window records and returns its peak, the
// step at the middle of the peak's window, and the last window's mean (how a critic's Wasserstein estimate rises
// and falls).
func PeakAndEnd(h []gan.Record, value func(gan.Record) float64, window int) (peak float64, peakStep int, end float64, err error) {
	if window < 1 || len(h) < window {
		return 0, 0, 0, fmt.Errorf("PeakAndEnd: %d records, window %d", len(h), window)
	}
	peak = math.Inf(-1)
	sum := 0.0
	for i, r := range h {
		sum += value(r)
		if i >= window {
			sum -= value(h[i-window])
		}
		if i < window-1 {
			continue
		}
		if m := sum / float64(window); m > peak {
			peak, peakStep = m, h[i-window+1+window/2].Step
		}
		end = sum / float64(window)
	}
	return peak, peakStep, end, nil
}

// TailMean is the mean of a value over the last window records of the history.
func TailMean(h []gan.Record, value func(gan.Record) float64, window int) (float64, error) {
	if window < 1 || len(h) < window {
		return 0, fmt.Errorf("TailMean: %d records, window %d", len(h), window)
	}
	m := 0.0
	for _, r := range h[len(h)-window:] {
		m += value(r) / float64(window)
	}
	return m, nil
}

// CodeOrder inverts CodeAccuracy's mapping (code value → digit) into the code value of each digit, the row order
// of SweepGrid that puts digit 0 first.
func CodeOrder(mapping []int) ([]int, error) {
	order := make([]int, len(mapping))
	seen := make([]bool, len(mapping))
	for code, digit := range mapping {
		if digit < 0 || digit >= len(mapping) || seen[digit] {
			return nil, fmt.Errorf("CodeOrder: mapping %v is not one-to-one on 0…%d", mapping, len(mapping)-1)
		}
		seen[digit] = true
		order[digit] = code
	}
	return order, nil
}
