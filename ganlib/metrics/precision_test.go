package metrics

import (
	"math/rand/v2"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/gomlx/compute"
)

// modes returns n points in dim dimensions, spread evenly over the given mode centres: each mode a small
// Gaussian blob (stddev 0.1 in the first two dimensions: a 2-D manifold, as data lie on low-dimensional manifolds
// in feature space; in 16 dimensions 60 points per mode are too few for k-NN balls to cover a fresh sample)
// shifted by 10·(1+c/dim) along axis c%dim.
func modes(rng *rand.Rand, n, dim int, centres []int) []float32 {
	out := make([]float32, n*dim)
	for i := range n {
		c := centres[i%len(centres)]
		for j := range 2 {
			out[i*dim+j] = float32(0.1 * rng.NormFloat64())
		}
		out[i*dim+c%dim] += 10 * float32(1+c/dim)
	}
	return out
}

func checkPR(t *testing.T, pr func(real []float32, nr int, fake []float32, nf int, dim, k int) (float64, float64, error)) {
	rng := rand.New(rand.NewPCG(7, 8))
	const dim, n = 16, 600
	all := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	real := modes(rng, n, dim, all)
	// Identical sets: every point is its own neighbour's neighbour → (1, 1).
	p, r, err := pr(real, n, real, n, dim, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p != 1 || r != 1 {
		t.Errorf("identical sets: precision %g, recall %g, want 1, 1", p, r)
	}
	// A fresh sample of the same distribution: both close to 1.
	other := modes(rng, n, dim, all)
	p, r, err = pr(real, n, other, n, dim, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p < 0.9 || r < 0.9 {
		t.Errorf("same distribution: precision %g, recall %g, want both >= 0.9", p, r)
	}
	// Far away and disjoint: (0, 0).
	far := modes(rng, n, dim, []int{40, 41, 42})
	p, r, err = pr(real, n, far, n, dim, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p != 0 || r != 0 {
		t.Errorf("disjoint sets: precision %g, recall %g, want 0, 0", p, r)
	}
	// Fake covers half of the real modes (and only those): precision ≈ 1, recall ≈ 0.5.
	half := modes(rng, n, dim, all[:5])
	p, r, err = pr(real, n, half, n, dim, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p < 0.9 || r < 0.4 || r > 0.55 {
		t.Errorf("half the modes: precision %g, recall %g, want >= 0.9 and ≈ 0.5", p, r)
	}
	// And the other way round: half the real modes, all fake ones → precision ≈ 0.5, recall ≈ 1.
	p, r, err = pr(half, n, real, n, dim, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r < 0.9 || p < 0.4 || p > 0.55 {
		t.Errorf("fake with extra modes: precision %g, recall %g, want ≈ 0.5 and >= 0.9", p, r)
	}
}

func TestPrecisionRecallGo(t *testing.T) { checkPR(t, PrecisionRecall) }

func TestPrecisionRecallOnBackend(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		checkPR(t, func(real []float32, nr int, fake []float32, nf int, dim, k int) (float64, float64, error) {
			return PrecisionRecallOn(b, real, nr, fake, nf, dim, k)
		})
	})
}

// TestPrecisionRecallBackendsAgree: the Go and backend distances give the same answer on random data.
func TestPrecisionRecallBackendsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const dim = 8
	a := randomSet(rng, 300, dim, 0)
	b := randomSet(rng, 250, dim, 0.5)
	p1, r1, err := PrecisionRecall(a, 300, b, 250, dim, 5)
	if err != nil {
		t.Fatal(err)
	}
	p2, r2, err := PrecisionRecallOn(backendtest.Go(t), a, 300, b, 250, dim, 5)
	if err != nil {
		t.Fatal(err)
	}
	// Float32 rounding in the distances may flip a borderline point or two.
	if d := p1 - p2; d > 0.01 || d < -0.01 {
		t.Errorf("precision: Go %g, backend %g", p1, p2)
	}
	if d := r1 - r2; d > 0.01 || d < -0.01 {
		t.Errorf("recall: Go %g, backend %g", r1, r2)
	}
	if p1 <= 0.05 || p1 >= 0.99 || r1 <= 0.05 || r1 >= 0.99 {
		t.Errorf("shifted set: precision %g, recall %g, want strictly between 0 and 1", p1, r1)
	}
}

func TestPrecisionRecallErrors(t *testing.T) {
	if _, _, err := PrecisionRecall(make([]float32, 6), 3, make([]float32, 6), 3, 2, 3); err == nil {
		t.Error("k >= n accepted")
	}
	if _, _, err := PrecisionRecall(make([]float32, 5), 3, make([]float32, 6), 3, 2, 1); err == nil {
		t.Error("wrong length accepted")
	}
}

func BenchmarkPrecisionRecall10k(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	x := randomSet(rng, 10000, 128, 0)
	y := randomSet(rng, 10000, 128, 0.1)
	for b.Loop() {
		if _, _, err := PrecisionRecall(x, 10000, y, 10000, 128, 3); err != nil {
			b.Fatal(err)
		}
	}
}

// TestManifoldHandCase: real points 0, 1, 2, 3 on a line, fakes 0.5 and 10, k = 1. Real balls have radius 1;
// 0.5 lies in the balls of 0 and 1, 10 in none: precision 1/2, density (2+0)/(1·2) = 1, coverage 2/4. The fakes'
// balls have radius 9.5, so the ball of 0.5 holds every real point: recall 1.
func TestManifoldHandCase(t *testing.T) {
	for _, b := range []compute.Backend{nil, backendtest.Go(t)} {
		m, err := ManifoldScores(b, []float32{0, 1, 2, 3}, 4, []float32{0.5, 10}, 2, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if m != (Manifold{Precision: 0.5, Recall: 1, Density: 1, Coverage: 0.5}) {
			t.Errorf("backend %v: %+v", b, m)
		}
	}
}

func TestDensityCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const dim, n = 16, 600
	all := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	real := modes(rng, n, dim, all)
	m, err := ManifoldScores(nil, real, n, modes(rng, n, dim, all), n, dim, 3)
	if err != nil {
		t.Fatal(err)
	}
	// For two samples of one distribution, equal sizes, the expected coverage is 1 - 1/2^k = 0.875 (Naeem et al.).
	if m.Density < 0.8 || m.Density > 1.2 || m.Coverage < 0.82 || m.Coverage > 0.93 {
		t.Errorf("same distribution: %+v, want density ≈ 1 and coverage ≈ 0.875", m)
	}
	m, err = ManifoldScores(nil, real, n, modes(rng, n, dim, all[:5]), n, dim, 3)
	if err != nil {
		t.Fatal(err)
	}
	if m.Coverage < 0.35 || m.Coverage > 0.5 {
		t.Errorf("half the modes: %+v, want coverage ≈ 0.875/2", m)
	}
	// All samples at one real point: precision 1, but coverage tiny.
	one := make([]float32, n*dim)
	for i := range n {
		copy(one[i*dim:], real[:dim])
	}
	m, err = ManifoldScores(nil, real, n, one, n, dim, 3)
	if err != nil {
		t.Fatal(err)
	}
	if m.Precision != 1 || m.Coverage > 0.02 {
		t.Errorf("one point repeated: %+v, want precision 1 and coverage ≈ 0", m)
	}
}

func BenchmarkPrecisionRecallOnXLA10k(b *testing.B) {
	be := backendtest.XLA(b)
	rng := rand.New(rand.NewPCG(11, 12))
	x := randomSet(rng, 10000, 128, 0)
	y := randomSet(rng, 10000, 128, 0.1)
	for b.Loop() {
		if _, _, err := PrecisionRecallOn(be, x, 10000, y, 10000, 128, 3); err != nil {
			b.Fatal(err)
		}
	}
}
