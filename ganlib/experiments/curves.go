package experiments

import (
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// Curve is one line of CurvePNG: a value read from each record of a history.
type Curve struct {
	Name  string
	Value func(r gan.Record) float64
	// History, when set, is the history this curve is read from (so several runs share one plot); otherwise
	// CurvePNG's history.
	History []gan.Record
}

// WEstimate reads the critic's Wasserstein estimate; GradNorm the penalty's mean ‖∇f(x̂)‖; MILoss InfoGAN's MI loss.
func WEstimate(r gan.Record) float64 { return r.WEstimate }
func GradNorm(r gan.Record) float64  { return r.Term("grad_norm") }
func MILoss(r gan.Record) float64    { return r.Term("mi_loss") }

// CurvePNG plots curves (gonum/plot's font has no ∇: write "grad") read from history against the generator step, each smoothed by a moving average over
// smooth records (0 or 1: raw), with an optional dashed reference line at y = ref (NaN for none).
func CurvePNG(history []gan.Record, smooth int, title, yLabel string, ref float64, curves ...Curve) ([]byte, error) {
	p := nbui.NewChart(title, "generator step", yLabel)
	var first, last float64
	for i, c := range curves {
		h := c.History
		if h == nil {
			h = history
		}
		if len(h) == 0 {
			return nil, fmt.Errorf("CurvePNG: curve %q has no records", c.Name)
		}
		pts := nbui.StepSeries(h, smooth, c.Value)
		if i == 0 || pts[0].X < first {
			first = pts[0].X
		}
		last = max(last, pts[len(pts)-1].X)
		if _, err := nbui.AddLine(p, pts, nbui.SeriesColor(i), nbui.LineWidth, nil, c.Name); err != nil {
			return nil, err
		}
	}
	if ref == ref { // not NaN
		dashes := []vg.Length{vg.Points(4), vg.Points(3)}
		if _, err := nbui.AddLine(p, plotter.XYs{{X: first, Y: ref}, {X: last, Y: ref}}, nbui.Gray, 1, dashes, fmt.Sprintf("%g", ref)); err != nil {
			return nil, err
		}
	}
	// Room above the curves for the legend (top right), a tenth of the data range per entry, so that no curve
	// runs under it.
	entries := len(curves)
	if ref == ref {
		entries++
	}
	p.Y.Max += 0.1 * float64(entries) * max(p.Y.Max-p.Y.Min, 1e-9)
	return nbui.Figure{Width: 6.5 * vg.Inch, Height: 3.2 * vg.Inch}.PNG(p)
}
