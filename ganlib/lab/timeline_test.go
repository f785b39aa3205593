package lab

import (
	"bytes"
	"fmt"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ganlab/ganlab/ganlib/nbui"
)

// writeGrids writes gray grids for the given steps (file names as WriteRunOutputs makes them) and a history.
func writeGrids(t *testing.T, dir string, steps []int, history string) {
	t.Helper()
	for i, s := range steps {
		px := make([]float32, 4*4)
		for j := range px {
			px[j] = float32(i) / float32(len(steps))
		}
		png, err := nbui.Grid{Pixels: px, N: 1, H: 4, W: 4, C: 1, Lo: 0, Hi: 1}.PNG()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("grid-step%07d.png", s)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if history != "" {
		if err := os.WriteFile(filepath.Join(dir, "history.json"), []byte(history), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSavedGridsAndGIF: grids come in step order (not name order of the other files), with the history's epochs;
// the GIF has one frame per grid and lands in the run folder; the epoch slider starts at the last grid.
func TestSavedGridsAndGIF(t *testing.T) {
	dir := t.TempDir()
	writeGrids(t, dir, []int{200, 50, 100}, `[{"step":50,"epoch":0.5},{"step":100,"epoch":1},{"step":200,"epoch":2}]`)
	if err := os.WriteFile(filepath.Join(dir, "grid-latest.png"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	grids, err := SavedGrids(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(grids) != 3 || grids[0].Step != 50 || grids[2].Step != 200 || grids[1].Epoch != 1 {
		t.Fatalf("grids %+v", grids)
	}
	if c := grids[0].Caption(); c != "step 50, epoch 0.5" {
		t.Errorf("caption %q", c)
	}
	b, path, err := TrainingGIF(dir, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "training.gif") {
		t.Errorf("GIF path %s", path)
	}
	if onDisk, err := os.ReadFile(path); err != nil || !bytes.Equal(onDisk, b) {
		t.Errorf("training.gif not written: %v", err)
	}
	anim, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil || len(anim.Image) != 3 {
		t.Fatalf("GIF: %v", err)
	}
	e, err := EpochExplorer(dir)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := os.ReadFile(grids[2].Path)
	if e.Start != 2 || e.Labels[2] != "step 200, epoch 2.0" {
		t.Errorf("explorer %+v", e)
	}
	if got, err := e.StaticPNG(); err != nil || !bytes.Equal(got, last) {
		t.Errorf("the static image is not the last grid: %v", err)
	}
}

// TestSavedGridsErrors: an empty folder and a broken grid are named in the errors; without history.json the
// captions give steps only.
func TestSavedGridsErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := SavedGrids(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("empty folder: %v", err)
	}
	writeGrids(t, dir, []int{7}, "")
	grids, err := SavedGrids(dir)
	if err != nil || grids[0].Caption() != "step 7" {
		t.Errorf("no history: %+v %v", grids, err)
	}
	bad := filepath.Join(dir, "grid-step0000009.png")
	if err := os.WriteFile(bad, []byte("broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := TrainingGIF(dir, time.Second); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("broken grid: %v", err)
	}
}
