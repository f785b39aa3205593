package experiments_test

import (
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/experiments"
	"github.com/ganlab/ganlab/ganlib/models/dcgan"
)

func TestDCGANStepTiming(t *testing.T) {
	timing, err := experiments.DCGANStepTiming(backendtest.XLA(t), 8, 1, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if timing.PerStep <= 0 || timing.Warmup <= 0 || !strings.Contains(timing.String(), "8×8×1, batch 2: ") {
		t.Errorf("timing %+v: %s", timing, timing)
	}
}

// TestStepTime: any variant can be timed (here Radford's DCGAN at 8×8, which has BatchNorm); bad sizes are refused.
func TestStepTime(t *testing.T) {
	b := backendtest.XLA(t)
	warmup, perStep, err := experiments.StepTime(b, dcgan.Radford(8, 1), 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if warmup <= 0 || perStep <= 0 {
		t.Errorf("warm-up %v, per step %v: want both positive", warmup, perStep)
	}
	if _, _, err := experiments.StepTime(b, dcgan.Radford(8, 1), 0, 2); err == nil {
		t.Error("batch 0 gave no error")
	}
}
