package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

func gaussianRows(n, dim int, shift float64, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, n*dim)
	for i := range x {
		x[i] = float32(rng.NormFloat64() + shift)
	}
	return x
}

// TestKID: two samples of one distribution score about 0, a set against itself too (slightly negative: the
// cross term counts each point with itself), a shifted set clearly more, and a hand-computed case matches.
func TestKID(t *testing.T) {
	const dim = 8
	a, b := gaussianRows(300, dim, 0, 1), gaussianRows(300, dim, 0, 2)
	same, err := KID(a, 300, b, 300, dim)
	if err != nil {
		t.Fatal(err)
	}
	self, _ := KID(a, 300, a, 300, dim)
	shifted, _ := KID(a, 300, gaussianRows(300, dim, 0.5, 3), 300, dim)
	if math.Abs(same) > 0.05 || math.Abs(self) > 0.1 || shifted < 10*math.Abs(same) || shifted < 10*math.Abs(self) {
		t.Errorf("same distribution %.4f, itself %.4f, shifted by 0.5 %.4f", same, self, shifted)
	}
	// By hand, dim 1: x = {0, 1}, y = {2, 3}: k(a,b) = (ab+1)³.
	// within x: k(0,1) = 1; within y: k(2,3) = 343; cross: k(0,2)=1, k(0,3)=1, k(1,2)=27, k(1,3)=64 → mean 93/4.
	got, _ := KID([]float32{0, 1}, 2, []float32{2, 3}, 2, 1)
	if want := 1 + 343 - 2*93.0/4; math.Abs(got-want) > 1e-9 {
		t.Errorf("hand case: %v, want %v", got, want)
	}
	m, s, err := KIDSubsets(a, 300, gaussianRows(300, dim, 0.5, 3), 300, dim, 100, 10, 1)
	if err != nil || m < 0.1 || s <= 0 || s > m {
		t.Errorf("subsets: mean %v std %v err %v", m, s, err)
	}
	if _, err := KID(a, 1, b, 300, dim); err == nil {
		t.Error("one row accepted")
	}
	if _, err := KID([]float32{0, float32(math.NaN())}, 2, []float32{1, 2}, 2, 1); err == nil {
		t.Error("NaN accepted")
	}
}
