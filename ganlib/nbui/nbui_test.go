package nbui

import (
	"bytes"
	"image/color"
	"image/png"
	"testing"

	"github.com/ganlab/ganlab/ganlib/gan"
)

func TestGridLayoutAndValues(t *testing.T) {
	// 3 images 2×2 gray: image i has all pixels = i-1 in [-1, 1] → black, mid-gray, white.
	px := []float32{-1, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 1}
	g := Grid{Pixels: px, N: 3, H: 2, W: 2, C: 1, Lo: -1, Hi: 1, Cols: 2, Scale: 1, Pad: 1}
	img, err := g.Image()
	if err != nil {
		t.Fatal(err)
	}
	// 2 columns, 2 rows of 2×2 cells with a 1-pixel gap: width 1+2·3 = 7, height 7.
	if b := img.Bounds(); b.Dx() != 7 || b.Dy() != 7 {
		t.Fatalf("grid is %v, want 7×7", b)
	}
	gray := func(x, y int) uint8 { return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y }
	if v := gray(1, 1); v != 0 {
		t.Errorf("image 0 should be black, got %d", v)
	}
	if v := gray(4, 1); v < 126 || v > 129 {
		t.Errorf("image 1 should be mid-gray, got %d", v)
	}
	if v := gray(1, 4); v != 255 {
		t.Errorf("image 2 (second row) should be white, got %d", v)
	}
	if v := gray(0, 0); v != 255 {
		t.Errorf("padding should be white, got %d", v)
	}
	pngBytes, err := g.PNG()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(pngBytes)); err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	// Bad input is an error, not a panic.
	if _, err := (Grid{Pixels: px, N: 4, H: 2, W: 2, C: 1}).Image(); err == nil {
		t.Error("too few pixels should be an error")
	}
	if _, err := (Grid{Pixels: px, N: 1, H: 2, W: 2, C: 2}).Image(); err == nil {
		t.Error("2 channels should be an error")
	}
}

func TestCurvesAndNoOpsOutsideNotebook(t *testing.T) {
	if IsNotebook() {
		t.Skip("inside a notebook")
	}
	h := []gan.Record{{Step: 1, DLoss: 1, GLoss: 2, DReal: .6, DFake: .3}, {Step: 2, DLoss: .8, GLoss: 1.5, DReal: .7, DFake: .4}}
	b, err := CurvesPNG(h, 1)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() < 600 {
		t.Fatalf("curves PNG: %v %v", err, img.Bounds())
	}
	if _, err := CurvesPNG(nil, 1); err == nil {
		t.Error("empty history should be an error")
	}
	// Outside a notebook these do nothing and return no error.
	if err := ShowCurves(h, 1); err != nil {
		t.Error(err)
	}
	if err := ShowGrid("x", Grid{}); err != nil {
		t.Error(err)
	}
	if err := NewLiveGrid().Update("x", Grid{}); err != nil {
		t.Error(err)
	}
}

// TestCurvesForCritic: for a critic (gan.Loss.Critic) the second panel reads the Wasserstein estimate and not
// D(x)/D(G(z)), which are sigmoids of unbounded scores there; for other losses it is CurvesPNG.
func TestCurvesForCritic(t *testing.T) {
	h := []gan.Record{{Step: 1, DLoss: -1, GLoss: 2, DReal: .6, DFake: .3, WEstimate: 1}, {Step: 2, DLoss: -3, GLoss: 1.5, DReal: .7, DFake: .4, WEstimate: 3}}
	changed := func(f func(r *gan.Record)) []gan.Record {
		c := append([]gan.Record(nil), h...)
		for i := range c {
			f(&c[i])
		}
		return c
	}
	draw := func(loss gan.Loss, h []gan.Record) []byte {
		t.Helper()
		b, err := CurvesPNGFor(loss, h, 1)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	critic, plain := gan.Wasserstein(), gan.NonSaturating()
	if !critic.Critic || plain.Critic {
		t.Fatalf("Critic flags: wasserstein %v, non-saturating %v", critic.Critic, plain.Critic)
	}
	otherW := changed(func(r *gan.Record) { r.WEstimate += 5 })
	otherD := changed(func(r *gan.Record) { r.DReal, r.DFake = r.DFake, r.DReal })
	if bytes.Equal(draw(critic, h), draw(critic, otherW)) {
		t.Error("critic curves do not show the W estimate")
	}
	if !bytes.Equal(draw(critic, h), draw(critic, otherD)) {
		t.Error("critic curves show D(x)/D(G(z))")
	}
	if bytes.Equal(draw(plain, h), draw(plain, otherD)) || !bytes.Equal(draw(plain, h), draw(plain, otherW)) {
		t.Error("non-critic curves should show D(x)/D(G(z)) and not the W estimate")
	}
	if b, _ := CurvesPNG(h, 1); !bytes.Equal(b, draw(plain, h)) {
		t.Error("CurvesPNGFor with a non-critic loss should draw what CurvesPNG draws")
	}
}
