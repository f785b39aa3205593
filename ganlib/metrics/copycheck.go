package metrics

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/compute"
)

// CopyCheck is the memorisation check of notebook 04 (Goodfellow et al. 2014's Figure 2 made a number): how far
// each generated sample is from its nearest training image, against how far real images the generator never saw
// (held out) are from theirs. Distances are pixel L2 (NearestL2), not squared.
type CopyCheck struct {
	// Nearest[i] is the index of the training image nearest to sample i, SampleDist[i] that distance.
	Nearest    []int
	SampleDist []float64
	// HeldOutDist[i] is held-out image i's distance to its nearest training image.
	HeldOutDist []float64
	// SampleMedian and HeldOutMedian are the medians of the two.
	SampleMedian, HeldOutMedian float64
	// NearCopies counts the samples closer to a training image than the closest held-out image is to one.
	NearCopies int
}

// CheckCopies runs the check on backend: ns samples, nt training images and nh held-out real images, dim values
// each, all on one scale (e.g. pixels in [0, 1]).
func CheckCopies(backend compute.Backend, samples []float32, ns int, train []float32, nt int, heldOut []float32, nh, dim int) (CopyCheck, error) {
	var c CopyCheck
	if ns < 1 || nh < 1 {
		return c, fmt.Errorf("metrics.CheckCopies: want at least one sample and one held-out image, got %d and %d", ns, nh)
	}
	idx, d2, err := NearestL2(backend, samples, ns, train, nt, dim)
	if err != nil {
		return c, err
	}
	_, h2, err := NearestL2(backend, heldOut, nh, train, nt, dim)
	if err != nil {
		return c, err
	}
	sq := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = math.Sqrt(math.Max(x, 0))
		}
		return out
	}
	c.Nearest, c.SampleDist, c.HeldOutDist = idx, sq(d2), sq(h2)
	c.SampleMedian, c.HeldOutMedian = median(c.SampleDist), median(c.HeldOutDist)
	closest := slices.Min(c.HeldOutDist)
	for _, d := range c.SampleDist {
		if d < closest {
			c.NearCopies++
		}
	}
	return c, nil
}

// Ratio is SampleMedian / HeldOutMedian: about 1 when samples are as far from the training set as unseen real
// images are, well under 1 when they sit on training images.
func (c CopyCheck) Ratio() float64 { return c.SampleMedian / c.HeldOutMedian }

// Verdict says in words whether the generator copies its training images. The thresholds: a median ratio under 0.5,
// or more than half of the samples closer to a training image than any held-out image is, is copying; under 0.8,
// or a quarter of near-copies, is leaning on the training images; otherwise no copying is seen, and a ratio over
// 1.5 adds that the samples are far from every training image (they do not look like the data yet).
func (c CopyCheck) Verdict() string {
	r := c.Ratio()
	n := len(c.SampleDist)
	head := fmt.Sprintf("median distance to the nearest training image: samples %.2f, held-out real images %.2f (ratio %.2f); %d of %d samples closer to a training image than any held-out image is: ",
		c.SampleMedian, c.HeldOutMedian, r, c.NearCopies, n)
	switch {
	case math.IsNaN(r):
		return head + "no verdict (no distances)"
	case r < 0.5 || 2*c.NearCopies > n:
		return head + "the generator COPIES its training images (samples sit much closer to them than unseen real images do)"
	case r < 0.8 || 4*c.NearCopies > n:
		return head + "the generator LEANS ON its training images (samples are closer to them than unseen real images are): partly memorised"
	case r > 1.5:
		return head + "no copying, but the samples are far from every training image: they do not look like the data yet"
	}
	return head + "no sign of copying: samples are as far from the training images as unseen real images are"
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	c := slices.Clone(v)
	slices.Sort(c)
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}
