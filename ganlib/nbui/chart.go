package nbui

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

// The look shared by ganlab's charts (here, wgan's and theory's): NewChart starts a chart, AddLine draws a series,
// StepSeries reads one from a training history, and Figure renders one chart or a row of panels as PNG bytes.

// Series colours (matplotlib's first four "tab10" colours) and the gray of reference lines.
var (
	Blue   color.Color = color.RGBA{31, 119, 180, 255}
	Orange color.Color = color.RGBA{255, 127, 14, 255}
	Green  color.Color = color.RGBA{44, 160, 44, 255}
	Red    color.Color = color.RGBA{214, 39, 40, 255}
	Gray   color.Color = color.RGBA{128, 128, 128, 255}
)

// SeriesColor is the colour of a chart's i-th series: blue, orange, green, red, then blue again.
func SeriesColor(i int) color.Color {
	palette := [...]color.Color{Blue, Orange, Green, Red}
	return palette[i%len(palette)]
}

// LineWidth is the width, in points, of a series line unless a chart asks for another.
const LineWidth = 1.5

// NewChart returns an empty chart with the given title and axis labels ("" for none), its legend in the top right
// corner (set Legend.Top or Legend.Left to move it).
func NewChart(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	return p
}

// AddLine draws pts on p as a line of colour c, width points wide, dashed when dashes (on, off, … lengths) are
// given, and names it legend in p's legend unless legend is "".
func AddLine(p *plot.Plot, pts plotter.XYs, c color.Color, width float64, dashes []vg.Length, legend string) (*plotter.Line, error) {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.Color = c
	l.Width = vg.Points(width)
	if len(dashes) > 0 {
		l.Dashes = dashes
	}
	p.Add(l)
	if legend != "" {
		p.Legend.Add(legend, l)
	}
	return l, nil
}

// StepSeries reads value from each record of history against its generator step, smoothed by a trailing moving
// average over smooth records (0 or 1: raw; the first points average the records so far).
func StepSeries(history []gan.Record, smooth int, value func(r gan.Record) float64) plotter.XYs {
	pts := make(plotter.XYs, len(history))
	w := max(smooth, 1)
	var sum float64
	for i, r := range history {
		sum += value(r)
		if i >= w {
			sum -= value(history[i-w])
		}
		pts[i].X = float64(r.Step)
		pts[i].Y = sum / float64(min(i+1, w))
	}
	return pts
}

// Figure is the canvas a chart or a set of panels is rendered on.
type Figure struct {
	Width, Height vg.Length // the canvas, e.g. 6.5 * vg.Inch
	DPI           int       // dots per inch; 0: vgimg's default, 96
	// Cols is the number of panels per row. With Cols 0 a single chart fills the canvas edge to edge, and several
	// go in one row. Panels are tiled 4 mm apart within a 2 mm margin.
	Cols int
	// LegendBelow draws each panel's legend in a strip under its axes, outside the data, instead of over it. The
	// strip has the height of the tallest legend, so that the panels' axes stay aligned, and the canvas grows by it
	// (once per row of panels).
	LegendBelow bool
}

// legendGap separates the x axis's label from a legend drawn below it.
const legendGap = 3 * vg.Millimeter

// drawPanel draws p on c, its legend below the axes in a strip of height strip when strip > 0. p is left as it was.
func drawPanel(p *plot.Plot, c draw.Canvas, strip vg.Length) {
	if strip <= 0 {
		p.Draw(c)
		return
	}
	leg := p.Legend
	p.Legend = plot.NewLegend()
	defer func() { p.Legend = leg }()
	p.Draw(draw.Crop(c, 0, 0, strip, 0))
	l := belowAxes(leg)
	l.Draw(draw.Crop(c, 0, 0, 0, strip-(c.Max.Y-c.Min.Y)-legendGap))
}

// belowAxes is l as drawn in the strip below the axes: top left, entries a little apart.
func belowAxes(l plot.Legend) plot.Legend {
	l.Top, l.Left = true, true
	l.XOffs, l.YOffs = legendGap, 0
	l.Padding = max(l.Padding, vg.Points(2))
	return l
}

// legendStrip is the height of the strip under the axes that holds the tallest of the plots' legends (0 if none has
// entries).
func legendStrip(c draw.Canvas, plots []*plot.Plot) vg.Length {
	var h vg.Length
	for _, p := range plots {
		l := belowAxes(p.Legend)
		r := l.Rectangle(c)
		h = max(h, r.Max.Y-r.Min.Y)
	}
	if h == 0 {
		return 0
	}
	return h + legendGap
}

// PNG draws plots on the figure and encodes it as PNG.
func (f Figure) PNG(plots ...*plot.Plot) ([]byte, error) {
	if len(plots) == 0 {
		return nil, fmt.Errorf("nbui.Figure.PNG: no plots")
	}
	dpi := f.DPI
	if dpi == 0 {
		dpi = vgimg.DefaultDPI
	}
	var strip vg.Length
	height := f.Height
	if f.LegendBelow {
		strip = legendStrip(draw.New(vgimg.New(f.Width, f.Height)), plots)
		rows := 1
		if f.Cols > 0 {
			rows = (len(plots) + f.Cols - 1) / f.Cols
		}
		height += strip * vg.Length(rows)
	}
	canvas := vgimg.NewWith(vgimg.UseWH(f.Width, height), vgimg.UseDPI(dpi))
	dc := draw.New(canvas)
	if len(plots) == 1 && f.Cols == 0 {
		drawPanel(plots[0], dc, strip)
	} else {
		cols := f.Cols
		if cols == 0 {
			cols = len(plots)
		}
		tiles := draw.Tiles{Rows: (len(plots) + cols - 1) / cols, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
			PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
		for i, p := range plots {
			drawPanel(p, tiles.At(dc, i%cols, i/cols), strip) // At(canvas, column, row)
		}
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
