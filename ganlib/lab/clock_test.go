package lab

import (
	"strings"
	"testing"
	"time"

	"github.com/ganlab/ganlab/ganlib/gan"
)

// TestStepClock: the first step is left out, the mean is over the others, and the forecast scales it.
func TestStepClock(t *testing.T) {
	var c StepClock
	if c.PerStep() != 0 || c.Forecast(10) != "" {
		t.Fatal("a clock without steps forecasts nothing")
	}
	for range 3 {
		if err := c.Tick(nil, gan.Record{}); err != nil {
			t.Fatal(err)
		}
	}
	if c.steps != 2 || c.last.Before(c.first) {
		t.Fatalf("three ticks: %d steps timed, want 2 (the first is left out)", c.steps)
	}
	c.last = c.first.Add(3 * time.Second) // two steps after the first, 1.5 s each
	if p := c.PerStep(); p != 1500*time.Millisecond {
		t.Errorf("PerStep %v, want 1.5s", p)
	}
	if f := c.Forecast(80); !strings.HasPrefix(f, "1500.0 ms per step (mean of 2 steps after the first): 80 steps take about 2.0 minutes") {
		t.Errorf("Forecast %q", f)
	}
}
