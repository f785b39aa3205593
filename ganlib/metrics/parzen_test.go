package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
)

func parzenNear(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g (±%g)", what, got, want, tol)
	}
}

// TestParzenByHand checks cases small enough to work out on paper.
func TestParzenByHand(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		// d = 1, samples {0, 1}, x = 0, σ = 1: log(½(e⁰ + e^(−½))) − log √(2π).
		mean, se, err := Parzen(b, []float32{0, 1}, 2, []float32{0}, 1, 1, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := math.Log(0.5*(1+math.Exp(-0.5))) - 0.5*math.Log(2*math.Pi)
		parzenNear(t, "1-D log p", mean, want, 1e-12)
		parzenNear(t, "1-D log p (numeric)", mean, -1.1380087295845114, 1e-12)
		parzenNear(t, "stderr of one image", se, 0, 0)

		// d = 2, samples (0,0) and (1,1), σ = ½ (2σ² = ½): x = (1,0) is at squared distance 1 from both, so
		// log p = −2 − 2·log(½√(2π)); x = (0,0) is at 0 and 2: log((1 + e⁻⁴)/2) − 2·log(½√(2π)).
		z := 2 * math.Log(0.5*math.Sqrt(2*math.Pi))
		a := math.Log((1+math.Exp(-4))/2) - z
		c := -2 - z
		mean, se, err = Parzen(b, []float32{0, 0, 1, 1}, 2, []float32{0, 0, 1, 0}, 2, 2, 0.5, nil)
		if err != nil {
			t.Fatal(err)
		}
		parzenNear(t, "2-D mean", mean, (a+c)/2, 1e-12)
		parzenNear(t, "2-D stderr", se, math.Abs(a-c)/2/math.Sqrt(2), 1e-12)
		parzenNear(t, "2-D mean (numeric)", mean, -1.7890813316105223, 1e-12)
	})
}

// parzenReference is log p(x_j) for each j computed directly: Σ_k (x_k − μ_k)² in float64, then log-mean-exp.
func parzenReference(samples []float32, ns int, x []float32, n, dim int, sigma float64) []float64 {
	out := make([]float64, n)
	a := make([]float64, ns)
	for j := range n {
		best := math.Inf(-1)
		for i := range ns {
			var d2 float64
			for k := range dim {
				d := float64(x[j*dim+k]) - float64(samples[i*dim+k])
				d2 += d * d
			}
			a[i] = -d2 / (2 * sigma * sigma)
			best = math.Max(best, a[i])
		}
		var s float64
		for _, v := range a {
			s += math.Exp(v - best)
		}
		out[j] = best + math.Log(s/float64(ns)) - float64(dim)*math.Log(sigma*math.Sqrt(2*math.Pi))
	}
	return out
}

func parzenRandom(rng *rand.Rand, n, dim int) []float32 {
	x := make([]float32, n*dim)
	for i := range x {
		if rng.Float64() < 0.8 { // mostly black, like MNIST
			continue
		}
		x[i] = rng.Float32()
	}
	return x
}

// TestParzenAgainstBruteForce compares every image's log p, for all ten widths, with the direct float64 sum on
// random MNIST-like data, with more images than one batch (250) and a partial last batch; the test images are
// near copies of samples (squared distances ≈ 1e-4 against norms ≈ 50), where the ‖x‖² − 2x·μ + ‖μ‖² form would
// lose digits in float32.
func TestParzenAgainstBruteForce(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(3, 4))
		const ns, n, dim = 120, 263, 300
		samples := parzenRandom(rng, ns, dim)
		x := parzenRandom(rng, n, dim)
		for j := range 40 { // near copies
			src := samples[(j%ns)*dim : (j%ns+1)*dim]
			for k := range dim {
				x[j*dim+k] = src[k] + float32(rng.NormFloat64()*1e-3)
			}
		}
		sigmas := append(ParzenSigmas(), 0.01)
		got, err := ParzenLogDensities(b, samples, ns, x, n, dim, sigmas, nil)
		if err != nil {
			t.Fatal(err)
		}
		for s, sigma := range sigmas {
			want := parzenReference(samples, ns, x, n, dim, sigma)
			for j := range n {
				if math.Abs(got[s][j]-want[j]) > 1e-8*math.Max(1, math.Abs(want[j])) {
					t.Fatalf("σ=%g image %d: log p = %.12g, direct sum gives %.12g", sigma, j, got[s][j], want[j])
				}
			}
		}

		// Selecting σ: the argmax of the mean, with the means reported.
		var calls, last int
		sigma, per, err := ParzenSelectSigma(b, samples, ns, x, n, dim, nil, func(done, total int) {
			calls++
			if total != n || done <= last || done > total {
				t.Errorf("progress(%d, %d) after %d", done, total, last)
			}
			last = done
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 2 || last != n {
			t.Errorf("progress called %d times, last done %d; want 2 calls ending at %d", calls, last, n)
		}
		best, bestMean := -1, math.Inf(-1)
		for i, sg := range ParzenSigmas() {
			m, _ := meanStderr(parzenReference(samples, ns, x, n, dim, sg))
			parzenNear(t, "mean log p per σ", per[i], m, 1e-8*math.Abs(m))
			if m > bestMean {
				best, bestMean = i, m
			}
		}
		if sigma != ParzenSigmas()[best] {
			t.Errorf("selected σ=%g, brute force picks %g", sigma, ParzenSigmas()[best])
		}
	})
}

func TestParzenSigmas(t *testing.T) {
	s := ParzenSigmas()
	// numpy.logspace(-1, 0, 10)
	want := []float64{0.1, 0.12915496650148839, 0.16681005372000587, 0.21544346900318834, 0.2782559402207124,
		0.35938136638046275, 0.46415888336127786, 0.5994842503189409, 0.7742636826811269, 1}
	for i := range want {
		parzenNear(t, "logspace", s[i], want[i], 1e-15)
	}
}

func TestParzenBadInput(t *testing.T) {
	b := backendtest.Go(t)
	ok := []float32{0, 1}
	cases := map[string]func() error{
		"short samples": func() error { _, _, err := Parzen(b, ok, 3, ok, 2, 1, 1, nil); return err },
		"short test":    func() error { _, _, err := Parzen(b, ok, 2, ok, 3, 1, 1, nil); return err },
		"no images":     func() error { _, _, err := Parzen(b, ok, 2, nil, 0, 1, 1, nil); return err },
		"zero σ":        func() error { _, _, err := Parzen(b, ok, 2, ok, 2, 1, 0, nil); return err },
		"NaN σ":         func() error { _, _, err := Parzen(b, ok, 2, ok, 2, 1, math.NaN(), nil); return err },
		"NaN pixel": func() error {
			_, _, err := Parzen(b, []float32{0, float32(math.NaN())}, 2, ok, 2, 1, 1, nil)
			return err
		},
		"no σ": func() error { _, err := ParzenLogDensities(b, ok, 2, ok, 2, 1, []float64{}, nil); return err },
	}
	for name, fn := range cases {
		if err := fn(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// BenchmarkParzen10k times the paper's protocol size, 10,000 test images against 10,000 samples of 784 pixels, at
// one σ, on each backend: go test -run '^$' -bench Parzen10k -benchtime 1x ./ganlib/metrics
func BenchmarkParzen10k(b *testing.B) {
	backendtest.EachB(b, func(b *testing.B, be compute.Backend) {
		rng := rand.New(rand.NewPCG(1, 2))
		const n, dim = 10000, 784
		samples := parzenRandom(rng, n, dim)
		test := parzenRandom(rng, n, dim)
		b.ResetTimer()
		for range b.N {
			if _, _, err := Parzen(be, samples, n, test, n, dim, 0.2, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
