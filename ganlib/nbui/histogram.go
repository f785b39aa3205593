package nbui

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Hist is one histogram of HistogramsPNG: fractions per equal-width bin over the plot's range.
type Hist struct {
	Name   string
	Values []float64
}

// HistogramsPNG overlays histograms over the same bins of [lo, hi] in one PNG, each drawn as a step line (the
// first blue, the second orange, then green and red), as the Kaggle MRI notebook's real-vs-generated pixel
// histogram. With logY the vertical axis is logarithmic (fractions below 1e-5 are drawn at 1e-5), so a large
// spike (e.g. black background) does not flatten the rest.
func HistogramsPNG(title, xLabel string, lo, hi float64, logY bool, hists ...Hist) ([]byte, error) {
	if len(hists) == 0 {
		return nil, fmt.Errorf("nbui.HistogramsPNG: no histograms")
	}
	p := NewChart(title, xLabel, "fraction of pixels")
	p.X.Min, p.X.Max = lo, hi
	const floor = 1e-5
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Y.Label.Text += " (log)"
		p.Y.Min, p.Y.Max = floor, 1
	} else {
		p.Y.Min = 0
	}
	for k, h := range hists {
		if len(h.Values) == 0 {
			return nil, fmt.Errorf("nbui.HistogramsPNG: histogram %q is empty", h.Name)
		}
		width := (hi - lo) / float64(len(h.Values))
		pts := make(plotter.XYs, 0, 2*len(h.Values))
		for i, v := range h.Values {
			if logY {
				v = math.Max(v, floor)
			}
			pts = append(pts, plotter.XY{X: lo + float64(i)*width, Y: v}, plotter.XY{X: lo + float64(i+1)*width, Y: v})
		}
		if _, err := AddLine(p, pts, SeriesColor(k), LineWidth, nil, h.Name); err != nil {
			return nil, err
		}
	}
	return Figure{Width: 7 * vg.Inch, Height: 3.6 * vg.Inch}.PNG(p)
}
