package data

import (
	"fmt"
	"math"
)

// Histogram counts values into bins equal-width bins over [lo, hi] and returns the fractions (they sum to 1; an
// empty input gives all zeros). Values below lo fall in the first bin, values above hi (and hi itself) in the last;
// NaNs are ignored. It is the pixel-intensity histogram of the Kaggle MRI notebook's real-vs-generated test.
func Histogram(values []float32, lo, hi float32, bins int) []float64 {
	if bins <= 0 || !(hi > lo) {
		panic(fmt.Sprintf("data.Histogram: want bins > 0 and hi > lo, got bins=%d, [%g, %g]", bins, lo, hi))
	}
	h := make([]float64, bins)
	scale := float64(bins) / float64(hi-lo)
	n := 0
	for _, v := range values {
		if v != v { // NaN
			continue
		}
		i := int(math.Floor(float64(v-lo) * scale))
		h[min(max(i, 0), bins-1)]++
		n++
	}
	if n > 0 {
		for i := range h {
			h[i] /= float64(n)
		}
	}
	return h
}

// HistogramW1 is the Wasserstein-1 (earth mover's) distance between two histograms p and q over the same bins of
// width binWidth: Σ_i |P_i − Q_i| · binWidth, where P and Q are the cumulative sums (each histogram is normalised to
// sum 1 first). It is the least average distance, in the units of the values, that the mass of one distribution
// must move to become the other, with the mass of each bin at the bin's centre: e.g. for intensities in [0, 1],
// 0.1 means "on average a pixel would have to change by 0.1". 0 for identical histograms; at most hi − lo.
func HistogramW1(p, q []float64, binWidth float64) float64 {
	if len(p) != len(q) {
		panic(fmt.Sprintf("data.HistogramW1: histograms of %d and %d bins", len(p), len(q)))
	}
	sp, sq := sum(p), sum(q)
	if sp <= 0 || sq <= 0 {
		panic("data.HistogramW1: empty histogram")
	}
	var cp, cq, w float64
	for i := range p {
		cp += p[i] / sp
		cq += q[i] / sq
		w += math.Abs(cp - cq)
	}
	// The last cumulative difference is 0 up to rounding: it adds no distance.
	w -= math.Abs(cp - cq)
	return w * binWidth
}

// HistogramTV is the total-variation distance ½ Σ |p_i − q_i| between two histograms (each normalised to sum 1):
// the fraction of the mass that sits in different bins, in [0, 1]; 1 − HistogramTV is the histogram intersection
// Σ min(p_i, q_i).
func HistogramTV(p, q []float64) float64 {
	if len(p) != len(q) {
		panic(fmt.Sprintf("data.HistogramTV: histograms of %d and %d bins", len(p), len(q)))
	}
	sp, sq := sum(p), sum(q)
	if sp <= 0 || sq <= 0 {
		panic("data.HistogramTV: empty histogram")
	}
	var d float64
	for i := range p {
		d += math.Abs(p[i]/sp - q[i]/sq)
	}
	return d / 2
}

func sum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}
