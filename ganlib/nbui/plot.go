package nbui

import (
	"fmt"
	"image/color"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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
	series := func(f func(r gan.Record) float64) plotter.XYs { return StepSeries(history, smooth, f) }
	losses := NewChart("Losses", "generator step", "")
	probs := NewChart("Discriminator outputs", "generator step", "")
	if !critic {
		probs.Y.Min, probs.Y.Max = 0, 1
	}
	entries := map[*plot.Plot]int{} // legend entries per panel
	add := func(p *plot.Plot, name string, pts plotter.XYs, c color.Color) error {
		if _, err := AddLine(p, pts, c, LineWidth, nil, name); err != nil {
			return err
		}
		entries[p]++
		return nil
	}
	dName := "D loss"
	if critic {
		dName = "critic loss"
	}
	if err := add(losses, dName, series(func(r gan.Record) float64 { return r.DLoss }), Blue); err != nil {
		return nil, err
	}
	if err := add(losses, "G loss", series(func(r gan.Record) float64 { return r.GLoss }), Orange); err != nil {
		return nil, err
	}
	span := func(y float64) plotter.XYs {
		return plotter.XYs{{X: float64(history[0].Step), Y: y}, {X: float64(history[len(history)-1].Step), Y: y}}
	}
	if critic {
		probs.Title.Text = "Critic"
		if err := add(probs, "E[f(x)] − E[f(G(z))] (W estimate)", series(func(r gan.Record) float64 { return r.WEstimate }), Blue); err != nil {
			return nil, err
		}
		if err := add(probs, "0", span(0), Gray); err != nil {
			return nil, err
		}
	} else {
		if err := add(probs, "mean D(x)", series(func(r gan.Record) float64 { return r.DReal }), Blue); err != nil {
			return nil, err
		}
		if err := add(probs, "mean D(G(z))", series(func(r gan.Record) float64 { return r.DFake }), Orange); err != nil {
			return nil, err
		}
		if err := add(probs, "½ (equilibrium)", span(0.5), Gray); err != nil {
			return nil, err
		}
	}
	// The legends sit in the top right corner, over the plot area: raise each panel's top so that they sit above
	// the curves instead of on them (D(x) near 1, an early G loss peak).
	raiseTop(losses, entries[losses])
	raiseTop(probs, entries[probs])
	if !critic { // ticks only where probabilities are
		probs.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25}, {Value: 0.5, Label: "0.5"}, {Value: 0.75}, {Value: 1, Label: "1"}})
	}
	return Figure{Width: 9 * vg.Inch, Height: 3.2 * vg.Inch, Cols: 2}.PNG(losses, probs)
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
