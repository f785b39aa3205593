package nbui

import (
	"bytes"
	"fmt"
	"image/color"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// CurvesPNG draws the training curves of a history as one PNG with two panels: D and G losses, and the mean
// D(x) and D(G(z)) (with the equilibrium ½ marked). Curves are smoothed with a moving average over smooth steps
// (0 or 1: raw). For a critic (gan.Loss.Critic) use CurvesPNGFor: D(x) means nothing there.
func CurvesPNG(history []gan.Record, smooth int) ([]byte, error) {
	return curvesPNG(history, smooth, false)
}

// CurvesPNGFor is CurvesPNG for a history trained with loss: for a critic (WGAN, gan.Loss.Critic) the second panel
// shows the critic's Wasserstein estimate E[f(x)] − E[f(G(z))] (Record.WEstimate, with 0 marked) instead of D(x)
// and D(G(z)).
func CurvesPNGFor(loss gan.Loss, history []gan.Record, smooth int) ([]byte, error) {
	return curvesPNG(history, smooth, loss.Critic)
}

func curvesPNG(history []gan.Record, smooth int, critic bool) ([]byte, error) {
	if len(history) == 0 {
		return nil, fmt.Errorf("nbui.CurvesPNG: empty history")
	}
	series := func(f func(r gan.Record) float64) plotter.XYs {
		pts := make(plotter.XYs, len(history))
		w := max(smooth, 1)
		var sum float64
		for i, r := range history {
			sum += f(r)
			if i >= w {
				sum -= f(history[i-w])
			}
			pts[i].X = float64(r.Step)
			pts[i].Y = sum / float64(min(i+1, w))
		}
		return pts
	}
	losses := plot.New()
	losses.Title.Text = "Losses"
	losses.X.Label.Text = "generator step"
	probs := plot.New()
	probs.Title.Text = "Discriminator outputs"
	probs.X.Label.Text = "generator step"
	if !critic {
		probs.Y.Min, probs.Y.Max = 0, 1
	}
	entries := map[*plot.Plot]int{} // legend entries per panel
	add := func(p *plot.Plot, name string, pts plotter.XYs, c color.Color) error {
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = c
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(name, l)
		entries[p]++
		return nil
	}
	blue, orange, gray := color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{128, 128, 128, 255}
	dName := "D loss"
	if critic {
		dName = "critic loss"
	}
	if err := add(losses, dName, series(func(r gan.Record) float64 { return r.DLoss }), blue); err != nil {
		return nil, err
	}
	if err := add(losses, "G loss", series(func(r gan.Record) float64 { return r.GLoss }), orange); err != nil {
		return nil, err
	}
	span := func(y float64) plotter.XYs {
		return plotter.XYs{{X: float64(history[0].Step), Y: y}, {X: float64(history[len(history)-1].Step), Y: y}}
	}
	if critic {
		probs.Title.Text = "Critic"
		if err := add(probs, "E[f(x)] − E[f(G(z))] (W estimate)", series(func(r gan.Record) float64 { return r.WEstimate }), blue); err != nil {
			return nil, err
		}
		if err := add(probs, "0", span(0), gray); err != nil {
			return nil, err
		}
	} else {
		if err := add(probs, "mean D(x)", series(func(r gan.Record) float64 { return r.DReal }), blue); err != nil {
			return nil, err
		}
		if err := add(probs, "mean D(G(z))", series(func(r gan.Record) float64 { return r.DFake }), orange); err != nil {
			return nil, err
		}
		if err := add(probs, "½ (equilibrium)", span(0.5), gray); err != nil {
			return nil, err
		}
	}
	losses.Legend.Top, probs.Legend.Top = true, true
	// The legends sit in the top right corner, over the plot area: raise each panel's top so that they sit above
	// the curves instead of on them (D(x) near 1, an early G loss peak).
	raiseTop(losses, entries[losses])
	raiseTop(probs, entries[probs])
	if !critic { // ticks only where probabilities are
		probs.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25}, {Value: 0.5, Label: "0.5"}, {Value: 0.75}, {Value: 1, Label: "1"}})
	}
	const w, h = 9 * vg.Inch, 3.2 * vg.Inch
	canvas := vgimg.New(w, h)
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
	losses.Draw(tiles.At(dc, 0, 0))
	probs.Draw(tiles.At(dc, 1, 0)) // At(canvas, column, row)
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// legendRoom is the share of a panel's height left free above the curves per legend entry.
const legendRoom = 0.1

// raiseTop raises p's top by legendRoom of its data range per legend entry.
func raiseTop(p *plot.Plot, entries int) {
	p.Y.Max += legendRoom * float64(entries) * max(p.Y.Max-p.Y.Min, 1e-9)
}

// ShowCurves displays CurvesPNG inline. No-op outside a notebook.
func ShowCurves(history []gan.Record, smooth int) error {
	if !gonbui.IsNotebook {
		return nil
	}
	pngBytes, err := CurvesPNG(history, smooth)
	if err != nil {
		return err
	}
	ShowPNG(pngBytes)
	return nil
}
