package data

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestHistogramByHand(t *testing.T) {
	// Bins of width 0.25 over [0, 1]: [0,.25) [.25,.5) [.5,.75) [.75,1]; -1 clips into the first, 2 and 1 into the
	// last, NaN is ignored: 8 counted values → counts 3, 1, 1, 3.
	v := []float32{-1, 0, 0.1, 0.3, 0.5, 0.8, 1, 2, float32(math.NaN())}
	h := Histogram(v, 0, 1, 4)
	want := []float64{3.0 / 8, 1.0 / 8, 1.0 / 8, 3.0 / 8}
	for i := range want {
		if !near(h[i], want[i]) {
			t.Fatalf("Histogram = %v, want %v", h, want)
		}
	}
	if h := Histogram(nil, 0, 1, 3); h[0] != 0 || h[1] != 0 || h[2] != 0 {
		t.Fatalf("empty Histogram = %v, want zeros", h)
	}
}

func TestHistogramW1ByHand(t *testing.T) {
	for _, c := range []struct {
		name  string
		p, q  []float64
		width float64
		want  float64
	}{
		// All mass moves from bin 0 to bin 3: 3 bins of width 1.
		{"end to end", []float64{1, 0, 0, 0}, []float64{0, 0, 0, 1}, 1, 3},
		// Same, bins of width 0.25 (intensities in [0, 1]): 0.75.
		{"end to end, [0,1]", []float64{1, 0, 0, 0}, []float64{0, 0, 0, 1}, 0.25, 0.75},
		// Half the mass moves one bin: CDFs 1,1,1 vs .5,1,1 → |.5| = 0.5 bins.
		{"half one bin", []float64{1, 0, 0}, []float64{0.5, 0.5, 0}, 1, 0.5},
		// p = (.5, 0, .5), q = (0, 1, 0): each half moves one bin: CDFs .5,.5,1 vs 0,1,1 → .5 + .5 = 1.
		{"split to middle", []float64{0.5, 0, 0.5}, []float64{0, 1, 0}, 1, 1},
		// Unnormalised counts are normalised first: (2, 2) vs (0, 4) → p = (.5, .5), q = (0, 1): 0.5 × width 0.1.
		{"counts", []float64{2, 2}, []float64{0, 4}, 0.1, 0.05},
		{"identical", []float64{0.2, 0.3, 0.5}, []float64{0.2, 0.3, 0.5}, 1, 0},
	} {
		if got := HistogramW1(c.p, c.q, c.width); !near(got, c.want) {
			t.Errorf("%s: HistogramW1 = %v, want %v", c.name, got, c.want)
		}
		if got := HistogramW1(c.q, c.p, c.width); !near(got, c.want) {
			t.Errorf("%s: HistogramW1 not symmetric: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestHistogramTVByHand(t *testing.T) {
	// (.5, .5, 0) vs (0, .5, .5): ½(.5 + 0 + .5) = 0.5; disjoint → 1; identical → 0.
	if got := HistogramTV([]float64{0.5, 0.5, 0}, []float64{0, 0.5, 0.5}); !near(got, 0.5) {
		t.Errorf("TV = %v, want 0.5", got)
	}
	if got := HistogramTV([]float64{1, 0}, []float64{0, 3}); !near(got, 1) {
		t.Errorf("TV disjoint = %v, want 1", got)
	}
	if got := HistogramTV([]float64{1, 2}, []float64{2, 4}); !near(got, 0) {
		t.Errorf("TV identical after normalising = %v, want 0", got)
	}
}

// The histogram W1 approaches the exact W1 of the samples as bins shrink: values {0, 1} vs {0.5, 0.5} have
// W1 = ½(0.5 + 0.5) = 0.5.
func TestHistogramW1OfSamples(t *testing.T) {
	a := Histogram([]float32{0, 1}, 0, 1, 1000)
	b := Histogram([]float32{0.5, 0.5}, 0, 1, 1000)
	if got := HistogramW1(a, b, 1.0/1000); math.Abs(got-0.5) > 2e-3 {
		t.Errorf("W1 = %v, want ≈ 0.5", got)
	}
}
