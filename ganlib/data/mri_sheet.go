package data

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// sheetCell is one thumbnail of a contact sheet: a grayscale image (values in [0,1], h×w; nil draws an empty
// cell), a caption under it and the colour of its frame.
type sheetCell struct {
	pix     []float32
	h, w    int
	caption string
	frame   color.RGBA
}

// sheetRow is a titled block of cells (one volume).
type sheetRow struct {
	title string
	cells []sheetCell
}

// Frame colours of the MRI contact sheet: kept (the training set), excluded (a head slice outside the cerebrum
// range) and dropped as empty or dim.
var (
	sheetKept     = color.RGBA{40, 180, 60, 255}
	sheetExcluded = color.RGBA{230, 120, 20, 255}
	sheetEmpty    = color.RGBA{150, 150, 150, 255}
)

// renderSheet lays out blocks of thumbnails, cols per line, each side×side (images padded to a square) with a
// 2-pixel frame and a one-line caption, and a title line above each block and above the sheet.
func renderSheet(title string, blocks []sheetRow, cols, side int) ([]byte, error) {
	const frame, gap, lineH = 2, 4, 14
	cellW, cellH := side+2*frame+gap, side+2*frame+lineH+gap
	height := gap + lineH + gap
	for _, b := range blocks {
		height += lineH + gap + (len(b.cells)+cols-1)/cols*cellH
	}
	width := gap + cols*cellW
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	text := func(x, y int, s string) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13,
			Dot: fixed.P(x, y+11)}
		d.DrawString(s)
	}
	text(gap, gap, title)
	y := gap + lineH + gap
	for _, b := range blocks {
		text(gap, y, b.title)
		y += lineH + gap
		for i, c := range b.cells {
			x0, y0 := gap+(i%cols)*cellW, y+(i/cols)*cellH
			draw.Draw(img, image.Rect(x0, y0, x0+side+2*frame, y0+side+2*frame), image.NewUniform(c.frame), image.Point{}, draw.Src)
			inner := image.Rect(x0+frame, y0+frame, x0+frame+side, y0+frame+side)
			draw.Draw(img, inner, image.NewUniform(color.Black), image.Point{}, draw.Src)
			if c.pix != nil {
				g := image.NewGray16(image.Rect(0, 0, c.w, c.h))
				for k, v := range c.pix {
					u := uint16(min(1, max(0, v))*65535 + 0.5)
					g.Pix[2*k], g.Pix[2*k+1] = uint8(u>>8), uint8(u)
				}
				th := resizeImage(g, side, 1, Pad)
				for r := range side {
					for q := range side {
						v := uint8(min(1, max(0, th[r*side+q]))*255 + 0.5)
						img.SetRGBA(inner.Min.X+q, inner.Min.Y+r, color.RGBA{v, v, v, 255})
					}
				}
			}
			text(x0, y0+side+2*frame, c.caption)
		}
		y += (len(b.cells) + cols - 1) / cols * cellH
	}
	// One byte a pixel: 254 gray levels and the two frame colours (a quarter of the RGBA file's size).
	pal := color.Palette{sheetKept, sheetExcluded}
	for i := range 254 {
		v := uint8((i*255 + 126) / 253)
		pal = append(pal, color.RGBA{v, v, v, 255})
	}
	out := image.NewPaletted(img.Bounds(), pal)
	for i := 0; i < len(img.Pix); i += 4 {
		r, g, b := img.Pix[i], img.Pix[i+1], img.Pix[i+2]
		k := uint8(2 + (int(r)*253+127)/255)
		switch {
		case r == sheetKept.R && g == sheetKept.G && b == sheetKept.B:
			k = 0
		case r == sheetExcluded.R && g == sheetExcluded.G && b == sheetExcluded.B:
			k = 1
		}
		out.Pix[i/4] = k
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out); err != nil {
		return nil, fmt.Errorf("contact sheet: %w", err)
	}
	return buf.Bytes(), nil
}

// MRIContactSheet draws every axial slice of the build folder dir (what BuildMRI wrote, read back through its
// slices.csv) as a PNG: one block per volume, inferior slices first, each thumbnail side×side (default 40)
// framed green when it is in the training set (no/), orange when it is a head slice outside the cerebrum range
// (excluded/: skull base, face, jaw, neck, vertex caps) and grey when it was dropped as empty or dim (not
// written: drawn black). The caption is the slice's index and, when it is out, why (b: below the cerebrum, c:
// vertex cap, e: empty, d: dim).
func MRIContactSheet(dir string, side int) ([]byte, error) {
	if side <= 0 {
		side = 40
	}
	rows, err := ReadMRISlices(dir)
	if err != nil {
		return nil, err
	}
	var blocks []sheetRow
	counts := map[string][3]int{}
	for _, r := range rows {
		if len(blocks) == 0 || blocks[len(blocks)-1].title != r.Volume {
			blocks = append(blocks, sheetRow{title: r.Volume})
		}
		c := sheetCell{frame: sheetEmpty, caption: fmt.Sprintf("%d%s", r.Index, shortReason(r.Reason))}
		n := counts[r.Volume]
		switch {
		case r.Kept:
			c.frame = sheetKept
			n[0]++
		case r.File != "":
			c.frame = sheetExcluded
			n[1]++
		default:
			n[2]++
		}
		counts[r.Volume] = n
		if r.File != "" {
			path := filepath.Join(dir, filepath.FromSlash(r.File))
			f, err := os.Open(path)
			if err != nil {
				return nil, fmt.Errorf("contact sheet: %w", err)
			}
			img, _, err := image.Decode(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("contact sheet: %s: %w", path, err)
			}
			b := img.Bounds()
			c.h, c.w = b.Dy(), b.Dx()
			c.pix = make([]float32, c.h*c.w)
			for y := range c.h {
				for x := range c.w {
					g := color.Gray16Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray16)
					c.pix[y*c.w+x] = float32(g.Y) / 65535
				}
			}
		}
		blocks[len(blocks)-1].cells = append(blocks[len(blocks)-1].cells, c)
	}
	for i := range blocks {
		n := counts[blocks[i].title]
		blocks[i].title = fmt.Sprintf("%s: %d kept (green), %d excluded (orange), %d empty or dim (grey)", blocks[i].title, n[0], n[1], n[2])
	}
	title := "MRI slices, inferior first: green = training set (cuts the cerebrum); orange = excluded " +
		"(b below the cerebrum, c vertex cap); grey = dropped (e empty, d dim)"
	return renderSheet(title, blocks, 30, side)
}

// shortReason is the caption letter of a reason.
func shortReason(reason string) string {
	switch reason {
	case MRIBelow:
		return " b"
	case MRICap:
		return " c"
	case MRIEmpty:
		return " e"
	case MRIDim:
		return " d"
	}
	return ""
}
