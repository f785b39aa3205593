package experiments

import (
	"fmt"
	"time"

	"github.com/gomlx/compute"

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

// DCGANStepTiming times the lecture's DCGAN at size×size×channels with batch b on backend (StepTime: two warm-up
// steps, then steps timed). Notebooks 03 and 06 report what it measures.
func DCGANStepTiming(backend compute.Backend, size, channels, b, steps int) (StepTiming, error) {
	t := StepTiming{Size: size, Channels: channels, Batch: b, Steps: max(steps, 1)}
	var err error
	t.Warmup, t.PerStep, err = StepTime(backend, dcgan.Lecture(size, channels), b, t.Steps)
	if err != nil {
		return t, err
	}
	return t, nil
}
