package lab

import (
	"fmt"
	"time"

	"github.com/ganlab/ganlab/ganlib/gan"
)

// StepClock measures the time per step of a run, leaving out its first step (the one that compiles the graphs),
// so that a short run can say how long a longer one will take: put its Tick among a Session's Callbacks. Session
// calls callbacks after its own bookkeeping, so the time includes the grids and checkpoints a run writes.
type StepClock struct {
	first, last time.Time
	steps       int // steps timed after the first
}

// Tick is a gan.Callback that records the end of a step.
func (c *StepClock) Tick(*gan.Trainer, gan.Record) error {
	now := time.Now()
	if c.first.IsZero() {
		c.first = now
	} else {
		c.steps++
	}
	c.last = now
	return nil
}

// PerStep is the mean time of the steps after the first, 0 before two steps.
func (c *StepClock) PerStep() time.Duration {
	if c.steps == 0 {
		return 0
	}
	return c.last.Sub(c.first) / time.Duration(c.steps)
}

// Forecast says how long steps steps take at PerStep, e.g. "41.2 ms per step (mean of 999 steps after the
// first): 9370 steps take about 6.4 minutes on this machine". Empty before two steps (a run that only resumed).
func (c *StepClock) Forecast(steps int) string {
	per := c.PerStep()
	if per == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f ms per step (mean of %d steps after the first): %d steps take about %.1f minutes on this machine",
		float64(per)/float64(time.Millisecond), c.steps, steps, (per * time.Duration(steps)).Minutes())
}
