package nbui

import (
	"bytes"
	"image/png"
	"testing"
)

func turingFixture() TuringTest {
	const n, side = 5, 4
	real, fake := make([]float32, n*side*side), make([]float32, 3*side*side)
	for i := range fake {
		fake[i] = 1 // generated images white, real ones black: the grid shows which is which
	}
	return TuringTest{Real: real, Fake: fake, NReal: n, NFake: 3, H: side, W: side, C: 1, Cols: 4, Scale: 1, Seed: 7}
}

// TestTuringTest: the shuffle holds every image once and depends on the seed, the grid puts each image where the
// key says, and the score counts marks against the key.
func TestTuringTest(t *testing.T) {
	tt := turingFixture()
	fake := tt.IsFake()
	nf := 0
	for _, f := range fake {
		if f {
			nf++
		}
	}
	if len(fake) != 8 || nf != 3 {
		t.Fatalf("IsFake: %d positions, %d generated; want 8 and 3", len(fake), nf)
	}
	other := tt
	differs := false
	for seed := uint64(8); seed < 20 && !differs; seed++ {
		other.Seed = seed
		for k, f := range other.IsFake() {
			differs = differs || f != fake[k]
		}
	}
	if !differs {
		t.Errorf("the shuffle does not depend on the seed")
	}
	b, err := tt.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for k, f := range fake { // centre pixel of each cell: 4 pixels + 2 of padding per cell
		x, y := (k%4)*6+2, (k/4)*6+2
		if r, _, _, _ := img.At(x, y).RGBA(); (r > 0x8000) != f {
			t.Errorf("position %d: grid pixel %#x, key says generated=%v", k+1, r, f)
		}
	}
	var caught []int
	for k, f := range fake {
		if f {
			caught = append(caught, k+1)
		}
	}
	s, err := tt.Score(caught)
	if err != nil || s != (TuringScore{Caught: 3, Trusted: 5}) || s.Accuracy() != 1 {
		t.Errorf("marking exactly the key: %+v, %v; want all caught", s, err)
	}
	all := []int{1, 2, 3, 4, 5, 6, 7, 8}
	if s, _ := tt.Score(all); s != (TuringScore{Caught: 3, Accused: 5}) || s.Accuracy() != 3.0/8 {
		t.Errorf("marking everything: %+v", s)
	}
	if s, _ := tt.Score(nil); s != (TuringScore{Missed: 3, Trusted: 5}) {
		t.Errorf("marking nothing: %+v", s)
	}
	for _, bad := range [][]int{{0}, {9}, {2, 2}} {
		if _, err := tt.Score(bad); err == nil {
			t.Errorf("Score(%v): no error", bad)
		}
	}
	short := tt
	short.Fake = short.Fake[:10]
	if _, err := short.PNG(); err == nil {
		t.Errorf("too few generated values: no error")
	}
}
