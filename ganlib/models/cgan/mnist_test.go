package cgan_test

import (
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/cgan"
)

// TestTrainSmoke: the cGAN takes steps on tiny random labelled data on XLA (experiments.TestCGANClassGrid then
// draws its class grid).
func TestTrainSmoke(t *testing.T) {
	b := backendtest.XLA(t)
	tr, err := gan.New(b, cgan.New(8, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}})
	if err != nil {
		t.Fatal(err)
	}
	px := make([]float32, 16*64)
	labels := make([]int, 16)
	for i := range labels {
		labels[i] = i % 10
		px[i*64+i] = 1
	}
	if err := tr.SetData(px, 16, 8, 8, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := tr.SetLabels(labels); err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(2); err != nil {
		t.Fatal(err)
	}
}
