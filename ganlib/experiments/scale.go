package experiments

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/ganlab/ganlab/ganlib/lab"
)

// Scale is how long a notebook's runs are.
type Scale int

const (
	// Quick is `make test`'s scale (GANLAB_QUICK=1): a few steps, numbers that mean nothing.
	Quick Scale = iota
	// Lesson is a notebook's default: short runs that show the lesson within minutes on a 2-core CPU.
	Lesson
	// Paper is the paper's budget: hours; its run folders are resumed, so the long training is done once.
	Paper
)

// ScaleOf is the scale of a notebook: Quick in quick mode (whatever paper says), else Paper when the notebook's
// paper-scale switch is on, else Lesson.
func ScaleOf(paper bool) Scale {
	switch {
	case lab.Quick():
		return Quick
	case paper:
		return Paper
	}
	return Lesson
}

func (s Scale) String() string {
	switch s {
	case Quick:
		return "quick (GANLAB_QUICK=1, for tests: the numbers mean nothing)"
	case Lesson:
		return "lesson (the default: short runs)"
	case Paper:
		return "paper (the paper's budgets, hours: run folders are resumed)"
	}
	return fmt.Sprintf("Scale(%d)", int(s))
}

// Budget is a run's number of generator steps at each scale.
type Budget struct{ Quick, Lesson, Paper int }

// At returns the budget at scale s.
func (b Budget) At(s Scale) int {
	switch s {
	case Quick:
		return b.Quick
	case Paper:
		return b.Paper
	}
	return b.Lesson
}

// RunDir is the run folder of a notebook's run at scale s, name being "<notebook>" or "<notebook>/<run>":
// lab.RunDir(name) at paper scale (the folder the paper-scale run was always trained in) and in quick mode, and
// lab.RunDir("<notebook>/lesson[/<run>]") at lesson scale.
func (s Scale) RunDir(name string) string {
	if s == Lesson {
		notebook, run, _ := strings.Cut(name, "/")
		return lab.RunDir(path.Join(notebook, "lesson", run))
	}
	return lab.RunDir(name)
}

// Expected is a run's expected training time: steps at msPerStep milliseconds each.
func Expected(steps int, msPerStep float64) time.Duration {
	return time.Duration(float64(steps) * msPerStep * float64(time.Millisecond)).Round(time.Second)
}

// Goal reports a success signal. At paper scale a missed goal is an error (the notebook stops there); at the
// other scales the budget is too short for the goal, so it is reported and not checked. The line says which.
func Goal(s Scale, ok bool, format string, args ...any) (string, error) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case ok:
		return "goal met: " + msg, nil
	case s == Paper:
		return "", fmt.Errorf("goal not met at the paper's budget: %s", msg)
	}
	return fmt.Sprintf("goal not met (%s run, not checked: the goal is for the paper's budget): %s", map[Scale]string{Quick: "quick", Lesson: "lesson"}[s], msg), nil
}
