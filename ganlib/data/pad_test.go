package data

import (
	"slices"
	"testing"
)

// TestPadded: 2 images of 2×3×2 padded to 5×5: the originals centred (1 row on top, 2 at the bottom; 1 column
// left, 1 right), zeros around them, labels kept, the source untouched.
func TestPadded(t *testing.T) {
	im := &Images{Name: "toy", N: 2, H: 2, W: 3, C: 2, Labels: []int{4, 7}, ClassNames: []string{"a"}, Source: "here"}
	for i := range 2 * 2 * 3 * 2 {
		im.Pixels = append(im.Pixels, float32(i+1))
	}
	before := slices.Clone(im.Pixels)
	p := im.Padded(5)
	if p.N != 2 || p.H != 5 || p.W != 5 || p.C != 2 || len(p.Pixels) != 2*5*5*2 || !slices.Equal(p.Labels, im.Labels) {
		t.Fatalf("padded: N %d, %d×%d×%d, %d values, labels %v", p.N, p.H, p.W, p.C, len(p.Pixels), p.Labels)
	}
	for i := range 2 {
		img := p.Image(i)
		for y := range 5 {
			for x := range 5 {
				for c := range 2 {
					got := img[(y*5+x)*2+c]
					want := float32(0)
					if y >= 1 && y < 3 && x >= 1 && x < 4 {
						want = im.Image(i)[((y-1)*3+(x-1))*2+c]
					}
					if got != want {
						t.Errorf("image %d pixel (%d, %d, %d): %g, want %g", i, y, x, c, got, want)
					}
				}
			}
		}
	}
	if !slices.Equal(im.Pixels, before) || im.H != 2 {
		t.Errorf("Padded changed its source")
	}
	if q := im.Padded(3); q.H != 3 || q.W != 3 || q.Image(0)[0] != 1 {
		t.Errorf("Padded(3) of 2×3: %d×%d, first value %g", q.H, q.W, q.Image(0)[0])
	}
}
