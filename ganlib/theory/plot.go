package theory

import (
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/ganlab/ganlab/ganlib/nbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours of the paper's Figure 1: p_data black (dots), p_g green, D blue (dashed).
var (
	black  = color.RGBA{0, 0, 0, 255}
	green  = color.RGBA{0, 150, 60, 255}
	blue   = color.RGBA{30, 90, 220, 255}
	orange = color.RGBA{230, 120, 10, 255}
	red    = color.RGBA{200, 30, 30, 255}
	gray   = color.RGBA{140, 140, 140, 255}
	shade  = color.RGBA{235, 235, 235, 255}
	dashes = []vg.Length{vg.Points(5), vg.Points(3)}
)

func xys(x, y []float64) plotter.XYs {
	pts := make(plotter.XYs, len(x))
	for i := range x {
		pts[i].X, pts[i].Y = x[i], y[i]
	}
	return pts
}

// addDots draws p_data as the paper does: a dotted black curve (every few grid points).
func addDots(p *plot.Plot, x, y []float64, every int, legend string) error {
	var pts plotter.XYs
	for i := 0; i < len(x); i += every {
		pts = append(pts, plotter.XY{X: x[i], Y: y[i]})
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	s.GlyphStyle.Color, s.GlyphStyle.Radius, s.GlyphStyle.Shape = black, vg.Points(1.3), draw.CircleGlyph{}
	p.Add(s)
	if legend != "" {
		p.Legend.Add(legend, s)
	}
	return nil
}

// addRegion shades the intervals from y0 to y1.
func addRegion(p *plot.Plot, ivs []Interval, y0, y1 float64) error {
	for _, iv := range ivs {
		poly, err := plotter.NewPolygon(plotter.XYs{{X: iv.Lo, Y: y0}, {X: iv.Hi, Y: y0}, {X: iv.Hi, Y: y1}, {X: iv.Lo, Y: y1}})
		if err != nil {
			return err
		}
		poly.Color, poly.LineStyle.Width = shade, 0
		p.Add(poly)
	}
	return nil
}

// render draws the plots side by side (cols per row) on a canvas of w×h inches at 110 dpi, each legend in a strip
// below its panel (the canvas grows by it), and encodes it as PNG.
func render(plots []*plot.Plot, cols int, w, h float64) ([]byte, error) {
	return nbui.Figure{Width: vg.Length(w) * vg.Inch, Height: vg.Length(h) * vg.Inch, DPI: 110, Cols: cols, LegendBelow: true}.PNG(plots...)
}

// Figure1PNG draws the panels side by side in the style of Goodfellow et al. 2014's Figure 1: p_data as black
// dots, p_g (KDE of G(z)) in green, D(x) as a blue dashed line; below them two horizontal lines, the lower one the
// domain of z (z ∈ [−1, 1], drawn across the plot's width) and the upper one the domain of x, joined by arrows
// from z to x = G(z) for evenly spaced z. Where the arrows bunch up, G puts much density.
func Figure1PNG(panels []Snapshot) ([]byte, error) {
	if len(panels) == 0 {
		return nil, fmt.Errorf("theory.Figure1PNG: no panels")
	}
	const zY, xY = -0.55, -0.12
	var plots []*plot.Plot
	for i, s := range panels {
		p := nbui.NewChart(fmt.Sprintf("%s, step %d", s.Label, s.Step), "x", "")
		lo, hi := s.X[0], s.X[len(s.X)-1]
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, zY-0.08, 1.05
		p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.5, Label: "½"}, {Value: 1, Label: "1"}})
		if _, err := nbui.AddLine(p, plotter.XYs{{X: lo, Y: xY}, {X: hi, Y: xY}}, black, 1, nil, ""); err != nil {
			return nil, err
		}
		if _, err := nbui.AddLine(p, plotter.XYs{{X: lo, Y: zY}, {X: hi, Y: zY}}, black, 1, nil, ""); err != nil {
			return nil, err
		}
		var heads plotter.XYs
		for k, z := range s.Z {
			zx := lo + (z+1)/2*(hi-lo)
			gx := math.Max(lo, math.Min(hi, s.GZ[k]))
			if _, err := nbui.AddLine(p, plotter.XYs{{X: zx, Y: zY}, {X: gx, Y: xY}}, gray, 0.7, nil, ""); err != nil {
				return nil, err
			}
			heads = append(heads, plotter.XY{X: gx, Y: xY})
		}
		if sc, err := plotter.NewScatter(heads); err == nil {
			sc.GlyphStyle.Shape, sc.GlyphStyle.Radius, sc.GlyphStyle.Color = draw.TriangleGlyph{}, vg.Points(2), gray
			p.Add(sc)
		}
		labels, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: lo + 0.02*(hi-lo), Y: zY + 0.03}, {X: lo + 0.02*(hi-lo), Y: xY + 0.03}}, Labels: []string{"z", "x"}})
		if err != nil {
			return nil, err
		}
		p.Add(labels)
		legend := func(s string) string {
			if i == 0 {
				return s
			}
			return ""
		}
		if err := addDots(p, s.X, s.PData, 4, legend("p_data")); err != nil {
			return nil, err
		}
		if _, err := nbui.AddLine(p, xys(s.X, s.PG), green, 1.8, nil, legend("p_g")); err != nil {
			return nil, err
		}
		if _, err := nbui.AddLine(p, xys(s.X, s.D), blue, 1.8, dashes, legend("D(x)")); err != nil {
			return nil, err
		}
		plots = append(plots, p)
	}
	return render(plots, len(plots), 4*float64(len(plots)), 3.8)
}

// OptimalDPNG draws, for each snapshot, the trained D(x) against D*(x) = p_data/(p_data+p_g), with the
// densities underneath and the region where the data has mass (where max |D − D*| is taken) shaded.
func OptimalDPNG(panels []Snapshot) ([]byte, error) {
	var plots []*plot.Plot
	for _, s := range panels {
		p := nbui.NewChart(fmt.Sprintf("%s: max |D − D*| = %.3f", s.Label, s.MaxDev), "x", "")
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = s.X[0], s.X[len(s.X)-1], 0, 1.05
		if err := addRegion(p, s.Region, 0, 1.05); err != nil {
			return nil, err
		}
		if err := addDots(p, s.X, s.PData, 4, "p_data"); err != nil {
			return nil, err
		}
		if _, err := nbui.AddLine(p, xys(s.X, s.PG), green, 1.2, nil, "p_g (KDE)"); err != nil {
			return nil, err
		}
		if _, err := nbui.AddLine(p, xys(s.X, s.DStar), red, 2.2, nil, "D* = p_data/(p_data+p_g)"); err != nil {
			return nil, err
		}
		if _, err := nbui.AddLine(p, xys(s.X, s.D), blue, 1.8, dashes, "trained D(x)"); err != nil {
			return nil, err
		}
		plots = append(plots, p)
	}
	return render(plots, len(plots), 6*float64(len(plots)), 4)
}

// TracePNG draws the trace of a run: JSD(p_data‖p_g) (with the estimator's floor) and E_{p_data}|D − ½| against
// the generator step, the frozen phases shaded.
func TracePNG(trace []TracePoint, floor float64) ([]byte, error) {
	if len(trace) == 0 {
		return nil, fmt.Errorf("theory.TracePNG: empty trace")
	}
	jsd := nbui.NewChart("JSD(p_data ‖ p_g), nats", "generator step", "")
	off := nbui.NewChart("E over p_data of |D(x) − ½|", "generator step", "")
	jsd.Y.Min, off.Y.Min = 0, 0
	jsd.Y.Max, off.Y.Max = math.Log(2), 0.5
	var jp, op plotter.XYs
	for _, t := range trace {
		jp = append(jp, plotter.XY{X: float64(t.Step), Y: t.JSD})
		op = append(op, plotter.XY{X: float64(t.Step), Y: t.MeanDOff})
	}
	// Shade the frozen phases.
	for _, p := range []*plot.Plot{jsd, off} {
		var ivs []Interval
		for i := 1; i < len(trace); i++ {
			if trace[i].Phase == "D only" || trace[i].Phase == "G only" {
				ivs = append(ivs, Interval{float64(trace[i-1].Step), float64(trace[i].Step)})
			}
		}
		if err := addRegion(p, ivs, 0, p.Y.Max); err != nil {
			return nil, err
		}
	}
	first, last := float64(trace[0].Step), float64(trace[len(trace)-1].Step)
	if _, err := nbui.AddLine(jsd, jp, green, 1.6, nil, "JSD estimate"); err != nil {
		return nil, err
	}
	if _, err := nbui.AddLine(jsd, plotter.XYs{{X: first, Y: floor}, {X: last, Y: floor}}, gray, 1, dashes, "estimator floor"); err != nil {
		return nil, err
	}
	if _, err := nbui.AddLine(jsd, plotter.XYs{{X: first, Y: math.Log(2)}, {X: last, Y: math.Log(2)}}, black, 0.8, dashes, "log 2 (disjoint)"); err != nil {
		return nil, err
	}
	if _, err := nbui.AddLine(off, op, blue, 1.6, nil, "E|D − ½|"); err != nil {
		return nil, err
	}
	return render([]*plot.Plot{jsd, off}, 2, 10, 3.4)
}

// SaturationPNG draws the two generator losses as functions of D(G(z)) (left) and the size of their gradients
// with respect to D's logit l (right, log-log): |d/dl log(1 − σ(l))| = σ(l) = D(G(z)) vanishes as D(G(z)) → 0,
// |d/dl −log σ(l)| = 1 − σ(l) tends to 1.
func SaturationPNG() ([]byte, error) {
	loss := nbui.NewChart("generator losses", "D(G(z))", "")
	grad := nbui.NewChart("|gradient with respect to D's logit|", "D(G(z)) (log scale)", "")
	grad.X.Scale, grad.Y.Scale = plot.LogScale{}, plot.LogScale{}
	grad.X.Tick.Marker, grad.Y.Tick.Marker = plot.LogTicks{Prec: 1}, plot.LogTicks{Prec: 1}
	var sat, ns, gs, gn plotter.XYs
	for l := -9.0; l <= 6; l += 0.05 {
		d := Sigmoid(l)
		sat = append(sat, plotter.XY{X: d, Y: math.Log(1 - d)})
		ns = append(ns, plotter.XY{X: d, Y: -math.Log(d)})
		gs = append(gs, plotter.XY{X: d, Y: math.Abs(SaturatingGrad(l))})
		gn = append(gn, plotter.XY{X: d, Y: math.Abs(NonSaturatingGrad(l))})
	}
	loss.X.Min, loss.X.Max, loss.Y.Min, loss.Y.Max = 0, 1, -5, 5
	clip := func(pts plotter.XYs) plotter.XYs {
		var out plotter.XYs
		for _, p := range pts {
			if p.Y >= -5 && p.Y <= 5 {
				out = append(out, p)
			}
		}
		return out
	}
	if _, err := nbui.AddLine(loss, clip(sat), orange, 2, nil, "saturating: log(1 − D(G(z)))"); err != nil {
		return nil, err
	}
	if _, err := nbui.AddLine(loss, clip(ns), blue, 2, nil, "non-saturating: −log D(G(z))"); err != nil {
		return nil, err
	}
	if _, err := nbui.AddLine(grad, gs, orange, 2, nil, "saturating: σ(l) = D(G(z))"); err != nil {
		return nil, err
	}
	if _, err := nbui.AddLine(grad, gn, blue, 2, nil, "non-saturating: 1 − σ(l)"); err != nil {
		return nil, err
	}
	grad.Y.Min, grad.Y.Max = 1e-4, 2
	return render([]*plot.Plot{loss, grad}, 2, 10, 3.6)
}

func show(pngBytes []byte, err error) error {
	if err != nil {
		return err
	}
	nbui.ShowPNG(pngBytes)
	return nil
}

// ShowFigure1 displays Figure1PNG inline; ShowOptimalD, ShowTrace and ShowSaturation likewise. They do nothing
// outside a notebook (the PNG is still built, so errors surface in tests and the CLI).
func ShowFigure1(panels []Snapshot) error { return show(Figure1PNG(panels)) }

// ShowOptimalD displays OptimalDPNG inline.
func ShowOptimalD(panels []Snapshot) error { return show(OptimalDPNG(panels)) }

// ShowTrace displays TracePNG inline.
func ShowTrace(trace []TracePoint, floor float64) error { return show(TracePNG(trace, floor)) }

// ShowSaturation displays SaturationPNG inline.
func ShowSaturation() error { return show(SaturationPNG()) }

// scatter adds the points xy (x₀, y₀, …) to p as small dots of colour c, named legend in p's legend unless "".
func scatter(p *plot.Plot, xy []float32, c color.Color, radius float64, legend string) error {
	pts := make(plotter.XYs, len(xy)/2)
	for i := range pts {
		pts[i].X, pts[i].Y = float64(xy[2*i]), float64(xy[2*i+1])
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	s.GlyphStyle.Color, s.GlyphStyle.Radius, s.GlyphStyle.Shape = c, vg.Points(radius), draw.CircleGlyph{}
	p.Add(s)
	if legend != "" {
		thumb := *s
		thumb.GlyphStyle.Radius = vg.Points(3)
		p.Legend.Add(legend, &thumb)
	}
	return nil
}

// ModesPNG draws one seed of the ring experiment: p_data's sample, then G's samples of each variant on that seed,
// each panel with the modes' centres (red crosses) and its count of modes covered and high-quality share in the
// title.
func ModesPNG(r *ModesResult, seed uint64) ([]byte, error) {
	ring := r.Settings.Data
	lim := ring.Radius * 1.5
	panel := func(title string, xy []float32, c color.Color) (*plot.Plot, error) {
		p := nbui.NewChart(title, "", "")
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -lim, lim, -lim, lim
		if err := scatter(p, xy, c, 0.9, ""); err != nil {
			return nil, err
		}
		var centres plotter.XYs
		for _, m := range ring.Centers() {
			centres = append(centres, plotter.XY{X: m[0], Y: m[1]})
		}
		s, err := plotter.NewScatter(centres)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle.Color, s.GlyphStyle.Radius, s.GlyphStyle.Shape = red, vg.Points(4), draw.CrossGlyph{}
		p.Add(s)
		return p, nil
	}
	title := func(name string, c Coverage) string {
		return fmt.Sprintf("%s: %d/%d modes, %.0f%% within 3σ", name, c.Covered, ring.Modes, 100*c.HighQuality)
	}
	p0, err := panel(title("p_data", r.RealCov), r.Real, black)
	if err != nil {
		return nil, err
	}
	plots := []*plot.Plot{p0}
	colors := []color.Color{orange, blue, green}
	for _, run := range r.Runs {
		if run.Seed != seed {
			continue
		}
		p, err := panel(title(fmt.Sprintf("%s, seed %d", run.Variant, run.Seed), run.Coverage), run.Points, colors[(len(plots)-1)%len(colors)])
		if err != nil {
			return nil, err
		}
		plots = append(plots, p)
	}
	if len(plots) == 1 {
		return nil, fmt.Errorf("theory.ModesPNG: no run with seed %d", seed)
	}
	return render(plots, len(plots), 4.2*float64(len(plots)), 4.4)
}

// ShowModes displays ModesPNG inline.
func ShowModes(r *ModesResult, seed uint64) error { return show(ModesPNG(r, seed)) }

// HeadStartPNG draws the saturation experiment: G's per-sample gradient ‖∂ℓ/∂G(z)‖ (log scale) and the mean
// distance of G's samples to the nearest mode against the step after D's head start, and both losses' final samples
// on the ring.
func HeadStartPNG(runs []HeadStartRun, ring Ring) ([]byte, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("theory.HeadStartPNG: no runs")
	}
	grad := nbui.NewChart("G's gradient per sample, ‖∂loss/∂G(z)‖", "step after D's head start", "")
	grad.Y.Scale, grad.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: 1}
	dist := nbui.NewChart("mean distance of G(z) to the nearest mode", "step after D's head start", "")
	dist.Y.Min = 0
	lim := ring.Radius * 1.5
	pts := nbui.NewChart("G's samples at the end", "", "")
	pts.X.Min, pts.X.Max, pts.Y.Min, pts.Y.Max = -lim, lim, -lim, lim
	if err := scatter(pts, ring.Sample(rand.New(rand.NewPCG(0, 1)), 400), black, 1, "p_data"); err != nil {
		return nil, err
	}
	colors := []color.Color{orange, blue, green, red}
	for i, r := range runs {
		var g, d plotter.XYs
		for _, t := range r.Trace {
			g = append(g, plotter.XY{X: float64(t.Step), Y: math.Max(t.GGrad, 1e-12)})
			d = append(d, plotter.XY{X: float64(t.Step), Y: t.Dist})
		}
		c := colors[i%len(colors)]
		if _, err := nbui.AddLine(grad, g, c, 1.8, nil, r.Loss); err != nil {
			return nil, err
		}
		if _, err := nbui.AddLine(dist, d, c, 1.8, nil, r.Loss); err != nil {
			return nil, err
		}
		if err := scatter(pts, r.Points, c, 1, "G(z), "+r.Loss); err != nil {
			return nil, err
		}
	}
	return render([]*plot.Plot{grad, dist, pts}, 3, 13, 4)
}

// ShowHeadStart displays HeadStartPNG inline.
func ShowHeadStart(runs []HeadStartRun, ring Ring) error { return show(HeadStartPNG(runs, ring)) }
