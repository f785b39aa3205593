package nbui

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/png"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// captionHeight is the strip of white pixels added under a frame for its caption (basicfont's 13-pixel face).
const captionHeight = 16

// GIF encodes frames as an animated GIF that loops forever, each frame shown for delay and the last one for
// 3·delay (so the end of training stays on screen). When captions is not nil (one per frame), each frame gets its
// caption written in a white strip under it, e.g. "epoch 3". Frames of different sizes are placed at the top left
// of a canvas as large as the largest. Grayscale frames (every pixel R = G = B, as Fashion-MNIST grids) keep their
// exact gray levels; colour frames are dithered to a fixed 216-colour palette.
func GIF(frames []image.Image, captions []string, delay time.Duration) ([]byte, error) {
	if len(frames) == 0 {
		return nil, fmt.Errorf("nbui.GIF: no frames")
	}
	if captions != nil && len(captions) != len(frames) {
		return nil, fmt.Errorf("nbui.GIF: %d captions for %d frames", len(captions), len(frames))
	}
	var w, h int
	gray := true
	for _, f := range frames {
		b := f.Bounds()
		w, h = max(w, b.Dx()), max(h, b.Dy())
		gray = gray && isGray(f)
	}
	if captions != nil {
		h += captionHeight
	}
	pal := color.Palette(palette.WebSafe)
	if gray {
		pal = make(color.Palette, 256)
		for i := range pal {
			pal[i] = color.Gray{Y: uint8(i)}
		}
	}
	delayCS := max(int(delay/(10*time.Millisecond)), 1) // GIF delays are in hundredths of a second
	anim := &gif.GIF{LoopCount: 0}
	for i, f := range frames {
		canvas := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(canvas, canvas.Bounds(), image.White, image.Point{}, draw.Src)
		draw.Draw(canvas, f.Bounds().Sub(f.Bounds().Min), f, f.Bounds().Min, draw.Src)
		if captions != nil {
			drawCaption(canvas, captions[i], h-4)
		}
		p := image.NewPaletted(canvas.Bounds(), pal)
		if gray {
			draw.Draw(p, p.Bounds(), canvas, image.Point{}, draw.Src)
		} else {
			draw.FloydSteinberg.Draw(p, p.Bounds(), canvas, image.Point{})
		}
		anim.Image = append(anim.Image, p)
		anim.Delay = append(anim.Delay, delayCS)
	}
	anim.Delay[len(anim.Delay)-1] = 3 * delayCS
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// isGray reports whether every pixel of img has R = G = B.
func isGray(img image.Image) bool {
	if _, ok := img.(*image.Gray); ok {
		return true
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r != g || g != bl {
				return false
			}
		}
	}
	return true
}

// drawCaption writes text in black at the left of the baseline y.
func drawCaption(img draw.Image, text string, y int) {
	d := font.Drawer{Dst: img, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(4, y)}
	d.DrawString(text)
}

// DecodePNGFile decodes PNG bytes read from the file named path (named in the error).
func DecodePNGFile(path string, pngBytes []byte) (image.Image, error) {
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable PNG: %w", path, err)
	}
	return img, nil
}

// ImageHTML is an <img> element holding an image inline (a data: URL), e.g. mime "image/gif", with alt text.
func ImageHTML(mime string, data []byte, alt string) string {
	return fmt.Sprintf(`<img src="data:%s;base64,%s" alt="%s"/>`, mime, base64.StdEncoding.EncodeToString(data), html.EscapeString(alt))
}

// ShowGIF displays an animated GIF inline (MIME image/gif, which JupyterLab animates), under an optional title
// (Markdown); alt is the text shown where images are not (a terminal, a Markdown export). No-op outside a notebook.
func ShowGIF(title, alt string, gifBytes []byte) {
	if !gonbui.IsNotebook {
		return
	}
	if title != "" {
		gonbui.DisplayMarkdown(title)
	}
	gonbui.SendData(&protocol.DisplayData{Data: map[protocol.MIMEType]any{MIMEImageGIF: gifBytes, protocol.MIMETextPlain: alt}})
	gonbui.Sync()
}

// MIMEImageGIF is the MIME type of GIF images.
const MIMEImageGIF protocol.MIMEType = "image/gif"
