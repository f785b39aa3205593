package wgan

import (
	"bytes"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/ganlab/ganlab/ganlib/gan"
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
func GradNorm(r gan.Record) float64  { return r.GradNorm }
func MILoss(r gan.Record) float64    { return r.MILoss }

// CurvePNG plots curves (gonum/plot's font has no ∇: write "grad") read from history against the generator step, each smoothed by a moving average over
// smooth records (0 or 1: raw), with an optional dashed reference line at y = ref (NaN for none).
func CurvePNG(history []gan.Record, smooth int, title, yLabel string, ref float64, curves ...Curve) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "generator step"
	p.Y.Label.Text = yLabel
	colors := []color.Color{color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255}, color.RGBA{214, 39, 40, 255}}
	var first, last float64
	for i, c := range curves {
		h := c.History
		if h == nil {
			h = history
		}
		if len(h) == 0 {
			return nil, fmt.Errorf("CurvePNG: curve %q has no records", c.Name)
		}
		w := max(smooth, 1)
		pts := make(plotter.XYs, len(h))
		var sum float64
		for j, r := range h {
			sum += c.Value(r)
			if j >= w {
				sum -= c.Value(h[j-w])
			}
			pts[j].X, pts[j].Y = float64(r.Step), sum/float64(min(j+1, w))
		}
		if i == 0 || pts[0].X < first {
			first = pts[0].X
		}
		last = max(last, pts[len(pts)-1].X)
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.Color = colors[i%len(colors)]
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(c.Name, l)
	}
	if ref == ref { // not NaN
		l, err := plotter.NewLine(plotter.XYs{{X: first, Y: ref}, {X: last, Y: ref}})
		if err != nil {
			return nil, err
		}
		l.Color = color.Gray{128}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%g", ref), l)
	}
	p.Legend.Top = true
	canvas := vgimg.New(6.5*vg.Inch, 3.2*vg.Inch)
	p.Draw(draw.New(canvas))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
