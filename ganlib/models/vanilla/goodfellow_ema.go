package vanilla

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
)

// EMA is an exponential moving average of the generator's weights (Polyak averaging), ganlab's addition to the
// paper's method: sampling from the averaged weights removes the step-to-step jitter of SGD from the samples.
// Every Every steps it folds in the current weights w:
//
//	avg ← β·avg + (1 − β)·w,   β = Decay^Every
//
// (the first fold copies w), so Decay is the per-step rate (0.999: an average over about the last 1,000 steps).
// Decay 1 is the plain mean of every fold (Polyak–Ruppert averaging): the n-th fold is avg ← avg + (w − avg)/n.
// Folding starts at step From (0: the first step), so that a long average (e.g. 0.9999) need not carry the early
// weights. Save and LoadEMA keep it in a file beside the checkpoints (experiments/cmd/goodfellow:
// <dir>/ema-generator.gob).
type EMA struct {
	Decay float64
	Every int
	From  int
	// Values are the averaged weights, keyed like gan.Trainer.VariableValues; Folds counts the folds and Step is
	// the trainer step of the last one.
	Values map[string][]float32
	Folds  int
	Step   int
}

// Save writes the average to path atomically.
func (e *EMA) Save(path string) error {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(e); err != nil {
		return err
	}
	return project.WriteFileAtomic(path, b.Bytes())
}

// LoadEMA reads an average written by Save.
func LoadEMA(path string) (*EMA, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var e EMA
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&e); err != nil {
		return nil, fmt.Errorf("%s: not an EMA of generator weights: %w", path, err)
	}
	if err := CheckEMA(e.Decay, e.Every); err != nil || len(e.Values) == 0 {
		return nil, fmt.Errorf("%s: invalid EMA (decay %g, every %d, %d variables)", path, e.Decay, e.Every, len(e.Values))
	}
	return &e, nil
}

// CheckEMA returns an error unless 0 < decay ≤ 1 (1: the plain mean) and every ≥ 1.
func CheckEMA(decay float64, every int) error {
	if !(decay > 0 && decay <= 1) || every < 1 {
		return fmt.Errorf("EMA decay %g, every %d: want 0 < decay ≤ 1 (1: the plain mean) and every ≥ 1", decay, every)
	}
	return nil
}

// Uniform reports whether the average is the plain mean of its folds (Decay 1).
func (e *EMA) Uniform() bool { return e.Decay == 1 }

// String names the average, e.g. "EMA 0.9999" or "mean".
func (e *EMA) String() string {
	if e.Uniform() {
		return "mean"
	}
	return fmt.Sprintf("EMA %g", e.Decay)
}

// NewEMA returns an empty average; it panics unless CheckEMA accepts decay and every.
func NewEMA(decay float64, every int) *EMA {
	if err := CheckEMA(decay, every); err != nil {
		panic("vanilla.NewEMA: " + err.Error())
	}
	return &EMA{Decay: decay, Every: every}
}

// Fold folds values (one set of weights, keyed by variable) into the average.
func (e *EMA) Fold(values map[string][]float32) error {
	if e.Values == nil {
		e.Values = make(map[string][]float32, len(values))
		for k, v := range values {
			e.Values[k] = append([]float32(nil), v...)
		}
		e.Folds = 1
		return nil
	}
	if len(values) != len(e.Values) {
		return fmt.Errorf("EMA: %d variables, the average has %d", len(values), len(e.Values))
	}
	beta := math.Pow(e.Decay, float64(e.Every))
	if e.Uniform() {
		beta = float64(e.Folds) / float64(e.Folds+1)
	}
	for k, v := range values {
		avg, ok := e.Values[k]
		if !ok || len(avg) != len(v) {
			return fmt.Errorf("EMA: variable %s (%d values) does not match the average", k, len(v))
		}
		for i, x := range v {
			avg[i] = float32(beta*float64(avg[i]) + (1-beta)*float64(x))
		}
	}
	e.Folds++
	return nil
}

// Callback folds the trainer's generator weights in after every Every-th step from step From on.
func (e *EMA) Callback() gan.Callback {
	return func(t *gan.Trainer, _ gan.Record) error {
		if t.Step()%e.Every != 0 || t.Step() < e.From {
			return nil
		}
		if err := e.Fold(t.VariableValues(gan.GeneratorScope)); err != nil {
			return err
		}
		e.Step = t.Step()
		return nil
	}
}

// EMAFile is the name of the EMA's file in a run folder.
const EMAFile = "ema-generator.gob"

// ResumeEMA returns the average saved in runDir/EMAFile when it was saved at step (the checkpoint's) with the same
// decay and every, and a new empty one otherwise; note says which.
func ResumeEMA(runDir string, decay float64, every, step int) (e *EMA, note string) {
	return ResumeEMAFrom(runDir, decay, every, 0, step)
}

// ResumeEMAFrom is ResumeEMA for an average that folds from step from on. Before that step there is nothing to
// resume: the run's checkpoint (step) is compared with from.
func ResumeEMAFrom(runDir string, decay float64, every, from, step int) (e *EMA, note string) {
	path := filepath.Join(runDir, EMAFile)
	fresh := NewEMA(decay, every)
	fresh.From = from
	if step < from {
		return fresh, fmt.Sprintf("the %s of G's weights starts at step %d", fresh, from)
	}
	old, err := LoadEMA(path)
	switch {
	case err == nil && old.Step == step && old.Decay == decay && old.Every == every && old.From == from:
		return old, fmt.Sprintf("resuming the %s of G's weights from %s (%d folds, step %d)", old, path, old.Folds, old.Step)
	case err == nil:
		return fresh, fmt.Sprintf("%s (step %d, decay %g, every %d, from %d) does not match step %d, decay %g, every %d, from %d: starting a new %s of G's weights", path, old.Step, old.Decay, old.Every, old.From, step, decay, every, from, fresh)
	}
	return fresh, fmt.Sprintf("starting a new %s of G's weights", fresh)
}

// SavingCallback folds the generator's weights in (Callback) and writes the average to runDir/EMAFile after every
// step that is a multiple of saveEvery or equals last (give the session's checkpoint steps, so that the two are
// resumed together).
func (e *EMA) SavingCallback(runDir string, saveEvery, last int) gan.Callback {
	fold := e.Callback()
	path := filepath.Join(runDir, EMAFile)
	return func(t *gan.Trainer, r gan.Record) error {
		if err := fold(t, r); err != nil {
			return err
		}
		if e.Values != nil && ((saveEvery > 0 && t.Step()%saveEvery == 0) || t.Step() == last) {
			return e.Save(path)
		}
		return nil
	}
}

// WithGeneratorValues runs fn with the trainer's generator variables set to values (keyed like
// gan.Trainer.VariableValues, e.g. an EMA's), and puts the trainer's own weights back afterwards.
func WithGeneratorValues(tr *gan.Trainer, values map[string][]float32, fn func() error) error {
	own := tr.VariableValues(gan.GeneratorScope)
	if len(own) == 0 { // a trainer fresh from a checkpoint creates G's variables when it first generates
		if _, err := tr.RandomSamples(1, 0); err != nil {
			return err
		}
		own = tr.VariableValues(gan.GeneratorScope)
	}
	if len(own) != len(values) {
		return fmt.Errorf("generator has %d variables, the replacement %d", len(own), len(values))
	}
	set := func(vals map[string][]float32) error {
		for v := range tr.Scope.IterVariables() {
			x, ok := vals[v.Path()]
			if !ok {
				continue
			}
			val := v.MustValue()
			if val.DType() != dtypes.Float32 || val.Shape().Size() != len(x) {
				return fmt.Errorf("variable %s: %s, replacement has %d values", v.Path(), val.Shape(), len(x))
			}
			if err := v.SetValue(tensors.FromFlatDataAndDimensions(append([]float32(nil), x...), val.Shape().Dimensions...)); err != nil {
				return err
			}
		}
		return nil
	}
	for k, x := range values {
		if o, ok := own[k]; !ok || len(o) != len(x) {
			return fmt.Errorf("replacement variable %s is not one of the generator's", k)
		}
	}
	if err := set(values); err != nil {
		return err
	}
	err := fn()
	if rerr := set(own); rerr != nil && err == nil {
		err = rerr
	}
	return err
}
