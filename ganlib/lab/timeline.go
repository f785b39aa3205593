package lab

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// SavedGrid is one fixed-noise grid a run wrote (grid-stepNNNNNNN.png, see WriteRunOutputs): after every epoch
// and every Session.CheckpointEvery steps.
type SavedGrid struct {
	Path string
	Step int
	// Epoch is the epochs of real data seen at Step (gan.Record.Epoch, from the run's history.json); 0 when the
	// history does not have the step.
	Epoch float64
}

// Caption is "step N, epoch E", or "step N" when the epoch is unknown (ASCII: the GIF's font has no more).
func (g SavedGrid) Caption() string {
	if g.Epoch > 0 {
		return fmt.Sprintf("step %d, epoch %.1f", g.Step, g.Epoch)
	}
	return fmt.Sprintf("step %d", g.Step)
}

// SavedGrids lists the fixed-noise grids of run folder dir in step order, with their epochs from dir/history.json
// when it is there.
func SavedGrids(dir string) ([]SavedGrid, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "grid-step*.png"))
	if err != nil {
		return nil, err
	}
	var grids []SavedGrid
	for _, p := range paths {
		digits := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "grid-step"), ".png")
		step, err := strconv.Atoi(digits)
		if err != nil {
			return nil, fmt.Errorf("%s: a grid file whose name holds no step number", p)
		}
		grids = append(grids, SavedGrid{Path: p, Step: step})
	}
	if len(grids) == 0 {
		return nil, fmt.Errorf("no grid-step*.png in %s (run the training cell first)", dir)
	}
	slices.SortFunc(grids, func(a, b SavedGrid) int { return a.Step - b.Step })
	histPath := filepath.Join(dir, "history.json")
	if b, err := os.ReadFile(histPath); err == nil {
		var hist []gan.Record
		if err := json.Unmarshal(b, &hist); err != nil {
			return nil, fmt.Errorf("%s: %w", histPath, err)
		}
		epochs := map[int]float64{}
		for _, r := range hist {
			epochs[r.Step] = r.Epoch
		}
		for i := range grids {
			grids[i].Epoch = epochs[grids[i].Step]
		}
	}
	return grids, nil
}

// TrainingGIF makes an animated GIF of the fixed-noise grids of run folder dir (SavedGrids, each captioned with
// its step and epoch, each shown for delay) and writes it to dir/training.gif. It returns the GIF and its path.
func TrainingGIF(dir string, delay time.Duration) (gifBytes []byte, path string, err error) {
	grids, err := SavedGrids(dir)
	if err != nil {
		return nil, "", err
	}
	frames := make([]image.Image, len(grids))
	captions := make([]string, len(grids))
	for i, g := range grids {
		b, err := os.ReadFile(g.Path)
		if err != nil {
			return nil, "", err
		}
		if frames[i], err = nbui.DecodePNGFile(g.Path, b); err != nil {
			return nil, "", err
		}
		captions[i] = g.Caption()
	}
	if gifBytes, err = nbui.GIF(frames, captions, delay); err != nil {
		return nil, "", err
	}
	path = filepath.Join(dir, "training.gif")
	if err := project.WriteFileAtomic(path, gifBytes); err != nil {
		return nil, "", err
	}
	return gifBytes, path, nil
}

// ShowTrainingGIF shows TrainingGIF inline, under a title that says how many grids it animates, and returns the
// GIF's path.
func ShowTrainingGIF(dir string, delay time.Duration) (string, error) {
	gifBytes, path, err := TrainingGIF(dir, delay)
	if err != nil {
		return "", err
	}
	grids, _ := SavedGrids(dir)
	nbui.ShowGIF(fmt.Sprintf("**The same fixed noise through training: %d grids, from step %d to step %d**",
		len(grids), grids[0].Step, grids[len(grids)-1].Step), "animated GIF: "+path, gifBytes)
	return path, nil
}

// EpochExplorer is a slider over the fixed-noise grids of run folder dir (SavedGrids), starting at the last one;
// without a browser it shows the last grid.
func EpochExplorer(dir string) (nbui.Explorer, error) {
	grids, err := SavedGrids(dir)
	if err != nil {
		return nbui.Explorer{}, err
	}
	labels := make([]string, len(grids))
	for i, g := range grids {
		labels[i] = g.Caption()
	}
	return nbui.Explorer{Labels: labels, Start: len(grids) - 1,
		Frame: func(i int) ([]byte, error) { return os.ReadFile(grids[i].Path) }}, nil
}
