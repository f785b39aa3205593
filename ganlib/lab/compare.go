package lab

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// EpochMean is the mean of the last n records of a training history (all of them when it holds fewer): the
// epoch-mean losses and D outputs that the lecture's per-epoch log line reports, as opposed to one step's values.
// Its Step is the last record's step; Epoch the last record's epoch.
func EpochMean(history []gan.Record, n int) (gan.Record, error) {
	if len(history) == 0 || n <= 0 {
		return gan.Record{}, fmt.Errorf("lab.EpochMean: %d records, n %d: nothing to average", len(history), n)
	}
	last := history[max(len(history)-n, 0):]
	var r gan.Record
	for _, x := range last {
		r.DLoss += x.DLoss
		r.GLoss += x.GLoss
		r.DReal += x.DReal
		r.DFake += x.DFake
		r.WEstimate += x.WEstimate
	}
	k := float64(len(last))
	r.DLoss, r.GLoss, r.DReal, r.DFake, r.WEstimate = r.DLoss/k, r.GLoss/k, r.DReal/k, r.DFake/k, r.WEstimate/k
	r.Step, r.Epoch = last[len(last)-1].Step, last[len(last)-1].Epoch
	return r, nil
}

// SideBySide renders grids next to each other, top-aligned on a white background, gap pixels apart: one image
// for two runs' samples, so that they can be compared at a glance.
func SideBySide(gap int, grids ...nbui.Grid) (image.Image, error) {
	if len(grids) == 0 {
		return nil, errors.New("lab.SideBySide: no grids")
	}
	var imgs []image.Image
	w, h := gap*(len(grids)-1), 0
	for i, g := range grids {
		img, err := g.Image()
		if err != nil {
			return nil, fmt.Errorf("lab.SideBySide: grid %d: %w", i, err)
		}
		imgs = append(imgs, img)
		w += img.Bounds().Dx()
		h = max(h, img.Bounds().Dy())
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	x := 0
	for _, img := range imgs {
		b := img.Bounds()
		draw.Draw(out, image.Rect(x, 0, x+b.Dx(), b.Dy()), img, b.Min, draw.Src)
		x += b.Dx() + gap
	}
	return out, nil
}

// ShowSideBySide shows grids side by side (SideBySide, 24 pixels apart) under a Markdown title that should say
// which grid is which, left to right. It returns the PNG bytes it showed (outside a notebook it only renders them).
func ShowSideBySide(title string, grids ...nbui.Grid) ([]byte, error) {
	img, err := SideBySide(24, grids...)
	if err != nil {
		return nil, err
	}
	png, err := nbui.EncodePNG(img)
	if err != nil {
		return nil, err
	}
	if nbui.IsNotebook() {
		if title != "" {
			gonbui.DisplayMarkdown(title)
		}
		nbui.ShowPNG(png)
	}
	return png, nil
}
