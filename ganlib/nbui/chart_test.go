package nbui

import (
	"bytes"
	"fmt"
	"image/png"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/ganlab/ganlab/ganlib/gan"
)

// TestStepSeries: a trailing moving average over smooth records, the first points averaging what there is.
func TestStepSeries(t *testing.T) {
	h := []gan.Record{{Step: 1, GLoss: 1}, {Step: 2, GLoss: 3}, {Step: 5, GLoss: 5}, {Step: 6, GLoss: 9}}
	g := func(r gan.Record) float64 { return r.GLoss }
	for smooth, want := range map[int]string{0: "[{1 1} {2 3} {5 5} {6 9}]", 1: "[{1 1} {2 3} {5 5} {6 9}]", 2: "[{1 1} {2 2} {5 4} {6 7}]", 9: "[{1 1} {2 2} {5 3} {6 4.5}]"} {
		if got := fmt.Sprint(StepSeries(h, smooth, g)); got != want {
			t.Errorf("smooth %d: %s, want %s", smooth, got, want)
		}
	}
}

// TestFigure: one chart or a row of panels render at the figure's size and resolution (no legend strip); no chart is an error.
func TestFigure(t *testing.T) {
	chart := func() *plot.Plot {
		p := NewChart("t", "x", "y")
		if _, err := AddLine(p, plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}}, SeriesColor(5), LineWidth, []vg.Length{vg.Points(2), vg.Points(2)}, "line"); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		f      Figure
		plots  int
		wx, wy int
	}{{Figure{Width: 4 * vg.Inch, Height: 2 * vg.Inch}, 1, 384, 192}, {Figure{Width: 4 * vg.Inch, Height: 2 * vg.Inch, DPI: 110, Cols: 2}, 3, 440, 220}} {
		var ps []*plot.Plot
		for range c.plots {
			ps = append(ps, chart())
		}
		b, err := c.f.PNG(ps...)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if r := img.Bounds(); r.Dx() != c.wx || r.Dy() != c.wy {
			t.Errorf("%+v: %d×%d pixels, want %d×%d", c.f, r.Dx(), r.Dy(), c.wx, c.wy)
		}
	}
	if _, err := (Figure{Width: vg.Inch, Height: vg.Inch}).PNG(); err == nil {
		t.Error("a figure of no charts: want an error")
	}
	if SeriesColor(0) != Blue || SeriesColor(1) != Orange || SeriesColor(4) != Blue {
		t.Error("series colours should go blue, orange, green, red, blue, …")
	}
}

// TestLegendBelow: with LegendBelow the legend (its red thumbnail) is drawn in the bottom strip of the figure, under
// the x axis, and without it nowhere there; the plot keeps its legend afterwards.
func TestLegendBelow(t *testing.T) {
	redIn := func(b []byte, fromRow float64) int {
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		n, r := 0, img.Bounds()
		for y := r.Min.Y + int(fromRow*float64(r.Dy())); y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if cr, cg, cb, _ := img.At(x, y).RGBA(); cr > 0xc000 && cg < 0x6000 && cb < 0x6000 {
					n++
				}
			}
		}
		return n
	}
	for _, below := range []bool{false, true} {
		p := NewChart("t", "x", "")
		if _, err := AddLine(p, plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 1}}, Red, 3, nil, "a red line"); err != nil {
			t.Fatal(err)
		}
		b, err := Figure{Width: 4 * vg.Inch, Height: 3 * vg.Inch, LegendBelow: below}.PNG(p)
		if err != nil {
			t.Fatal(err)
		}
		if n := redIn(b, 0.9); (n > 0) != below {
			t.Errorf("LegendBelow %v: %d red pixels in the bottom tenth of the figure", below, n)
		}
		if r := p.Legend.Rectangle(draw.New(vgimg.New(vg.Inch, vg.Inch))); r.Max.Y-r.Min.Y <= 0 {
			t.Errorf("LegendBelow %v: the plot lost its legend", below)
		}
	}
}
