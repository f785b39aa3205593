package nbui

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
)

// Tiles reads back the images of a grid PNG as Grid.PNG writes it (images of h×w pixels at scale 1, pad pixels
// between them and around the edge): grayscale pixels in [0, 1], NHWC with C = 1, row by row. It is how a notebook
// shows samples of a recorded run (a committed grid image) beside real ones.
func Tiles(pngBytes []byte, h, w, pad int) (px []float32, n int, err error) {
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		return nil, 0, fmt.Errorf("nbui.Tiles: %w", err)
	}
	b := img.Bounds()
	cols, rows := (b.Dx()-pad)/(w+pad), (b.Dy()-pad)/(h+pad)
	if h < 1 || w < 1 || pad < 0 || cols < 1 || rows < 1 || cols*(w+pad)+pad != b.Dx() || rows*(h+pad)+pad != b.Dy() {
		return nil, 0, fmt.Errorf("nbui.Tiles: a %d×%d image is no grid of %d×%d tiles with %d pixels of padding", b.Dx(), b.Dy(), h, w, pad)
	}
	for r := range rows {
		for c := range cols {
			x0, y0 := b.Min.X+pad+c*(w+pad), b.Min.Y+pad+r*(h+pad)
			for y := range h {
				for x := range w {
					g := color.GrayModel.Convert(img.At(x0+x, y0+y)).(color.Gray)
					px = append(px, float32(g.Y)/255)
				}
			}
		}
	}
	return px, rows * cols, nil
}
