package lab

import (
	"image/color"
	"math"
	"testing"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// TestEpochMean: the mean of the last n records, not of the whole history; fewer records than n average them all.
func TestEpochMean(t *testing.T) {
	h := []gan.Record{{Step: 1, DLoss: 9, GLoss: 9}, {Step: 2, DLoss: 1, GLoss: 2, DReal: 0.5, DFake: 0.25}, {Step: 3, DLoss: 3, GLoss: 4, DReal: 0.7, DFake: 0.75}}
	r, err := EpochMean(h, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r.Step != 3 || r.DLoss != 2 || r.GLoss != 3 || math.Abs(r.DReal-0.6) > 1e-12 || r.DFake != 0.5 {
		t.Errorf("mean of the last 2 records: %+v", r)
	}
	if r, _ := EpochMean(h, 10); r.DLoss != 13.0/3 {
		t.Errorf("n over the history's length: D loss %g, want the mean of all 3 records", r.DLoss)
	}
	if _, err := EpochMean(nil, 5); err == nil {
		t.Error("an empty history gave no error")
	}
}

// TestSideBySide: two grids of different heights end up next to each other, gap pixels apart, top-aligned, with
// their own pixels (black and white images) and white elsewhere.
func TestSideBySide(t *testing.T) {
	black := nbui.Grid{Pixels: make([]float32, 2*4*4), N: 2, H: 4, W: 4, C: 1, Lo: 0, Hi: 1, Rows: 1, Cols: 2, Scale: 1, Pad: 1}
	ones := make([]float32, 4*4*4)
	for i := range ones {
		ones[i] = 1
	}
	white := nbui.Grid{Pixels: ones, N: 4, H: 4, W: 4, C: 1, Lo: 0, Hi: 1, Rows: 2, Cols: 2, Scale: 1, Pad: 1}
	img, err := SideBySide(5, black, white)
	if err != nil {
		t.Fatal(err)
	}
	// black: 2 cols × (4+1) + 1 = 11 wide, 6 high; white: 11 wide, 11 high.
	if b := img.Bounds(); b.Dx() != 11+5+11 || b.Dy() != 11 {
		t.Fatalf("size %v, want 27×11", b)
	}
	isBlack := func(x, y int) bool { r, g, b, _ := img.At(x, y).RGBA(); return r == 0 && g == 0 && b == 0 }
	if !isBlack(1, 1) || !isBlack(9, 4) {
		t.Error("the first grid's images are not black at the left")
	}
	if isBlack(1, 8) || isBlack(13, 1) || isBlack(20, 9) {
		t.Error("below the shorter grid, in the gap or in the white grid: black pixels")
	}
	if img.At(13, 1) != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("gap pixel %v, want white", img.At(13, 1))
	}
	if _, err := SideBySide(5); err == nil {
		t.Error("no grids gave no error")
	}
	if _, err := SideBySide(5, nbui.Grid{}); err == nil {
		t.Error("an empty grid gave no error")
	}
}
