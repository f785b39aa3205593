package gan_test

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
)

// TestRMSPropSurvivesCheckpoint: the trainer with RMSProp for both players, 3 steps + Save + fresh trainer + Load +
// 3 steps, ends with the same weights as 6 uninterrupted steps — which needs the running averages restored.
func TestRMSPropSurvivesCheckpoint(t *testing.T) {
	b := backendtest.Go(t)
	newRMS := func() *gan.Trainer {
		tr, err := gan.New(b, tinyVariant(), gan.Config{Seed: 42, Settings: gan.Settings{gan.SettingBatchSize: 8, "optimizer": "rmsprop", "learning_rate": 5e-3}})
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.SetData(blobs(), 64, 4, 4, 1, 0, 1); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	straight := newRMS()
	if err := straight.Train(6); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first := newRMS()
	if err := first.Train(3); err != nil {
		t.Fatal(err)
	}
	// The state is where it should be, and not trivially zero.
	avg := first.Scope.Store().GetVariable(model.JoinPath("/discriminator/rmsprop/discriminator/002_dense", "weights_square_avg"))
	if avg == nil {
		t.Fatal("no /discriminator/rmsprop/discriminator/002_dense/weights_square_avg")
	}
	if s := sumF32(tensors.MustCopyFlatData[float32](avg.MustValue())); !(s > 0) {
		t.Fatalf("running average sums to %g after 3 steps", s)
	}
	if first.Scope.Store().GetVariable(model.JoinPath("/generator/rmsprop/generator/000_dense", "weights_square_avg")) == nil {
		t.Fatal("no running average for G under /generator/rmsprop")
	}
	if _, err := first.Save(dir, 2, nil); err != nil {
		t.Fatal(err)
	}
	second := newRMS()
	if _, err := second.Load(dir); err != nil {
		t.Fatal(err)
	}
	if err := second.Train(6); err != nil {
		t.Fatal(err)
	}
	for _, scope := range []string{gan.GeneratorScope, gan.DiscriminatorScope} {
		want, got := straight.VariableValues(scope), second.VariableValues(scope)
		for name, w := range want {
			for i := range w {
				if math.Abs(float64(got[name][i]-w[i])) > 1e-5 {
					t.Fatalf("%s[%d] after resume %g, uninterrupted %g", name, i, got[name][i], w[i])
				}
			}
		}
	}
}

func sumF32(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x)
	}
	return s
}
