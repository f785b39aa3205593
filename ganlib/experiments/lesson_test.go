package experiments_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/experiments"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

// TestScales: quick mode wins over the paper switch, each scale picks its budget and folder, and only the paper
// scale turns a missed goal into an error.
func TestScales(t *testing.T) {
	t.Setenv("GANLAB_QUICK", "1")
	if s := experiments.ScaleOf(true); s != experiments.Quick {
		t.Errorf("quick mode with the paper switch on: %v, want Quick", s)
	}
	t.Setenv("GANLAB_QUICK", "")
	if experiments.ScaleOf(true) != experiments.Paper || experiments.ScaleOf(false) != experiments.Lesson {
		t.Errorf("ScaleOf(true), ScaleOf(false) = %v, %v", experiments.ScaleOf(true), experiments.ScaleOf(false))
	}
	b := experiments.Budget{Quick: 1, Lesson: 2, Paper: 3}
	if b.At(experiments.Quick) != 1 || b.At(experiments.Lesson) != 2 || b.At(experiments.Paper) != 3 {
		t.Errorf("Budget.At: %d %d %d", b.At(experiments.Quick), b.At(experiments.Lesson), b.At(experiments.Paper))
	}
	paper, lesson := experiments.Paper.RunDir("05_gan_family/cgan"), experiments.Lesson.RunDir("05_gan_family/cgan")
	if paper != lab.RunDir("05_gan_family/cgan") || lesson != lab.RunDir("05_gan_family/lesson/cgan") {
		t.Errorf("RunDir: paper %s, lesson %s", paper, lesson)
	}
	if got := experiments.Lesson.RunDir("04_goodfellow_experiments"); got != lab.RunDir("04_goodfellow_experiments/lesson") {
		t.Errorf("lesson RunDir of a notebook: %s", got)
	}
	if got := experiments.Expected(1500, 120); got.Seconds() != 180 {
		t.Errorf("Expected(1500 steps, 120 ms) = %v, want 3m0s", got)
	}
	for _, s := range []experiments.Scale{experiments.Quick, experiments.Lesson, experiments.Paper} {
		line, err := experiments.Goal(s, true, "x %d", 1)
		if err != nil || line != "goal met: x 1" {
			t.Errorf("%v, goal met: %q, %v", s, line, err)
		}
		line, err = experiments.Goal(s, false, "x %d", 2)
		if (s == experiments.Paper) != (err != nil) {
			t.Errorf("%v, goal missed: error %v", s, err)
		}
		if s != experiments.Paper && !strings.Contains(line, "not checked") {
			t.Errorf("%v, goal missed: line %q does not say it is not checked", s, line)
		}
	}
}

// TestShippedRecords: the records notebooks 04 and 05 show load, name their docs page, and their images are PNG files.
func TestShippedRecords(t *testing.T) {
	if project.Home() == "" {
		t.Skip("no project folder")
	}
	for _, name := range []string{"goodfellow-200k", "family-full"} {
		r, err := experiments.LoadRecord(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(project.Home(), r.Log)); err != nil {
			t.Errorf("%s: its log page: %v", name, err)
		}
		if len(r.Images) == 0 {
			t.Errorf("%s: no images", name)
		}
		for i := range r.Images {
			if _, err := r.ImagePNG(i); err != nil {
				t.Error(err)
			}
		}
		if txt := r.Text(); !strings.HasPrefix(txt, "RECORDED (not run now)") || !strings.Contains(txt, r.Commit) || !strings.Contains(txt, r.Lines[0]) {
			t.Errorf("%s: text without provenance or measurements:\n%s", name, txt)
		}
	}
}

// TestRecordErrors: a bad record is refused with its file and what is wrong.
func TestRecordErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full := `"title": "t", "command": "c", "commit": "abc", "machine": "m", "date": "d", "log": "docs/x.md"`
	for _, c := range []struct{ name, body, want string }{
		{"nocommit.json", `{"title": "t", "command": "c", "machine": "m", "date": "d", "log": "l", "lines": ["x"]}`, `"commit" is missing`},
		{"nolines.json", `{` + full + `}`, "no measurements"},
		{"unknown.json", `{` + full + `, "lines": ["x"], "score": 3}`, "unknown field"},
		{"image.json", `{` + full + `, "lines": ["x"], "images": [{"caption": "c"}]}`, "image 1 needs a path"},
		{"broken.json", `{`, "not a record"},
	} {
		_, err := experiments.LoadRecord(write(c.name, c.body))
		if err == nil || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want the file name and %q", c.name, err, c.want)
		}
	}
	if _, err := experiments.LoadRecord("no-such-record"); err == nil || !strings.Contains(err.Error(), "no-such-record") {
		t.Errorf("a missing record: %v", err)
	}
	r, err := experiments.LoadRecord(write("ok.json", `{`+full+`, "lines": ["x"], "images": [{"caption": "c", "path": "no/such.png"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ImagePNG(0); err == nil || !strings.Contains(err.Error(), "such.png") {
		t.Errorf("a missing image: %v", err)
	}
}

// TestHistorySummaries: PeakAndEnd and TailMean on a hand-made history.
func TestHistorySummaries(t *testing.T) {
	vals := []float64{0, 2, 4, 6, 2, 0, 1, 1}
	h := make([]gan.Record, len(vals))
	for i, v := range vals {
		h[i] = gan.Record{Step: i + 1, WEstimate: v}
	}
	// Windows of 2: means 1, 3, 5, 4, 1, 0.5, 1; the peak 5 over steps 3 and 4 (middle: step 4), the end 1.
	peak, at, end, err := experiments.PeakAndEnd(h, experiments.WEstimate, 2)
	if err != nil || peak != 5 || at != 4 || end != 1 {
		t.Errorf("PeakAndEnd: %g at step %d, end %g, %v; want 5 at step 4, end 1", peak, at, end, err)
	}
	// A window of 1 is the raw values.
	if peak, at, end, _ := experiments.PeakAndEnd(h, experiments.WEstimate, 1); peak != 6 || at != 4 || end != 1 {
		t.Errorf("PeakAndEnd, window 1: %g at %d, end %g", peak, at, end)
	}
	if m, err := experiments.TailMean(h, experiments.WEstimate, 3); err != nil || math.Abs(m-2.0/3) > 1e-12 {
		t.Errorf("TailMean of the last 3: %g, %v; want 2/3", m, err)
	}
	if _, _, _, err := experiments.PeakAndEnd(h, experiments.WEstimate, 9); err == nil {
		t.Error("a window longer than the history: no error")
	}
	if _, err := experiments.TailMean(nil, experiments.WEstimate, 1); err == nil {
		t.Error("TailMean of no records: no error")
	}
}

// TestCodeOrder: the inverse of a code → digit mapping, and a mapping that is not one-to-one refused.
func TestCodeOrder(t *testing.T) {
	order, err := experiments.CodeOrder([]int{2, 0, 1})
	if err != nil || order[0] != 1 || order[1] != 2 || order[2] != 0 {
		t.Errorf("CodeOrder([2 0 1]) = %v, %v; want [1 2 0]", order, err)
	}
	for _, bad := range [][]int{{0, 0, 1}, {0, 3, 1}, {-1, 0, 1}} {
		if _, err := experiments.CodeOrder(bad); err == nil {
			t.Errorf("CodeOrder(%v): no error", bad)
		}
	}
}

// TestFamilyResults: results written by the sections are read back in the table's order, missing ones named.
func TestFamilyResults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results")
	for _, r := range []experiments.FamilyResult{{"WGAN", "W 1 → 0.1", 400, 150}, {"cGAN", "accuracy 90 %", 1500, 110}} {
		if err := experiments.SaveFamilyResult(dir, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := experiments.SaveFamilyResult(dir, experiments.FamilyResult{Variant: "a/b"}); err == nil {
		t.Error("a variant name with a slash: no error")
	}
	rows, missing, err := experiments.LoadFamilyResults(dir, []string{"cGAN", "WGAN", "InfoGAN"})
	if err != nil || len(rows) != 2 || rows[0].Variant != "cGAN" || rows[1].Steps != 400 || len(missing) != 1 || missing[0] != "InfoGAN" {
		t.Fatalf("LoadFamilyResults: %v, missing %v, %v", rows, missing, err)
	}
	table := experiments.FormatFamilyTable(rows)
	if !strings.Contains(table, "| cGAN | accuracy 90 % | 110 | 1500 |") {
		t.Errorf("table:\n%s", table)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := experiments.LoadFamilyResults(dir, []string{"bad"}); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("a broken result: %v", err)
	}
	if _, err := (experiments.FamilyRun{Name: "dcgan"}).Steps(); err == nil {
		t.Error("a family run without a budget: no error")
	}
}

// TestTrainTimed: a short session writes its speed to the run folder; run again with nothing to train it reads it
// back.
func TestTrainTimed(t *testing.T) {
	backendtest.XLA(t)
	px := make([]float32, 32*28*28)
	for i := range px {
		px[i] = float32(i%7) / 7
	}
	dir := filepath.Join(t.TempDir(), "run")
	session := func() *lab.Session {
		return &lab.Session{Dir: dir, Variant: vanilla.New(28, 28, 1), Config: gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 8}},
			Data: &data.Images{Name: "pattern", Pixels: px, N: 32, H: 28, W: 28, C: 1}, Steps: 4, Quiet: true}
	}
	tr, timing, err := experiments.TrainTimed(session())
	if err != nil {
		t.Fatal(err)
	}
	if tr.Step() != 4 || timing.Steps != 3 || timing.MsPerStep <= 0 {
		t.Fatalf("4 steps: step %d, timing %+v (want 3 timed steps: the first compiles)", tr.Step(), timing)
	}
	_, again, err := experiments.TrainTimed(session())
	if err != nil || again != timing {
		t.Errorf("reloaded: %+v, %v; want the folder's %+v", again, err, timing)
	}
	if !strings.Contains(timing.String(), "ms/step (measured over 3 steps)") {
		t.Errorf("Timing.String: %q", timing)
	}
}

// TestGoodfellowRun: notebook 04's run at each scale, its session's settings through Config.Settings (not Params),
// and Figure 2's and the session's errors for data that is not MNIST.
func TestGoodfellowRun(t *testing.T) {
	t.Setenv("GANLAB_QUICK", "")
	paper, lesson := experiments.NewGoodfellowRun(experiments.Paper), experiments.NewGoodfellowRun(experiments.Lesson)
	if paper.Steps != 200000 || paper.EMAFrom != 120000 || paper.Seed != 2 || paper.Dir != lab.RunDir("04_goodfellow_experiments") {
		t.Errorf("paper scale: %+v", paper)
	}
	if lesson.Steps >= paper.Steps || lesson.EMAFrom >= lesson.Steps || lesson.Dir == paper.Dir {
		t.Errorf("lesson scale: %+v", lesson)
	}
	small := &data.Images{Name: "small", Pixels: make([]float32, 10*784), N: 10, H: 28, W: 28, C: 1}
	if _, err := lesson.Session(small); err == nil || !strings.Contains(err.Error(), "50000") {
		t.Errorf("a session on 10 images: %v", err)
	}
	if _, _, _, err := experiments.Figure2(nil, nil, 2, 3, small, small); err == nil {
		t.Error("Figure 2 on 10 training images: no error")
	}
	big := &data.Images{Name: "mnist", Pixels: make([]float32, vanilla.GoodfellowTrainN*784), N: vanilla.GoodfellowTrainN, H: 28, W: 28, C: 1}
	for i := range big.Pixels {
		big.Pixels[i] = float32(i%5) / 5
	}
	lesson.K = 2
	s, err := lesson.Session(big)
	if err != nil {
		t.Fatal(err)
	}
	if s.Config.Settings[gan.SettingCriticSteps] != 2 || s.Config.Seed != 2 || s.Steps != lesson.Steps || s.Dir != lesson.Dir {
		t.Errorf("session: settings %v, seed %d, steps %d, dir %s", s.Config.Settings, s.Config.Seed, s.Steps, s.Dir)
	}
	for _, k := range []string{"k", "opt", "batch", "critic_steps"} {
		if _, ok := s.Params[k]; ok {
			t.Errorf("Params hold %q, a trainer setting: %v", k, s.Params)
		}
	}
	if s.Params["noise"] != "normal" {
		t.Errorf("Params: %v, want noise=normal", s.Params)
	}
	if got := experiments.MedianDistance([]float64{16, 1, 9}); got != 3 {
		t.Errorf("MedianDistance of squared 16, 1, 9: %g, want 3", got)
	}
}
