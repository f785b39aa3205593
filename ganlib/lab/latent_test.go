package lab

import (
	"math"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/cgan"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func near(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol {
			return false
		}
	}
	return true
}

// TestSlerp: the ends are the two vectors; between orthogonal unit vectors the midpoint is (a+b)/√2 (unit norm,
// where the straight line's midpoint has norm 1/√2); parallel vectors fall back to the straight line.
func TestSlerp(t *testing.T) {
	a, b := []float32{1, 0, 0}, []float32{0, 1, 0}
	if !near(Slerp(a, b, 0), a, 1e-6) || !near(Slerp(a, b, 1), b, 1e-6) {
		t.Errorf("ends: %v %v", Slerp(a, b, 0), Slerp(a, b, 1))
	}
	s := float32(1 / math.Sqrt2)
	if m := Slerp(a, b, 0.5); !near(m, []float32{s, s, 0}, 1e-6) {
		t.Errorf("midpoint of orthogonal unit vectors %v, want (1/√2, 1/√2, 0)", m)
	}
	// Along the arc between two vectors of norm 3 every point has norm 3.
	c, d := []float32{3, 0, 0, 0}, []float32{0, 0, 1.8, 2.4}
	for _, u := range []float64{0.1, 0.3, 0.77} {
		if n := norm(Slerp(c, d, u)); math.Abs(n-3) > 1e-5 {
			t.Errorf("norm at t=%g: %g, want 3", u, n)
		}
	}
	if m := Slerp([]float32{1, 2}, []float32{2, 4}, 0.5); !near(m, []float32{1.5, 3}, 1e-6) {
		t.Errorf("parallel vectors: %v, want the straight line's (1.5, 3)", m)
	}
	w := Walk(a, b, 5)
	if len(w) != 15 || !near(w[:3], a, 1e-6) || !near(w[12:], b, 1e-6) {
		t.Errorf("Walk: %v", w)
	}
}

// TestNoise: the same seed draws the same vectors, another seed others; N(0, 1) or U(−1, 1) as the prior says.
func TestNoise(t *testing.T) {
	v := vanilla.New(28, 28, 1)
	z := Noise(v, 50, 1)
	if len(z) != 50*v.LatentDim || !near(z, Noise(v, 50, 1), 0) || near(z, Noise(v, 50, 2), 0) {
		t.Fatal("Noise is not a function of the seed")
	}
	var mean, sq float64
	for _, x := range z {
		mean += float64(x)
		sq += float64(x) * float64(x)
	}
	mean /= float64(len(z))
	if sd := math.Sqrt(sq/float64(len(z)) - mean*mean); math.Abs(mean) > 0.05 || math.Abs(sd-1) > 0.05 {
		t.Errorf("normal prior: mean %.3f sd %.3f", mean, sd)
	}
	v.Noise = gan.Uniform
	for _, x := range Noise(v, 50, 1) {
		if x < -1 || x >= 1 {
			t.Fatalf("uniform prior drew %g", x)
		}
	}
}

// TestInterpolationRows: each row starts at G(z0) and ends at G(z1) of its pair; a cGAN keeps row r's class
// along the row.
func TestInterpolationRows(t *testing.T) {
	b := backend.MustDefault()
	tr, err := gan.New(b, vanilla.New(28, 28, 1), gan.Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	const rows, steps, size = 2, 4, 28 * 28
	px, err := InterpolationRows(tr, rows, steps, 11)
	if err != nil {
		t.Fatal(err)
	}
	if len(px) != rows*steps*size {
		t.Fatalf("%d values, want %d images", len(px), rows*steps)
	}
	ends, err := tr.Generate(Noise(tr.Variant, 2*rows, 11))
	if err != nil {
		t.Fatal(err)
	}
	for r := range rows {
		first, last := px[r*steps*size:][:size], px[(r*steps+steps-1)*size:][:size]
		if !near(first, ends[2*r*size:][:size], 1e-5) || !near(last, ends[(2*r+1)*size:][:size], 1e-5) {
			t.Errorf("row %d does not run from G(z0) to G(z1)", r)
		}
	}
	if near(px[size:2*size], px[:size], 1e-4) {
		t.Error("the second image of a walk equals the first: G saw no change of z")
	}
	if _, err := InterpolationRows(tr, 1, 1, 0); err == nil || !strings.Contains(err.Error(), "2 steps") {
		t.Errorf("one step: %v", err)
	}

	ctr, err := gan.New(b, cgan.New(28, 1), gan.Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	px, err = InterpolationRows(ctr, 3, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	z := Noise(ctr.Variant, 6, 5)
	labels := cgan.Labels{K: cgan.Classes}
	for r := range 3 {
		d := ctr.Variant.LatentDim
		want, err := ctr.GenerateWith(z[(2*r+1)*d:(2*r+2)*d], labels.Of([]int{r}))
		if err != nil {
			t.Fatal(err)
		}
		if got := px[(r*3+2)*size:][:size]; !near(got, want, 1e-5) {
			t.Errorf("cGAN row %d does not end at G(z1, class %d)", r, r)
		}
	}
}

// TestLatentWalk: the slider's frames and static image are PNGs of the right count of positions.
func TestLatentWalk(t *testing.T) {
	tr, err := gan.New(backend.MustDefault(), vanilla.New(28, 28, 1), gan.Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	e := LatentWalk(tr, 3, 9, 1)
	if len(e.Labels) != 9 || e.Labels[0] != "t = 0.00" || e.Labels[8] != "t = 1.00" {
		t.Fatalf("labels %v", e.Labels)
	}
	for _, f := range []func() ([]byte, error){func() ([]byte, error) { return e.Frame(4) }, e.StaticPNG} {
		b, err := f()
		if err != nil || !strings.HasPrefix(string(b), "\x89PNG") {
			t.Errorf("not a PNG: %v", err)
		}
	}
}
