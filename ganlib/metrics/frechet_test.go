package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.12g, want %.12g (±%g)", what, got, want, tol)
	}
}

func TestFrechet1D(t *testing.T) {
	// a: mean 1, variance 2; b: mean 3, variance 4 → (1-3)² + 2 + 4 - 2·√8.
	fd, err := Frechet([]float32{0, 2}, 2, []float32{1, 3, 5}, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "FD 1-D", fd, 4+6-2*math.Sqrt(8), 1e-12)
}

func TestFrechetDiagonal(t *testing.T) {
	// a: mean (0,0), covariance diag(2/3, 8/3); b: mean (0,1), covariance diag(6, 2/3). For diagonal covariances
	// FD = ‖Δμ‖² + Σ (σa - σb)².
	a := []float32{1, 0, -1, 0, 0, 2, 0, -2}
	b := []float32{3, 1, -3, 1, 0, 2, 0, 0}
	fd, err := Frechet(a, 4, b, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	s := func(x float64) float64 { return math.Sqrt(x) }
	want := 1 + math.Pow(s(2.0/3)-s(6), 2) + math.Pow(s(8.0/3)-s(2.0/3), 2)
	near(t, "FD diagonal", fd, want, 1e-12)
}

func TestFrechetNonDiagonal(t *testing.T) {
	// Σa = diag(1, 4), Σb = [[2,1],[1,2]] do not commute. Σa^½ Σb Σa^½ = [[2,2],[2,8]], eigenvalues 5 ± √13, so
	// tr((Σa Σb)^½) = √(5+√13) + √(5−√13); with means (0,0) and (1,1): FD = 2 + 5 + 4 − 2·that.
	ca := []float64{1, 0, 0, 4}
	cb := []float64{2, 1, 1, 2}
	tr := math.Sqrt(5+math.Sqrt(13)) + math.Sqrt(5-math.Sqrt(13))
	want := 2 + 5 + 4 - 2*tr
	fd, err := frechetGaussians([]float64{0, 0}, ca, []float64{1, 1}, cb, 2)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "FD(a, b)", fd, want, 1e-12)
	fd, err = frechetGaussians([]float64{1, 1}, cb, []float64{0, 0}, ca, 2)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "FD(b, a)", fd, want, 1e-12)
	// Commuting case: Σa = [[2,1],[1,2]] (eigenvalues 3, 1), Σb = [[5,-1],[-1,5]] (4 and 6 on the same vectors).
	fd, err = frechetGaussians([]float64{0, 0}, []float64{2, 1, 1, 2}, []float64{0, 0}, []float64{5, -1, -1, 5}, 2)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "FD commuting", fd, 4+10-2*(math.Sqrt(12)+math.Sqrt(6)), 1e-12)
}

// randomSet returns n rows of dim correlated Gaussian features (x = A·g + shift, A random).
func randomSet(rng *rand.Rand, n, dim int, shift float64) []float32 {
	mix := make([]float64, dim*dim)
	for i := range mix {
		mix[i] = rng.NormFloat64() / math.Sqrt(float64(dim))
	}
	out := make([]float32, n*dim)
	g := make([]float64, dim)
	for r := range n {
		for i := range g {
			g[i] = rng.NormFloat64()
		}
		for i := range dim {
			var v float64
			for j := range dim {
				v += mix[i*dim+j] * g[j]
			}
			out[r*dim+i] = float32(v + shift)
		}
	}
	return out
}

func TestFrechetSymmetryAndSelf(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const dim = 40
	a := randomSet(rng, 500, dim, 0)
	b := randomSet(rng, 700, dim, 0.3)
	ab, err := Frechet(a, 500, b, 700, dim)
	if err != nil {
		t.Fatal(err)
	}
	ba, err := Frechet(b, 700, a, 500, dim)
	if err != nil {
		t.Fatal(err)
	}
	if ab <= 1 {
		t.Errorf("FD of two different random sets = %g, want clearly > 0", ab)
	}
	near(t, "FD(b,a)", ba, ab, 1e-8*ab)
	aa, err := Frechet(a, 500, a, 500, dim)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "FD(a,a)", aa, 0, 1e-9)
	// A rank-deficient set (fewer rows than dims): still finite, and 0 with itself.
	few := a[:10*dim]
	ff, err := Frechet(few, 10, few, 10, dim)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "FD(few,few)", ff, 0, 1e-9)
}

func TestFrechetErrors(t *testing.T) {
	if _, err := Frechet([]float32{1, 2, 3}, 2, []float32{1, 2}, 2, 1); err == nil {
		t.Error("wrong length accepted")
	}
	if _, err := Frechet([]float32{1}, 1, []float32{1, 2}, 2, 1); err == nil {
		t.Error("a single row accepted")
	}
	if _, err := Frechet([]float32{float32(math.NaN()), 1}, 2, []float32{1, 2}, 2, 1); err == nil {
		t.Error("NaN accepted")
	}
}

func TestSymEigen(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const dim = 30
	a := make([]float64, dim*dim)
	for i := range dim {
		for j := i; j < dim; j++ {
			v := rng.NormFloat64()
			a[i*dim+j], a[j*dim+i] = v, v
		}
	}
	vals, vecs, err := symEigen(a, dim)
	if err != nil {
		t.Fatal(err)
	}
	// A·v_k = λ_k·v_k and VᵀV = I.
	for k := range dim {
		for i := range dim {
			var av float64
			for j := range dim {
				av += a[i*dim+j] * vecs[j*dim+k]
			}
			if math.Abs(av-vals[k]*vecs[i*dim+k]) > 1e-10 {
				t.Fatalf("eigenpair %d, row %d: A·v = %g, λ·v = %g", k, i, av, vals[k]*vecs[i*dim+k])
			}
		}
		for l := range dim {
			var dot float64
			for i := range dim {
				dot += vecs[i*dim+k] * vecs[i*dim+l]
			}
			want := 0.0
			if k == l {
				want = 1
			}
			if math.Abs(dot-want) > 1e-12 {
				t.Fatalf("vᵀv [%d,%d] = %g", k, l, dot)
			}
		}
	}
}

func BenchmarkFrechet128(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomSet(rng, 10000, 128, 0)
	y := randomSet(rng, 10000, 128, 0.1)
	for b.Loop() {
		if _, err := Frechet(x, 10000, y, 10000, 128); err != nil {
			b.Fatal(err)
		}
	}
}
