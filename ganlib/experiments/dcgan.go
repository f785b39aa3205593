package experiments

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/dcgan"
)

// StepTiming is the measured cost of training steps of the lecture's DCGAN (dcgan.Lecture) on one backend.
type StepTiming struct {
	Size, Channels, Batch int
	// Steps timed, after two warm-up steps.
	Steps int
	// Warmup is the time of compiling both steps and running the two warm-up steps.
	Warmup time.Duration
	// PerStep is the mean time of one training step (one D update, one G update).
	PerStep time.Duration
}

// GFLOPs is the arithmetic rate reached: dcgan.GFLOPPerStep over PerStep.
func (t StepTiming) GFLOPs() float64 {
	return dcgan.GFLOPPerStep(t.Size, t.Channels, t.Batch) / t.PerStep.Seconds()
}

// Cost is the time of n steps at the measured rate.
func (t StepTiming) Cost(n int) time.Duration { return time.Duration(n) * t.PerStep }

// String reads like "128×128×1, batch 4: 1206 ms/step (92.2 GFLOP/step, 76 GFLOP/s; compile + 2 warm-up steps 4.5 s)".
func (t StepTiming) String() string {
	return fmt.Sprintf("%d×%d×%d, batch %d: %.1f ms/step (%.1f GFLOP/step, %.0f GFLOP/s; compile + 2 warm-up steps %.1f s)",
		t.Size, t.Size, t.Channels, t.Batch, float64(t.PerStep.Microseconds())/1e3, dcgan.GFLOPPerStep(t.Size, t.Channels, t.Batch),
		t.GFLOPs(), t.Warmup.Seconds())
}

// DCGANStepTiming times the lecture's DCGAN at size×size×channels with batch b on backend: it trains a fresh
// model on random images for two warm-up steps (the first compiles) and then for steps more, which it times. The
// contents of the images do not change the cost of a step. Notebooks 03 and 06 report what it measures.
func DCGANStepTiming(backend compute.Backend, size, channels, b, steps int) (StepTiming, error) {
	t := StepTiming{Size: size, Channels: channels, Batch: b, Steps: max(steps, 1)}
	v := dcgan.Lecture(size, channels)
	tr, err := gan.New(backend, v, gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: b}})
	if err != nil {
		return t, err
	}
	n := 2 * b
	rng := rand.New(rand.NewPCG(1, 1))
	px := make([]float32, n*size*size*channels)
	for i := range px {
		px[i] = rng.Float32()
	}
	if err := tr.SetData(px, n, size, size, channels, 0, 1); err != nil {
		return t, err
	}
	start := time.Now()
	if err := tr.Train(2); err != nil {
		return t, err
	}
	t.Warmup = time.Since(start)
	start = time.Now()
	if err := tr.Train(2 + t.Steps); err != nil {
		return t, err
	}
	t.PerStep = time.Since(start) / time.Duration(t.Steps)
	return t, nil
}
