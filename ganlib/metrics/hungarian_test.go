package metrics

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestHungarianPermutedLabels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const k, n = 10, 500
	perm := rng.Perm(k)
	truth := make([]int, n)
	pred := make([]int, n)
	for i := range truth {
		truth[i] = rng.IntN(k)
		pred[i] = perm[truth[i]] // cluster perm[l] stands for label l
	}
	acc, mapping := HungarianAccuracy(pred, truth, k)
	if acc != 1 {
		t.Fatalf("accuracy %g on permuted labels, want 1", acc)
	}
	for l := range k {
		if mapping[perm[l]] != l {
			t.Errorf("mapping[%d] = %d, want %d", perm[l], mapping[perm[l]], l)
		}
	}
}

// bruteForce tries every permutation of k labels.
func bruteForce(pred, truth []int, k int) int {
	best := 0
	perm := make([]int, k)
	used := make([]bool, k)
	var rec func(c int)
	rec = func(c int) {
		if c == k {
			hits := 0
			for i, p := range pred {
				if perm[p] == truth[i] {
					hits++
				}
			}
			best = max(best, hits)
			return
		}
		for l := range k {
			if !used[l] {
				used[l], perm[c] = true, l
				rec(c + 1)
				used[l] = false
			}
		}
	}
	rec(0)
	return best
}

func TestHungarianAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		k := 1 + rng.IntN(6)
		n := 1 + rng.IntN(40)
		pred, truth := make([]int, n), make([]int, n)
		noise := rng.Float64()
		for i := range pred {
			truth[i] = rng.IntN(k)
			pred[i] = (truth[i] + 1) % k
			if rng.Float64() < noise {
				pred[i] = rng.IntN(k)
			}
		}
		acc, mapping := HungarianAccuracy(pred, truth, k)
		want := bruteForce(pred, truth, k)
		if acc != float64(want)/float64(n) {
			t.Fatalf("trial %d (k=%d, n=%d): accuracy %g, brute force %d/%d", trial, k, n, acc, want, n)
		}
		seen := make([]bool, k)
		hits := 0
		for c, l := range mapping {
			if l < 0 || l >= k || seen[l] {
				t.Fatalf("trial %d: mapping %v is not a permutation of 0..%d", trial, mapping, k-1)
			}
			seen[l] = true
			for i := range pred {
				if pred[i] == c && truth[i] == l {
					hits++
				}
			}
		}
		if hits != want {
			t.Fatalf("trial %d: mapping %v scores %d, brute force %d", trial, mapping, hits, want)
		}
	}
}

func TestMinCostAssignmentAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		n := 1 + rng.IntN(6)
		cost := make([][]float64, n)
		for r := range cost {
			cost[r] = make([]float64, n)
			for c := range cost[r] {
				cost[r][c] = rng.NormFloat64() * 10
			}
		}
		got := 0.0
		for r, c := range MinCostAssignment(cost) {
			got += cost[r][c]
		}
		best := 1e300
		perm := make([]int, n)
		used := make([]bool, n)
		var rec func(r int, s float64)
		rec = func(r int, s float64) {
			if r == n {
				best = min(best, s)
				return
			}
			for c := range n {
				if !used[c] {
					used[c], perm[r] = true, c
					rec(r+1, s+cost[r][c])
					used[c] = false
				}
			}
		}
		rec(0, 0)
		if d := got - best; d > 1e-9 || d < -1e-9 {
			t.Fatalf("trial %d: cost %g, brute force %g", trial, got, best)
		}
	}
}

func TestHungarianUnusedClustersStillMapped(t *testing.T) {
	// Every example in cluster 2; labels 0 and 1: cluster 2 gets the majority label, the others the rest.
	acc, mapping := HungarianAccuracy([]int{2, 2, 2}, []int{1, 1, 0}, 3)
	if acc != 2.0/3 || mapping[2] != 1 {
		t.Fatalf("acc %g, mapping %v; want 2/3 with mapping[2] = 1", acc, mapping)
	}
}

func TestHungarianBadInput(t *testing.T) {
	cases := []struct {
		pred, truth []int
		k           int
		want        string
	}{
		{[]int{0, 1}, []int{0}, 2, "2 predictions but 1 labels"},
		{nil, nil, 2, "no examples"},
		{[]int{0}, []int{0}, 0, "k = 0"},
		{[]int{0, 2}, []int{0, 1}, 2, "prediction #1 is 2"},
		{[]int{0, 1}, []int{-1, 1}, 2, "label #0 is -1"},
	}
	for _, c := range cases {
		_, _, err := HungarianMatch(c.pred, c.truth, c.k)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("HungarianMatch(%v, %v, %d): error %v, want one containing %q", c.pred, c.truth, c.k, err, c.want)
		}
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("HungarianAccuracy(%v, %v, %d) did not panic", c.pred, c.truth, c.k)
				}
			}()
			HungarianAccuracy(c.pred, c.truth, c.k)
		}()
	}
}
