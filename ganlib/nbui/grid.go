// Package nbui shows GAN training in GoNB notebooks: image grids as one inline PNG, a grid updated in place while
// training runs, loss and D(x)/D(G(z)) curves, and a progress display. Every Show/Update function is a no-op
// outside a notebook (STYLE §8), so the same code runs in the CLI and in tests; the functions that return PNG bytes
// work everywhere (the CLI writes them to files).
package nbui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Grid describes a batch of images to lay out: Pixels NHWC (len N·H·W·C) with values in [Lo, Hi].
type Grid struct {
	Pixels     []float32
	N, H, W, C int
	Lo, Hi     float32
	// Rows and Cols of the grid; when zero, Cols = min(N, 10) and Rows as needed.
	Rows, Cols int
	// Scale is the integer magnification of each pixel (default 2 for images under 64 pixels, else 1).
	Scale int
	// Pad is the gap in pixels between images (default 2).
	Pad int
}

// Image renders the grid: grayscale for C=1, RGB for C=3. Values are clipped to [Lo, Hi].
func (g Grid) Image() (image.Image, error) {
	if g.N <= 0 || g.H <= 0 || g.W <= 0 || (g.C != 1 && g.C != 3) {
		return nil, fmt.Errorf("nbui.Grid: invalid image batch %d×%d×%d×%d (want C 1 or 3)", g.N, g.H, g.W, g.C)
	}
	if len(g.Pixels) < g.N*g.H*g.W*g.C {
		return nil, fmt.Errorf("nbui.Grid: %d values for %d images of %d×%d×%d", len(g.Pixels), g.N, g.H, g.W, g.C)
	}
	if g.Hi <= g.Lo {
		g.Lo, g.Hi = -1, 1
	}
	cols, rows := g.Cols, g.Rows
	if cols <= 0 {
		cols = min(g.N, 10)
	}
	if rows <= 0 {
		rows = (g.N + cols - 1) / cols
	}
	scale := g.Scale
	if scale <= 0 {
		scale = 1
		if g.H < 64 {
			scale = 2
		}
	}
	pad := g.Pad
	if pad <= 0 {
		pad = 2
	}
	cellW, cellH := g.W*scale+pad, g.H*scale+pad
	img := image.NewRGBA(image.Rect(0, 0, cols*cellW+pad, rows*cellH+pad))
	bg := color.RGBA{255, 255, 255, 255}
	for i := range img.Pix {
		img.Pix[i] = bg.R
	}
	toByte := func(v float32) uint8 {
		u := (v - g.Lo) / (g.Hi - g.Lo)
		if u < 0 || u != u {
			u = 0
		} else if u > 1 {
			u = 1
		}
		return uint8(u*255 + 0.5)
	}
	size := g.H * g.W * g.C
	for n := 0; n < g.N && n < rows*cols; n++ {
		x0, y0 := pad+(n%cols)*cellW, pad+(n/cols)*cellH
		px := g.Pixels[n*size : (n+1)*size]
		for y := 0; y < g.H; y++ {
			for x := 0; x < g.W; x++ {
				var c color.RGBA
				o := (y*g.W + x) * g.C
				if g.C == 1 {
					v := toByte(px[o])
					c = color.RGBA{v, v, v, 255}
				} else {
					c = color.RGBA{toByte(px[o]), toByte(px[o+1]), toByte(px[o+2]), 255}
				}
				for dy := 0; dy < scale; dy++ {
					for dx := 0; dx < scale; dx++ {
						img.SetRGBA(x0+x*scale+dx, y0+y*scale+dy, c)
					}
				}
			}
		}
	}
	return img, nil
}

// PNG renders the grid as PNG bytes.
func (g Grid) PNG() ([]byte, error) {
	img, err := g.Image()
	if err != nil {
		return nil, err
	}
	return EncodePNG(img)
}

// EncodePNG encodes an image as PNG bytes.
func EncodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// IsNotebook reports whether the program runs inside a GoNB notebook cell.
func IsNotebook() bool { return gonbui.IsNotebook }

// ShowGrid displays the grid inline as one PNG, under an optional title (Markdown). No-op outside a notebook.
func ShowGrid(title string, g Grid) error {
	if !gonbui.IsNotebook {
		return nil
	}
	pngBytes, err := g.PNG()
	if err != nil {
		return err
	}
	if title != "" {
		gonbui.DisplayMarkdown(title)
	}
	ShowPNG(pngBytes)
	return nil
}

// ShowPNG displays PNG bytes inline and waits until GoNB has them. No-op outside a notebook.
//
// The wait matters at the end of a cell: GoNB reads a program's displays from a pipe, and a display still in the
// pipe when the program exits can be lost (seen in `make test`: notebook 02's D* plot missing in one run of three).
func ShowPNG(pngBytes []byte) {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.DisplayPNG(pngBytes)
	gonbui.Sync()
}

// LiveGrid is a grid shown once and then replaced in place at every Update: one output block that evolves as
// training runs. In the saved notebook it holds the last image shown.
type LiveGrid struct {
	id string
}

// NewLiveGrid creates a live grid; nothing is shown until the first Update.
func NewLiveGrid() *LiveGrid {
	return &LiveGrid{id: "ganlab_live_" + gonbui.UniqueID()}
}

// Update replaces the live grid's image (and caption, shown above it as Markdown when not empty).
func (l *LiveGrid) Update(caption string, g Grid) error {
	if !gonbui.IsNotebook {
		return nil
	}
	pngBytes, err := g.PNG()
	if err != nil {
		return err
	}
	data := map[protocol.MIMEType]any{protocol.MIMEImagePNG: pngBytes}
	if caption != "" {
		data[protocol.MIMETextPlain] = caption
	}
	gonbui.SendData(&protocol.DisplayData{Data: data, DisplayID: l.id})
	return nil
}

// Clear empties the live grid's output block: call it when the loop ends and permanent grids have been shown, so
// that the saved notebook does not repeat the last image above them.
func (l *LiveGrid) Clear() {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.UpdateHTML(l.id, "")
	gonbui.Sync()
}
