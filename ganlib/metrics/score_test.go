package metrics

import (
	"math"
	"testing"
)

func TestClassifierScore(t *testing.T) {
	// Confident and evenly spread over 4 classes: exp(KL) = exp(log 4) = 4.
	var probs []float32
	for i := range 8 {
		row := make([]float32, 4)
		row[i%4] = 1
		probs = append(probs, row...)
	}
	near(t, "score even, confident", ClassifierScore(probs, 8, 4), 4, 1e-12)
	// Confident but all one class: p(y|x) = p(y) → score 1.
	for i := range 8 {
		copy(probs[i*4:], []float32{0, 0, 1, 0})
	}
	near(t, "score collapsed", ClassifierScore(probs, 8, 4), 1, 1e-12)
	// Uniform p(y|x): score 1.
	for i := range probs {
		probs[i] = 0.25
	}
	near(t, "score uniform", ClassifierScore(probs, 8, 4), 1, 1e-6)
	// Two samples, p1 = (0.8, 0.2), p2 = (0.2, 0.8): p(y) = (0.5, 0.5), KL = 0.8 log 1.6 + 0.2 log 0.4 for both.
	kl := 0.8*math.Log(1.6) + 0.2*math.Log(0.4)
	near(t, "score two", ClassifierScore([]float32{0.8, 0.2, 0.2, 0.8}, 2, 2), math.Exp(kl), 1e-6)
	if s := ClassifierScore(nil, 0, 10); s != 0 {
		t.Errorf("empty: %g", s)
	}
}

func TestClassHistogram(t *testing.T) {
	counts, h := ClassHistogram([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10)
	for k, c := range counts {
		if c != 1 {
			t.Errorf("class %d: %d", k, c)
		}
	}
	near(t, "entropy even", h, math.Log(10), 1e-12)
	counts, h = ClassHistogram([]int{3, 3, 3, 3}, 10)
	if counts[3] != 4 || h != 0 {
		t.Errorf("collapsed: counts %v, entropy %g", counts, h)
	}
	// Two classes 3:1 → -(0.75 log 0.75 + 0.25 log 0.25); out-of-range labels ignored.
	_, h = ClassHistogram([]int{1, 1, 1, 2, -1, 10}, 10)
	near(t, "entropy 3:1", h, -(0.75*math.Log(0.75) + 0.25*math.Log(0.25)), 1e-12)
}
