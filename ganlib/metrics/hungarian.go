package metrics

import (
	"fmt"
	"math"
)

// HungarianAccuracy is the clustering accuracy of pred against truth under the best one-to-one mapping of the k
// predicted clusters to the k labels: max over permutations π of (1/N)·#{i : π(pred[i]) = truth[i]}. It is how
// InfoGAN's categorical code is scored against the digit label (Chen et al. 2016, §7.1,
// https://arxiv.org/abs/1606.03657): the code is unsupervised, so which code value stands for which digit is
// arbitrary and only the best matching counts.
//
// The matching is found by the Kuhn–Munkres (Hungarian) algorithm on the k×k confusion matrix, in O(k³) time
// after one O(N) pass. mapping[c] is the label assigned to predicted cluster c; clusters that never occur are
// still mapped (to the labels left over), so mapping is always a permutation of 0..k−1.
//
// Both slices must have the same, non-zero length and hold values in [0, k); otherwise HungarianAccuracy panics
// with a message saying what is wrong (use HungarianMatch to get an error instead).
func HungarianAccuracy(pred, truth []int, k int) (acc float64, mapping []int) {
	acc, mapping, err := HungarianMatch(pred, truth, k)
	if err != nil {
		panic(err)
	}
	return acc, mapping
}

// HungarianMatch is HungarianAccuracy returning an error on bad input (lengths differ, no examples, k < 1, a value
// outside [0, k)) instead of panicking.
func HungarianMatch(pred, truth []int, k int) (acc float64, mapping []int, err error) {
	if k < 1 {
		return 0, nil, fmt.Errorf("metrics.HungarianMatch: k = %d clusters, want k ≥ 1", k)
	}
	if len(pred) != len(truth) {
		return 0, nil, fmt.Errorf("metrics.HungarianMatch: %d predictions but %d labels", len(pred), len(truth))
	}
	if len(pred) == 0 {
		return 0, nil, fmt.Errorf("metrics.HungarianMatch: no examples")
	}
	// counts[c][l]: how many examples of predicted cluster c have label l.
	counts := make([][]int, k)
	for c := range counts {
		counts[c] = make([]int, k)
	}
	for i, p := range pred {
		t := truth[i]
		if p < 0 || p >= k {
			return 0, nil, fmt.Errorf("metrics.HungarianMatch: prediction #%d is %d, outside [0, %d)", i, p, k)
		}
		if t < 0 || t >= k {
			return 0, nil, fmt.Errorf("metrics.HungarianMatch: label #%d is %d, outside [0, %d)", i, t, k)
		}
		counts[p][t]++
	}
	cost := make([][]float64, k)
	for c := range cost {
		cost[c] = make([]float64, k)
		for l := range cost[c] {
			cost[c][l] = -float64(counts[c][l])
		}
	}
	mapping = MinCostAssignment(cost)
	hits := 0
	for c, l := range mapping {
		hits += counts[c][l]
	}
	return float64(hits) / float64(len(pred)), mapping, nil
}

// MinCostAssignment solves the square assignment problem by the Kuhn–Munkres algorithm with potentials (O(n³)):
// it returns assign, a permutation of 0..n−1, minimising Σ_r cost[r][assign[r]]. cost must be n×n with finite
// entries; MinCostAssignment panics otherwise.
func MinCostAssignment(cost [][]float64) []int {
	n := len(cost)
	for r, row := range cost {
		if len(row) != n {
			panic(fmt.Sprintf("metrics.MinCostAssignment: row %d has %d entries, want %d (square matrix)", r, len(row), n))
		}
		for c, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				panic(fmt.Sprintf("metrics.MinCostAssignment: cost[%d][%d] = %g is not finite", r, c, v))
			}
		}
	}
	// 1-based arrays; column 0 is a virtual column holding the row being inserted.
	u := make([]float64, n+1) // row potentials
	v := make([]float64, n+1) // column potentials
	p := make([]int, n+1)     // p[j]: row matched to column j (0 = none)
	way := make([]int, n+1)   // way[j]: previous column on the alternating path to j
	minv := make([]float64, n+1)
	used := make([]bool, n+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				if cur := cost[i0-1][j-1] - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	assign := make([]int, n)
	for j := 1; j <= n; j++ {
		assign[p[j]-1] = j - 1
	}
	return assign
}
