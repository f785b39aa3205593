package nbui

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"strings"
	"testing"
	"time"
)

// grayFrame is a w×h image filled with gray level v, one pixel at (1, 1) black.
func grayFrame(w, h int, v uint8) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.Gray{Y: v})
		}
	}
	img.Set(1, 1, color.Black)
	return img
}

// TestGIFFramesDelaysAndGrays: one GIF frame per image, the frames' gray levels kept exactly, the last frame held
// three times as long, captions adding a strip under the frames.
func TestGIFFramesDelaysAndGrays(t *testing.T) {
	frames := []image.Image{grayFrame(20, 10, 40), grayFrame(20, 10, 130), grayFrame(16, 8, 201)}
	b, err := GIF(frames, nil, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	anim, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(anim.Image) != 3 || anim.LoopCount != 0 {
		t.Fatalf("%d frames, loop count %d; want 3 frames looping forever", len(anim.Image), anim.LoopCount)
	}
	if d := anim.Delay; d[0] != 20 || d[1] != 20 || d[2] != 60 {
		t.Errorf("delays %v (hundredths of a second), want [20 20 60]", d)
	}
	for i, want := range []uint8{40, 130, 201} {
		img := anim.Image[i]
		if got := color.GrayModel.Convert(img.At(5, 5)).(color.Gray).Y; got != want {
			t.Errorf("frame %d: gray %d, want %d", i, got, want)
		}
		if got := color.GrayModel.Convert(img.At(1, 1)).(color.Gray).Y; got != 0 {
			t.Errorf("frame %d: the black pixel reads %d", i, got)
		}
		if bd := img.Bounds(); bd.Dx() != 20 || bd.Dy() != 10 {
			t.Errorf("frame %d is %v, want the largest frame's 20×10", i, bd)
		}
	}
	// The smaller frame sits top left on white.
	if got := color.GrayModel.Convert(anim.Image[2].At(18, 9)).(color.Gray).Y; got != 255 {
		t.Errorf("outside the small frame: %d, want white", got)
	}

	b, err = GIF(frames, []string{"step 1", "step 2", "step 3"}, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	anim, err = gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if h := anim.Image[0].Bounds().Dy(); h != 10+captionHeight {
		t.Fatalf("captioned frame height %d, want %d", h, 10+captionHeight)
	}
	dark := 0
	strip := anim.Image[0]
	for y := 10; y < 10+captionHeight; y++ {
		for x := range 20 {
			if color.GrayModel.Convert(strip.At(x, y)).(color.Gray).Y < 128 {
				dark++
			}
		}
	}
	if dark == 0 {
		t.Error("the caption strip has no dark pixel: no caption drawn")
	}
}

func TestGIFColourAndErrors(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	b, err := GIF([]image.Image{img}, nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	anim, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r, g, _, _ := anim.Image[0].At(0, 0).RGBA(); r>>8 != 255 || g>>8 != 0 {
		t.Errorf("a red pixel became %v", anim.Image[0].At(0, 0))
	}
	if _, err := GIF(nil, nil, time.Second); err == nil {
		t.Error("no frames: want an error")
	}
	if _, err := GIF([]image.Image{img}, []string{"a", "b"}, time.Second); err == nil || !strings.Contains(err.Error(), "2 captions for 1 frames") {
		t.Errorf("captions mismatch: %v", err)
	}
	if _, err := DecodePNGFile("x/grid.png", []byte("not a png")); err == nil || !strings.Contains(err.Error(), "x/grid.png") {
		t.Errorf("bad PNG: %v", err)
	}
	if h := ImageHTML("image/gif", []byte("GIF89a"), `a "t"`); !strings.HasPrefix(h, `<img src="data:image/gif;base64,R0lGODlh"`) || !strings.Contains(h, "&#34;t&#34;") {
		t.Errorf("ImageHTML: %s", h)
	}
}
