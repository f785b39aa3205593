package gan

import (
	"fmt"
	"math"
)

// DefaultCollapseThreshold is the diversity ratio below which CollapseMonitor flags a collapsed generator: G's
// samples are on average less than a tenth as far apart as real images are.
const DefaultCollapseThreshold = 0.1

// collapseSamples is how many samples (and real images) the diversity is measured on.
const collapseSamples = 64

// Collapse is one reading of CollapseMonitor.
type Collapse struct {
	Step int
	// Ratio is the diversity of G's samples relative to real images': the mean pairwise Euclidean distance of
	// 64 samples from a fixed batch of noise, divided by that of 64 fixed real images. ~1 for a generator as
	// varied as the data, 0 for one that makes the same image whatever z.
	Ratio float64
	// Collapsed is Ratio < the threshold.
	Collapsed bool
	// Message says what was measured and, when collapsed, what to try; empty for a healthy reading.
	Message string
}

// Diversity returns the mean pairwise Euclidean distance between n images of size elements each, in x.
func Diversity(x []float32, n, size int) float64 {
	if n < 2 {
		return 0
	}
	var sum float64
	for i := range n {
		a := x[i*size : (i+1)*size]
		for j := i + 1; j < n; j++ {
			b := x[j*size : (j+1)*size]
			var d float64
			for k := range a {
				diff := float64(a[k] - b[k])
				d += diff * diff
			}
			sum += math.Sqrt(d)
		}
	}
	return sum / float64(n*(n-1)/2)
}

// CheckCollapse measures the diversity ratio of the trainer's generator now (see Collapse.Ratio); the trainer's
// data must be set. threshold <= 0 takes DefaultCollapseThreshold.
func (t *Trainer) CheckCollapse(threshold float64) (Collapse, error) {
	if threshold <= 0 {
		threshold = DefaultCollapseThreshold
	}
	size := t.imageSize()
	if t.n < 2 || size == 0 {
		return Collapse{}, fmt.Errorf("collapse check: the trainer has %d real images; call SetData first", t.n)
	}
	n := min(collapseSamples, t.n)
	real := make([]float32, 0, n*size)
	for i := range n { // evenly spread over the data set, the same every time
		k := i * t.n / n
		real = append(real, t.data[k*size:(k+1)*size]...)
	}
	fake, err := t.RandomSamples(n, t.Config.Seed^0xC011A95E)
	if err != nil {
		return Collapse{}, err
	}
	dReal, dFake := Diversity(real, n, size), Diversity(fake, n, size)
	c := Collapse{Step: t.step}
	if dReal > 0 {
		c.Ratio = dFake / dReal
	}
	c.Collapsed = c.Ratio < threshold
	if c.Collapsed {
		c.Message = fmt.Sprintf("step %d: the generator looks collapsed: its samples are %.3f as diverse as real images "+
			"(mean pairwise distance %.3g vs %.3g over %d images; threshold %.2f). Try: lower D's learning rate or give "+
			"D fewer steps, use the non-saturating loss (-loss non-saturating), add instance noise or label smoothing "+
			"to D's inputs, lower G's learning rate, or restart from an earlier checkpoint with another seed.",
			t.step, c.Ratio, dFake, dReal, n, threshold)
	}
	return c, nil
}

// CollapseMonitor returns a Callback that, every `every` steps, measures the diversity of G's samples against
// real images (Trainer.CheckCollapse with threshold; <= 0 takes DefaultCollapseThreshold) and calls report when
// the generator becomes collapsed and again when it recovers (report may be nil). It never stops training: a
// collapsed generator sometimes recovers, and the user decides. lab.Session prints its reports.
func CollapseMonitor(every int, threshold float64, report func(Collapse)) Callback {
	if every <= 0 {
		every = 500
	}
	collapsed := false
	return func(t *Trainer, r Record) error {
		if r.Step%every != 0 {
			return nil
		}
		c, err := t.CheckCollapse(threshold)
		if err != nil {
			return err
		}
		if c.Collapsed != collapsed {
			collapsed = c.Collapsed
			if !c.Collapsed {
				c.Message = fmt.Sprintf("step %d: the generator has recovered: its samples are %.3f as diverse as real images.", c.Step, c.Ratio)
			}
			if report != nil {
				report(c)
			}
		}
		return nil
	}
}
