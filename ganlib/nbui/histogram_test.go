package nbui

import (
	"bytes"
	"image/png"
	"testing"
)

func TestHistogramsPNG(t *testing.T) {
	for _, logY := range []bool{false, true} {
		b, err := HistogramsPNG("real vs generated", "intensity", 0, 1, logY,
			Hist{Name: "real", Values: []float64{0.5, 0.25, 0, 0.25}},
			Hist{Name: "generated", Values: []float64{0.1, 0.4, 0.4, 0.1}})
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if r := img.Bounds(); r.Dx() < 400 || r.Dy() < 200 {
			t.Errorf("logY=%v: image %v too small", logY, r)
		}
	}
	if _, err := HistogramsPNG("x", "y", 0, 1, false); err == nil {
		t.Error("no histograms: want an error")
	}
	if _, err := HistogramsPNG("x", "y", 0, 1, false, Hist{Name: "empty"}); err == nil {
		t.Error("empty histogram: want an error")
	}
}
