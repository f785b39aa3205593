package infogan_test

import (
	"math"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/infogan"
)

// smokeTrain trains v on XLA for 2 steps at batch 4 on the 8×8 grey images px and checks that every step recorded
// a positive MI loss and finite D and G losses.
func smokeTrain(t *testing.T, v gan.Variant, seed uint64, px []float32) *gan.Trainer {
	t.Helper()
	tr, err := gan.New(backendtest.XLA(t), v, gan.Config{Seed: seed, Settings: gan.Settings{gan.SettingBatchSize: 4}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetData(px, len(px)/64, 8, 8, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(2); err != nil {
		t.Fatal(err)
	}
	for _, r := range tr.History {
		if !(r.Term("mi_loss") > 0) || math.IsNaN(r.GLoss) || math.IsNaN(r.DLoss) {
			t.Errorf("step %d: MI loss %g, G loss %g, D loss %g", r.Step, r.Term("mi_loss"), r.GLoss, r.DLoss)
		}
	}
	return tr
}

// TestTrainSmoke: InfoGAN takes steps on XLA with its MI loss recorded (experiments.TestInfoGANCodes then reads
// Q's codes).
func TestTrainSmoke(t *testing.T) {
	px := make([]float32, 16*64)
	for i := range px {
		px[i] = float32(i%13) / 12
	}
	smokeTrain(t, infogan.New(8, 1), 1, px)
}

// TestPaperSmoke: the paper's full-width networks take steps on XLA (experiments.TestInfoGANPaperSweep draws
// their sweeps).
func TestPaperSmoke(t *testing.T) {
	px := make([]float32, 8*64)
	for i := range px {
		px[i] = float32(i%7) / 6
	}
	smokeTrain(t, infogan.Paper(8, 1), 2, px)
}
