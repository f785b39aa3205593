package experiments_test

import (
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/experiments"
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
