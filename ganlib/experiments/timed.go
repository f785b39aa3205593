package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/lab"
)

// TimingFile is the file in a run folder that keeps the mean time of a generator step (with its critic steps)
// measured the last time the run trained.
const TimingFile = "timing.json"

// Timing is a run's measured speed.
type Timing struct {
	MsPerStep float64 `json:"ms_per_step"`
	Steps     int     `json:"steps"` // the steps it was measured over
}

// TrainTimed runs the session (training, resuming or only reloading its run folder) and measures the mean wall
// time of the generator steps it trained, from the second on (the first compiles the graphs). The measurement is
// written to the run folder's TimingFile; when nothing was left to train, the folder's earlier measurement is
// returned (zero when it has none).
func TrainTimed(s *lab.Session) (*gan.Trainer, Timing, error) {
	var clock lab.StepClock
	s.Callbacks = append(s.Callbacks, clock.Tick)
	start := -1
	s.Callbacks = append(s.Callbacks, func(t *gan.Trainer, r gan.Record) error {
		if start < 0 {
			start = r.Step // the step the clock starts after
		}
		return nil
	})
	tr, err := s.Run()
	if err != nil {
		return tr, Timing{}, err
	}
	if per := clock.PerStep(); per > 0 {
		t := Timing{MsPerStep: float64(per.Microseconds()) / 1e3, Steps: tr.Step() - start}
		raw, err := json.Marshal(t)
		if err != nil {
			return tr, t, err
		}
		return tr, t, project.WriteFileAtomic(filepath.Join(s.Dir, TimingFile), raw)
	}
	t, err := ReadTiming(s.Dir)
	return tr, t, err
}

// ReadTiming reads a run folder's TimingFile; a folder without one has the zero Timing.
func ReadTiming(dir string) (Timing, error) {
	path := filepath.Join(dir, TimingFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Timing{}, nil
	}
	if err != nil {
		return Timing{}, err
	}
	var t Timing
	if err := json.Unmarshal(raw, &t); err != nil {
		return Timing{}, fmt.Errorf("%s: %v", path, err)
	}
	return t, nil
}

// String is "N ms/step (measured over M steps)", or "not measured (nothing trained now)".
func (t Timing) String() string {
	if t.MsPerStep <= 0 {
		return "not measured (nothing trained now)"
	}
	if t.Steps == 0 {
		return fmt.Sprintf("%.0f ms/step", t.MsPerStep)
	}
	return fmt.Sprintf("%.0f ms/step (measured over %d steps)", t.MsPerStep, t.Steps)
}
