package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// blobImage draws a bright disc of radius r at (cx, cy) on a dark background, h×w in [0, 1].
func blobImage(h, w int, cx, cy, r float64) []float32 {
	im := make([]float32, h*w)
	for y := range h {
		for x := range w {
			if (float64(x)-cx)*(float64(x)-cx)+(float64(y)-cy)*(float64(y)-cy) <= r*r {
				im[y*w+x] = 0.8
			} else {
				im[y*w+x] = 0.1
			}
		}
	}
	return im
}

// TestMSSSIM: identical images score 1, the score is symmetric, falls as noise grows, and is low for unrelated
// images; a set of copies has mean MS-SSIM 1 and a varied set less.
func TestMSSSIM(t *testing.T) {
	const n = 64
	a := blobImage(n, n, 30, 34, 18)
	if v, err := MSSSIM(a, a, n, n); err != nil || math.Abs(v-1) > 1e-9 {
		t.Fatalf("identical: %v, %v", v, err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	noisy := func(std float64) []float32 {
		out := make([]float32, len(a))
		for i, v := range a {
			out[i] = float32(math.Min(1, math.Max(0, float64(v)+std*rng.NormFloat64())))
		}
		return out
	}
	n1, n2 := noisy(0.05), noisy(0.3)
	v1, _ := MSSSIM(a, n1, n, n)
	v2, _ := MSSSIM(a, n2, n, n)
	back, _ := MSSSIM(n1, a, n, n)
	other, _ := MSSSIM(a, blobImage(n, n, 12, 12, 6), n, n)
	if !(v1 < 1 && v2 < v1 && math.Abs(back-v1) < 1e-9 && other < v2) {
		t.Errorf("noise 0.05: %.4f, noise 0.3: %.4f, swapped %.4f, another blob %.4f", v1, v2, back, other)
	}
	copies := append(append(append([]float32{}, a...), a...), a...)
	varied := append(append(append([]float32{}, a...), blobImage(n, n, 12, 12, 6)...), blobImage(n, n, 50, 20, 10)...)
	mc, err := MeanMSSSIM(copies, 3, n, n, 100, 1)
	mv, _ := MeanMSSSIM(varied, 3, n, n, 100, 1)
	if err != nil || math.Abs(mc-1) > 1e-9 || mv > 0.9 {
		t.Errorf("mean MS-SSIM of copies %v, of a varied set %v (%v)", mc, mv, err)
	}
	if _, err := MSSSIM(a, a[:10], n, n); err == nil {
		t.Error("wrong length accepted")
	}
}
