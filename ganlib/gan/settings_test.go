package gan_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"

	. "github.com/gomlx/gomlx/core/graph"
)

// lrVariable is the value of a player's learning-rate variable (the one its optimizer reads).
func lrVariable(t *testing.T, tr *gan.Trainer, player string) float64 {
	v := tr.Scope.Store().GetVariable("/" + player + "/optimizers/learning_rate")
	if v == nil {
		t.Fatalf("no learning-rate variable for %s", player)
	}
	return float64(tensors.ToScalar[float32](v.MustValue()))
}

// TestSettingsFlowAndResume: the variant's defaults over the trainer's, the user's over both; a name given alone
// also replaces its scoped defaults; the checkpoint stores the settings; on resume the checkpoint's win over the
// defaults, and a setting given again wins over the checkpoint's, reaches the optimizer and is stored.
func TestSettingsFlowAndResume(t *testing.T) {
	b := backendtest.Go(t)
	v := tinyVariant()
	v.Settings = gan.Settings{"generator/learning_rate": 1e-3}
	tr, err := gan.New(b, v, gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 8, "adam_beta1": 0.9}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Setting("learning_rate") != 2e-4 || tr.Setting("generator/learning_rate") != 1e-3 || tr.Setting("discriminator/learning_rate") != 2e-4 ||
		tr.Setting("adam_beta1") != 0.9 || tr.BatchSize() != 8 {
		t.Fatalf("settings: %v", tr.Settings())
	}
	if err := tr.SetData(blobs(), 64, 4, 4, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(2); err != nil {
		t.Fatal(err)
	}
	if d, g := lrVariable(t, tr, gan.DiscriminatorScope), lrVariable(t, tr, gan.GeneratorScope); math.Abs(d-2e-4) > 1e-9 || math.Abs(g-1e-3) > 1e-9 {
		t.Errorf("learning rates in the optimizers: D %g, G %g; want 2e-4, 1e-3", d, g)
	}
	dir := t.TempDir()
	if _, err := tr.Save(dir, 3, nil); err != nil {
		t.Fatal(err)
	}
	meta, _, err := gan.ReadMeta(dir)
	if err != nil || meta.Settings["adam_beta1"] != "0.9" || meta.Settings["generator/learning_rate"] != "0.001" || meta.Settings["batch_size"] != "8" {
		t.Fatalf("stored settings: %v (%v)", meta.Settings, err)
	}

	resume := func(settings gan.Settings) *gan.Trainer {
		tr, err := gan.New(b, v, gan.Config{Settings: settings})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Load(dir); err != nil {
			t.Fatal(err)
		}
		if err := tr.SetData(blobs(), 64, 4, 4, 1, 0, 1); err != nil {
			t.Fatal(err)
		}
		if err := tr.Train(tr.Step() + 1); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	// Nothing given again: the checkpoint's settings, not the defaults.
	same := resume(nil)
	if same.Setting("adam_beta1") != 0.9 || same.BatchSize() != 8 || same.Setting("generator/learning_rate") != 1e-3 {
		t.Errorf("resumed without settings: %v", same.Settings())
	}
	// A learning rate given again, alone: both players take it, their optimizers use it, the checkpoint keeps it.
	changed := resume(gan.Settings{"learning_rate": 5e-4})
	for _, p := range []string{gan.DiscriminatorScope, gan.GeneratorScope} {
		if got := lrVariable(t, changed, p); math.Abs(got-5e-4) > 1e-9 {
			t.Errorf("%s's learning rate after resuming with 5e-4: %g", p, got)
		}
	}
	if _, err := changed.Save(dir, 3, nil); err != nil {
		t.Fatal(err)
	}
	again := resume(nil)
	if again.Setting("learning_rate") != 5e-4 || again.Setting("generator/learning_rate") != 5e-4 || math.Abs(lrVariable(t, again, gan.GeneratorScope)-5e-4) > 1e-9 {
		t.Errorf("the changed learning rate did not survive a second resume: %v", again.Settings())
	}
	// Unknown settings and ill-typed values are refused with the list of settings.
	if _, err := gan.New(b, v, gan.Config{Settings: gan.Settings{"learning_rat": 1.0}}); err == nil || !strings.Contains(err.Error(), "batch_size = 64") {
		t.Errorf("a misspelt setting: %v", err)
	}
	if _, err := gan.New(b, v, gan.Config{Settings: gan.Settings{gan.SettingBatchSize: 2.5}}); err == nil {
		t.Error("batch_size 2.5 was accepted")
	}
	if s, err := gan.ParseSettings(v, "critic_steps=3;generator/adam_beta2=0.99"); err != nil || s["critic_steps"] != 3 || s["generator/adam_beta2"] != 0.99 {
		t.Errorf("ParseSettings: %v, %v", s, err)
	}
	if _, err := gan.ParseSettings(v, "criticsteps=3"); err == nil {
		t.Error("ParseSettings accepted an unknown name")
	}
}

// TestPassRunsThePlayersAgain: a loss term sees z and can run G on it again (the same images as the step's fakes)
// and D on them (the same logits), in both players' steps.
func TestPassRunsThePlayersAgain(t *testing.T) {
	b := backendtest.Go(t)
	v := tinyVariant()
	again := gan.Term{Name: "again", Loss: func(p *gan.Pass) (*Node, *Node) {
		g := MaxScalar(ReduceAllMax(Abs(Sub(p.G(p.Z, p.FakeCond), p.Fake))), 0)
		d := ReduceAllMax(Abs(Sub(p.D(p.Fake, p.FakeCond), p.FakeLogits)))
		// D has dropout: its second call draws another mask, so only G is compared exactly.
		return MulScalar(d, 0), g
	}}
	v.DTerms, v.GTerms = []gan.Term{again}, []gan.Term{again}
	tr := newTiny(t, b, v)
	r, err := tr.TrainStep()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := r.Terms["again"]; !ok || got != 0 {
		t.Errorf("G run again on the step's z differs from the step's fakes by %g (recorded: %v)", got, ok)
	}
}

// TestSetRebuildsTheSteps: a setting that shapes the graphs may change between steps: the steps are built again
// with it (here 3 D steps per G step from step 2 on), and the variables keep their values.
func TestSetRebuildsTheSteps(t *testing.T) {
	b := backendtest.Go(t)
	tr := newTiny(t, b, tinyVariant())
	if _, err := tr.TrainStep(); err != nil {
		t.Fatal(err)
	}
	before := tr.VariableValues(gan.GeneratorScope)
	if err := tr.Set(gan.SettingCriticSteps, 3); err != nil {
		t.Fatal(err)
	}
	if after := tr.VariableValues(gan.GeneratorScope); !reflect.DeepEqual(before, after) {
		t.Fatal("Set changed G's variables")
	}
	if _, err := tr.TrainStep(); err != nil {
		t.Fatal(err)
	}
	step := tr.Scope.Store().GetVariable("/discriminator/AdamOptimizer/step")
	if got := step.MustValue().Value().(float32); got != 4 {
		t.Errorf("D updates after one step with k=1 and one with k=3: %g, want 4", got)
	}
	if err := tr.Set(gan.SettingBatchSize, 1000); err == nil || tr.BatchSize() != 8 {
		t.Errorf("a batch larger than the data: %v, batch now %d", err, tr.BatchSize())
	}
}
