package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// KID is the Kernel Inception Distance of Bińkowski et al. 2018 (https://arxiv.org/abs/1801.01401) on feature
// vectors (rows of x, nx×dim, and y, ny×dim): the squared maximum mean discrepancy with the cubic polynomial kernel
// k(a, b) = (a·b/dim + 1)³, estimated without bias:
//
//	KID = mean_{i≠j} k(x_i, x_j) + mean_{i≠j} k(y_i, y_j) − 2 mean_{i,j} k(x_i, y_j).
//
// Unlike the Fréchet distance its expectation does not depend on the number of points, so small sets (20
// training slices, 100 samples) can be compared; its expectation is 0 for two samples of one distribution, so an
// estimate may come out slightly negative.
func KID(x []float32, nx int, y []float32, ny int, dim int) (float64, error) {
	if dim < 1 || nx < 2 || ny < 2 || len(x) != nx*dim || len(y) != ny*dim {
		return 0, fmt.Errorf("metrics.KID: want at least 2 rows of %d values in each set, got %d and %d values for %d and %d rows", dim, len(x), len(y), nx, ny)
	}
	for _, set := range [][]float32{x, y} {
		for _, v := range set {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return 0, fmt.Errorf("metrics.KID: non-finite feature value %v", v)
			}
		}
	}
	k := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
		}
		t := s/float64(dim) + 1
		return t * t * t
	}
	within := func(z []float32, n int) float64 {
		var s float64
		for i := range n {
			for j := i + 1; j < n; j++ {
				s += k(z[i*dim:(i+1)*dim], z[j*dim:(j+1)*dim])
			}
		}
		return 2 * s / float64(n*(n-1))
	}
	var cross float64
	for i := range nx {
		for j := range ny {
			cross += k(x[i*dim:(i+1)*dim], y[j*dim:(j+1)*dim])
		}
	}
	return within(x, nx) + within(y, ny) - 2*cross/float64(nx*ny), nil
}

// KIDSubsets is KID averaged over subsets, as Bińkowski et al. report it: subsets times, m rows drawn without
// replacement from each set (seeded), the mean and the standard deviation of the subsets' estimates. m is capped
// at the smaller set's size.
func KIDSubsets(x []float32, nx int, y []float32, ny int, dim, m, subsets int, seed uint64) (mean, std float64, err error) {
	if subsets < 1 {
		return 0, 0, fmt.Errorf("metrics.KIDSubsets: subsets must be >= 1, got %d", subsets)
	}
	m = min(m, nx, ny)
	rng := rand.New(rand.NewPCG(seed, 0x1D))
	pick := func(z []float32, n int) []float32 {
		out := make([]float32, 0, m*dim)
		for _, i := range rng.Perm(n)[:m] {
			out = append(out, z[i*dim:(i+1)*dim]...)
		}
		return out
	}
	var vals []float64
	for range subsets {
		v, err := KID(pick(x, nx), m, pick(y, ny), m, dim)
		if err != nil {
			return 0, 0, err
		}
		vals = append(vals, v)
	}
	for _, v := range vals {
		mean += v
	}
	mean /= float64(len(vals))
	for _, v := range vals {
		std += (v - mean) * (v - mean)
	}
	if len(vals) > 1 {
		std = math.Sqrt(std / float64(len(vals)-1))
	}
	return mean, std, nil
}
