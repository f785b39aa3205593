package vanilla_test

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

// TestEMAFold: decay 0.5 folded every 2 steps is β = 0.25: the first fold copies, then avg = 0.25·avg + 0.75·w.
func TestEMAFold(t *testing.T) {
	e := vanilla.NewEMA(0.5, 2)
	if err := e.Fold(map[string][]float32{"a": {4, -8}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Fold(map[string][]float32{"a": {0, 8}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Fold(map[string][]float32{"a": {4, 0}}); err != nil {
		t.Fatal(err)
	}
	// by hand: (4, −8) → (1, 4) → (0.25 + 3, 1) = (3.25, 1)
	if got := e.Values["a"]; math.Abs(float64(got[0])-3.25) > 1e-6 || math.Abs(float64(got[1])-1) > 1e-6 || e.Folds != 3 {
		t.Fatalf("average %v after %d folds, want [3.25 1] after 3", got, e.Folds)
	}
	if err := e.Fold(map[string][]float32{"b": {1, 2}}); err == nil {
		t.Error("Fold accepted a different variable")
	}
	path := filepath.Join(t.TempDir(), "ema.gob")
	if err := e.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := vanilla.LoadEMA(path)
	if err != nil || back.Decay != 0.5 || back.Every != 2 || back.Folds != 3 || !slices.Equal(back.Values["a"], e.Values["a"]) {
		t.Fatalf("LoadEMA: %+v, %v", back, err)
	}
	if err := os.WriteFile(path, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := vanilla.LoadEMA(path); err == nil {
		t.Error("LoadEMA read junk")
	}
}

// TestEMAMean: decay 1 is the plain mean of the folds, whatever Every is.
func TestEMAMean(t *testing.T) {
	e := vanilla.NewEMA(1, 10)
	for _, w := range [][]float32{{4, -8}, {0, 8}, {2, 3}, {6, 1}} {
		if err := e.Fold(map[string][]float32{"a": w}); err != nil {
			t.Fatal(err)
		}
	}
	// by hand: (4 + 0 + 2 + 6)/4 = 3, (−8 + 8 + 3 + 1)/4 = 1
	if got := e.Values["a"]; math.Abs(float64(got[0])-3) > 1e-6 || math.Abs(float64(got[1])-1) > 1e-6 || e.Folds != 4 {
		t.Fatalf("mean %v after %d folds, want [3 1] after 4", got, e.Folds)
	}
	if !e.Uniform() || e.String() != "mean" || vanilla.NewEMA(0.999, 1).String() != "EMA 0.999" {
		t.Errorf("names: %q, %q", e.String(), vanilla.NewEMA(0.999, 1).String())
	}
	for _, d := range []float64{0, -1, 1.5} {
		if vanilla.CheckEMA(d, 1) == nil {
			t.Errorf("CheckEMA accepted decay %g", d)
		}
	}
}

// TestWithGeneratorValues: with G's weights replaced by zeros (biases kept) every sample is the same image
// 2·sigmoid(output bias) − 1; afterwards the trainer's own weights are back and give the same samples as before.
func TestWithGeneratorValues(t *testing.T) {
	b := backendtest.Go(t)
	bias := make([]float32, 784)
	for i := range bias {
		bias[i] = float32(i%7) - 3
	}
	tr, err := gan.New(b, vanilla.Goodfellow(1, bias), vanilla.GoodfellowConfig(3))
	if err != nil {
		t.Fatal(err)
	}
	zero := tr.VariableValues(gan.GeneratorScope)
	if len(zero) != 0 {
		t.Fatalf("a new trainer has %d generator variables before generating", len(zero))
	}
	if err := vanilla.WithGeneratorValues(tr, map[string][]float32{}, func() error { return nil }); err == nil {
		t.Error("an empty replacement was accepted") // and G's variables were created on the way
	}
	before, err := tr.RandomSamples(3, 9)
	if err != nil {
		t.Fatal(err)
	}
	zero = tr.VariableValues(gan.GeneratorScope)
	for k, v := range zero {
		if !strings.HasSuffix(k, "/biases") {
			clear(v)
		}
	}
	err = vanilla.WithGeneratorValues(tr, zero, func() error {
		s, err := tr.RandomSamples(3, 9)
		if err != nil {
			return err
		}
		for i, v := range s {
			want := 2/(1+math.Exp(-float64(bias[i%784]))) - 1
			if math.Abs(float64(v)-want) > 1e-5 {
				t.Fatalf("zero-weight sample value %d = %g, want %g", i, v, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after, err := tr.RandomSamples(3, 9)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, after) {
		t.Error("the trainer's own weights were not restored")
	}
	if err := vanilla.WithGeneratorValues(tr, map[string][]float32{"x": {1}}, func() error { return nil }); err == nil {
		t.Error("a replacement with foreign variables was accepted")
	}
}

// TestResumeEMA: a saved average is resumed only at its own step with its own settings.
func TestResumeEMA(t *testing.T) {
	dir := t.TempDir()
	e := vanilla.NewEMA(0.99, 5)
	if err := e.Fold(map[string][]float32{"a": {1}}); err != nil {
		t.Fatal(err)
	}
	e.Step = 20
	if err := e.Save(filepath.Join(dir, vanilla.EMAFile)); err != nil {
		t.Fatal(err)
	}
	if got, note := vanilla.ResumeEMA(dir, 0.99, 5, 20); got.Folds != 1 || got.Values["a"][0] != 1 {
		t.Errorf("not resumed at its step: %+v (%s)", got, note)
	}
	for _, c := range []struct {
		decay       float64
		every, step int
		want        string // what the note calls the new average
	}{{0.99, 5, 25, "a new EMA 0.99 "}, {0.999, 5, 20, "a new EMA 0.999 "}, {0.99, 10, 20, "a new EMA 0.99 "}, {1, 5, 20, "a new mean "}} {
		got, note := vanilla.ResumeEMA(dir, c.decay, c.every, c.step)
		if got.Values != nil || got.Decay != c.decay {
			t.Errorf("%+v: resumed a mismatched average: %+v (%s)", c, got, note)
		}
		if !strings.Contains(note, "does not match") || !strings.Contains(note, c.want) {
			t.Errorf("%+v: the note should say the saved average does not match and name %q: %s", c, c.want, note)
		}
	}
}

// TestEMAFrom: an average with From folds nothing before that step (its first fold copies the weights there), is
// not saved while empty, and resumes only with the same From.
func TestEMAFrom(t *testing.T) {
	b := backendtest.Go(t)
	cfg := vanilla.GoodfellowConfig(3)
	cfg.Settings = gan.Settings{gan.SettingBatchSize: 4}
	tr, err := gan.New(b, vanilla.Goodfellow(1, nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	px := make([]float32, 8*784)
	for i := range px {
		px[i] = float32(i%5) / 4
	}
	if err := tr.SetData(px, 8, 28, 28, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e, _ := vanilla.ResumeEMAFrom(dir, 0.5, 2, 4, 0)
	cb := e.SavingCallback(dir, 2, 6)
	var atFrom map[string][]float32
	for step := 1; step <= 6; step++ {
		rec, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		if err := cb(tr, rec); err != nil {
			t.Fatal(err)
		}
		switch step {
		case 2:
			if e.Values != nil {
				t.Fatalf("folded at step 2, before From 4")
			}
			if _, err := os.Stat(filepath.Join(dir, vanilla.EMAFile)); err == nil {
				t.Fatal("saved an empty average")
			}
		case 4:
			atFrom = tr.VariableValues(gan.GeneratorScope)
			if e.Folds != 1 || len(e.Values) != len(atFrom) || len(atFrom) == 0 {
				t.Fatalf("at From: %d folds of %d variables (G has %d)", e.Folds, len(e.Values), len(atFrom))
			}
			for k, w := range atFrom {
				if !slices.Equal(e.Values[k], w) {
					t.Fatalf("at From: the first fold should copy the weights; %s differs", k)
				}
			}
		}
	}
	if e.Folds != 2 || e.Step != 6 {
		t.Fatalf("after step 6: %d folds, step %d; want 2 folds (steps 4 and 6)", e.Folds, e.Step)
	}
	if got, note := vanilla.ResumeEMAFrom(dir, 0.5, 2, 4, 6); got.Folds != 2 {
		t.Errorf("same From not resumed: %s", note)
	}
	if got, note := vanilla.ResumeEMAFrom(dir, 0.5, 2, 0, 6); got.Values != nil || !strings.Contains(note, "from 4") {
		t.Errorf("another From resumed: %+v (%s)", got.Folds, note)
	}
	if got, note := vanilla.ResumeEMAFrom(dir, 0.5, 2, 10, 6); got.Values != nil || got.From != 10 || !strings.Contains(note, "starts at step 10") {
		t.Errorf("a run before From: %+v (%s)", got.Folds, note)
	}
}
