package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/gan"
)

// TestTrainOnFolder: `ganlab train -data DIR` trains on a folder of images (flat or one sub-folder per class, as a
// notebook's data.LoadTrain reads it), at -size; the run records the folder (absolute), size and channels, a
// resume from another working folder finds them, and a resume that asks for another size is refused.
func TestTrainOnFolder(t *testing.T) {
	imgs := t.TempDir()
	for i := range 12 {
		class := filepath.Join(imgs, fmt.Sprintf("class%d", i%2))
		if err := os.MkdirAll(class, 0o755); err != nil {
			t.Fatal(err)
		}
		im := image.NewGray(image.Rect(0, 0, 20, 20))
		for y := range 20 {
			for x := range 20 {
				if (x-10)*(x-10)+(y-10)*(y-10) < (4+i%5)*(4+i%5) {
					im.SetGray(x, y, color.Gray{Y: 220})
				}
			}
		}
		f, err := os.Create(filepath.Join(class, fmt.Sprintf("disc%02d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, im); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	runDir := filepath.Join(t.TempDir(), "run")
	rel, err := filepath.Rel(mustGetwd(t), imgs)
	if err != nil {
		t.Fatal(err)
	}
	out, code := runIn(t, "", "train", "-data", rel, "-size", "16", "-steps", "2", "-batch", "4", "-out", runDir)
	if code != 0 {
		t.Fatalf("train on a folder: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "12 images 16×16×1") {
		t.Errorf("train should report 12 images 16×16×1:\n%s", out)
	}
	meta, _, err := gan.ReadMeta(runDir)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Params["data"] != imgs || meta.Params["size"] != "16" || meta.Params["channels"] != "1" || meta.Height != 16 {
		t.Errorf("checkpoint params %v, height %d; want data %s, size 16, channels 1, height 16", meta.Params, meta.Height, imgs)
	}
	// Resume from another working folder, without -data.
	if out, code := runIn(t, t.TempDir(), "train", "-steps", "3", "-out", runDir); code != 0 || !strings.Contains(out, "12 images 16×16×1") {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	if out, err := run(t, "train", "-size", "24", "-steps", "4", "-out", runDir); err == nil || !strings.Contains(out, `size="16"`) {
		t.Errorf("a resume with another -size should be refused, got %v\n%s", err, out)
	}
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
