package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
)

func TestGaussianBlur(t *testing.T) {
	const h, w = 9, 7
	// A constant image stays constant (weights renormalised at the borders).
	c := make([]float32, h*w)
	for i := range c {
		c[i] = 0.3
	}
	out, err := GaussianBlur(c, 1, h, w, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range out {
		if math.Abs(float64(v)-0.3) > 1e-6 {
			t.Fatalf("constant image: pixel %d = %g after blurring", i, v)
		}
	}
	// A point in the middle spreads as the separable kernel exp(−d²/2σ²)/Σ: centre / (dx=1) = e^{1/2}, and the
	// total is kept (the kernel does not reach the border: radius 3).
	const n = 15 // the point at (7,7) and every pixel it reaches are ≥ 3 pixels from the border
	d := make([]float32, n*n)
	d[7*n+7] = 1
	out, err = GaussianBlur(d, 1, n, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range out {
		sum += float64(v)
	}
	if math.Abs(sum-1) > 1e-6 {
		t.Errorf("blurred point sums to %g, want 1", sum)
	}
	if r := float64(out[7*n+7] / out[7*n+8]); math.Abs(r-math.Exp(0.5)) > 1e-5 {
		t.Errorf("centre/neighbour = %g, want e^½ = %g", r, math.Exp(0.5))
	}
	if out[6*n+7] != out[8*n+7] || out[7*n+6] != out[7*n+8] || out[6*n+7] != out[7*n+6] {
		t.Error("blur of a point is not symmetric")
	}
	if _, err := GaussianBlur(d, 2, n, n, 1); err == nil {
		t.Error("no error for a wrong length")
	}
}

func TestAddNoise(t *testing.T) {
	x := []float32{0, 0.5, 1, 0.5}
	a, b := AddNoise(x, 0.1, 7), AddNoise(x, 0.1, 7)
	for i := range a {
		if a[i] != b[i] || a[i] < 0 || a[i] > 1 {
			t.Fatalf("noisy %v, again %v: want reproducible values in [0,1]", a, b)
		}
	}
	if a[1] == 0.5 && a[3] == 0.5 {
		t.Error("no noise added")
	}
}

func TestNearestL2AgainstBruteForce(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(8, 9))
		const nq, nr, dim = 260, 10090, 20 // two reference blocks, the second one padded
		q, r := parzenRandom(rng, nq, dim), parzenRandom(rng, nr, dim)
		copy(q[:dim], r[10017*dim:10018*dim]) // an exact copy: distance 0
		idx, d2, err := NearestL2(b, q, nq, r, nr, dim)
		if err != nil {
			t.Fatal(err)
		}
		if idx[0] != 10017 || d2[0] > 1e-9 {
			t.Errorf("exact copy of reference 10017: nearest %d at %g", idx[0], d2[0])
		}
		for j := range nq {
			best, bestD := -1, math.Inf(1)
			for i := range nr {
				var s float64
				for k := range dim {
					d := float64(q[j*dim+k]) - float64(r[i*dim+k])
					s += d * d
				}
				if s < bestD {
					best, bestD = i, s
				}
			}
			if idx[j] != best || math.Abs(d2[j]-bestD) > 1e-9 {
				t.Fatalf("query %d: nearest %d at %g, brute force %d at %g", j, idx[j], d2[j], best, bestD)
			}
		}
	})
}
