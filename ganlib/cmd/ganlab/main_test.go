package main

import (
	"encoding/json"
	"fmt"
	"math"
	mathrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ganlab-cli-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "ganlab")
	if out, err := exec.Command("go", "build", "-tags", "ganlabtest", "-o", binary, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func needData(t *testing.T) {
	if _, err := data.Load("fashion-mnist", "test", data.Offline()); err != nil {
		if os.Getenv("GANLAB_REQUIRE_DATA") != "" {
			t.Fatalf("GANLAB_REQUIRE_DATA is set but Fashion-MNIST is missing: %v", err)
		}
		t.Skip("Fashion-MNIST not fetched; run make setup")
	}
}

func history(t *testing.T, dir string) []gan.Record {
	raw, err := os.ReadFile(filepath.Join(dir, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var h []gan.Record
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestTrainWritesGridsAndCheckpointAndResumes: `ganlab train` from the shell, then again with a higher target.
func TestTrainWritesGridsAndCheckpointAndResumes(t *testing.T) {
	needData(t)
	dir := filepath.Join(t.TempDir(), "run")
	out, err := run(t, "train", "-model", "vanilla", "-data", "fashion-mnist", "-steps", "20", "-batch", "16", "-out", dir)
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	if !strings.Contains(out, "backend: ") {
		t.Errorf("train should print the backend line:\n%s", out)
	}
	for _, f := range []string{"grid-latest.png", "grid-step0000020.png", "curves.png", "history.json", "checkpoints/LATEST"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("missing %s after training: %v", f, err)
		}
	}
	if h := history(t, dir); len(h) != 20 || h[19].Step != 20 {
		t.Fatalf("history after 20 steps: %d records", len(h))
	}
	// Resume to 35 steps with another learning rate: continues from 20, does not restart, and the new rate is
	// the run's from then on.
	out, err = run(t, "train", "-steps", "35", "-lr", "5e-4", "-out", dir)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if !strings.Contains(out, "from its checkpoint at step 20") {
		t.Errorf("resume should say it continues from step 20:\n%s", out)
	}
	h := history(t, dir)
	if len(h) != 35 || h[34].Step != 35 || h[20].Step != 21 {
		t.Fatalf("history after resuming to 35 steps: %d records", len(h))
	}
	meta, _, err := gan.ReadMeta(dir)
	if err != nil || meta.Step != 35 || meta.BatchSize != 16 || meta.Params["data"] != "fashion-mnist" || meta.Settings["learning_rate"] != "0.0005" {
		t.Fatalf("checkpoint after resume: %+v %v", meta, err)
	}
	// train -h lists the chosen model's settings with their defaults.
	if out, _ := run(t, "train", "-model", "wgan", "-h"); !strings.Contains(out, "clip = 0.01") || !strings.Contains(out, "optimizer = rmsprop") {
		t.Errorf("train -h -model wgan should list its settings:\n%s", out)
	}
	if out, err := run(t, "train", "-set", "learning_rat=1", "-steps", "1", "-out", t.TempDir()); err == nil || !strings.Contains(out, "learning_rate = 0.0002") {
		t.Errorf("a misspelt setting should be refused with the list of settings:\n%s", out)
	}
	// A conflicting model for the same folder is refused.
	if out, err := run(t, "train", "-data", "mnist", "-steps", "40", "-out", dir); err == nil || !strings.Contains(out, "fashion-mnist") {
		t.Errorf("training another dataset into the same folder should be refused:\n%s", out)
	}
	// sample: checkpoint → PNG.
	png := filepath.Join(t.TempDir(), "s.png")
	if out, err := run(t, "sample", "-run", dir, "-n", "12", "-out", png); err != nil {
		t.Fatalf("sample: %v\n%s", err, out)
	}
	if st, err := os.Stat(png); err != nil || st.Size() < 100 {
		t.Fatalf("sample PNG: %v", err)
	}
	if out, err := run(t, "sample", "-run", t.TempDir()); err == nil || !strings.Contains(out, "no complete checkpoint") {
		t.Errorf("sample without a checkpoint should say so:\n%s", out)
	}
}

// TestInterruptSavesCheckpoint: SIGINT during training stops it with a checkpoint that a new run resumes from.
func TestInterruptSavesCheckpoint(t *testing.T) {
	needData(t)
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(binary, "train", "-steps", "1000000", "-batch", "8", "-out", dir)
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until it is training (the progress line shows steps), then interrupt.
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(buf.String(), "D loss") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("interrupted train should exit 0: %v\n%s", err, buf.String())
	}
	meta, _, err := gan.ReadMeta(dir)
	if err != nil || meta.Step < 1 {
		t.Fatalf("no checkpoint after SIGINT: %v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), "stopping at step") {
		t.Errorf("interrupt should be reported:\n%s", buf.String())
	}
}

func TestSummaryAndErrors(t *testing.T) {
	out, err := run(t, "summary", "vanilla")
	if err != nil {
		t.Fatalf("summary: %v\n%s", err, out)
	}
	// G: 100·256+256 + 256·512+512 + 512·1024+1024 + 1024·784+784; D: 784·512+512 + 512·256+256 + 256+1.
	for _, want := range []string{"Total params: 1,486,352", "Total params: 533,505", "(None, 28, 28, 1)"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if out, err := run(t, "summary", "nosuchmodel"); err == nil || !strings.Contains(out, "known models: vanilla") {
		t.Errorf("unknown model: want error listing models, got %v\n%s", err, out)
	}
	if out, err := run(t, "frobnicate"); err == nil || !strings.Contains(out, "unknown command") {
		t.Errorf("unknown command: %v\n%s", err, out)
	}
}

// TestDoctor: on a set-up machine doctor passes and reports XLA CPU; with an empty project folder it fails and
// says what to do.
func TestDoctor(t *testing.T) {
	out, err := run(t, "doctor")
	if os.Getenv("GANLAB_REQUIRE_XLA") != "" {
		if err != nil || !strings.Contains(out, "backend: XLA CPU") {
			t.Fatalf("doctor on a set-up machine: %v\n%s", err, out)
		}
	}
	if !regexp.MustCompile(`(?m)^\[(ok  |warn)\] data +brain-mri: `).MatchString(out) ||
		!regexp.MustCompile(`(?m)^\[(ok  |warn)\] metrics +mnist classifier: `).MatchString(out) ||
		!regexp.MustCompile(`(?m)^\[(ok  |warn)\] metrics +fashion-mnist classifier: `).MatchString(out) {
		t.Errorf("doctor should report the brain-MRI set and both classifiers (ok or warn):\n%s", out)
	}
	empty := t.TempDir()
	os.MkdirAll(filepath.Join(empty, ".local"), 0o755)
	cmd := exec.Command(binary, "doctor")
	cmd.Env = append(os.Environ(), "GANLAB_HOME="+empty, "PJRT_PLUGIN_LIBRARY_PATH=", "GANLAB_DATA_DIR="+empty, "GANLAB_MRI_DIR=")
	raw, err := cmd.CombinedOutput()
	out = string(raw)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("doctor with an empty project should exit 1, got %v\n%s", err, out)
	}
	// The brain-MRI set is a warning with the command that makes it.
	mri := filepath.Join(empty, ".local", "data", "brain-mri")
	for _, want := range []string{"[FAIL] backend", "[FAIL] jupyter", "[FAIL] gonb", "run `make setup`", "check(s) failed",
		"[warn] data      brain-mri: not built", "run `ganlab data mri --out " + mri + "`"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
}

// TestSummaryLectureDCGAN: `ganlab summary lecture-dcgan` prints the totals of Keras's model.summary() for the
// slides' DCGAN at 128×128 (G 27,265,281 and D 582,785 parameters for grayscale, 27,269,379 and 583,937 for RGB)
// and the slides' shapes; an image size the generator cannot make is an error, not a crash.
func TestSummaryLectureDCGAN(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"summary", "lecture-dcgan"}, []string{"Total params: 27,265,281", "Total params: 582,785",
			"(None, 32, 32, 256)", "(None, 64, 64, 128)", "(None, 128, 128, 1)", "(None, 16, 16, 256)"}},
		{[]string{"summary", "lecture-dcgan", "--channels", "3"}, []string{"Total params: 27,269,379", "Total params: 583,937",
			"(None, 128, 128, 3)"}},
		{[]string{"summary", "lecture-dcgan", "--size", "28"}, []string{"(None, 7, 7, 256)", "(None, 28, 28, 1)"}},
		{[]string{"summary", "dcgan"}, []string{"(None, 4, 4, 1024)", "(None, 64, 64, 1)", "batch_norm"}},
	} {
		out, err := run(t, c.args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", c.args, err, out)
		}
		for _, want := range c.want {
			if !strings.Contains(out, want) {
				t.Errorf("%v lacks %q:\n%s", c.args, want, out)
			}
		}
	}
	if out, err := run(t, "summary", "lecture-dcgan", "--size", "30"); err == nil || !strings.Contains(out, "multiple of 4") || strings.Contains(out, "goroutine") {
		t.Errorf("size 30: want an error naming the size, got %v\n%s", err, out)
	}
}

// TestKill9DuringTrainingAndSaves: `ganlab train -every 3` is SIGKILLed 3 times (5 in make test-long) — as soon as a save has
// begun (its temporary folder exists; GANLAB_TEST_SLOW_SAVE holds every save open for 250 ms), and at random
// moments — and resumed each time. Every resume starts from the newest complete checkpoint, never from a partial
// one; no temporary folder or file survives a resume; and the final history equals an uninterrupted run with
// the same seed within 1e-5.
func TestKill9DuringTrainingAndSaves(t *testing.T) {
	needData(t)
	const steps = 45
	args := func(dir string) []string {
		return []string{"train", "-steps", strconv.Itoa(steps), "-batch", "8", "-seed", "3", "-every", "3", "-out", dir}
	}
	ref := filepath.Join(t.TempDir(), "ref")
	if out, err := run(t, args(ref)...); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	want := history(t, ref)
	if len(want) != steps {
		t.Fatalf("uninterrupted run: %d records", len(want))
	}

	dir := filepath.Join(t.TempDir(), "run")
	ckpts := filepath.Join(dir, "checkpoints")
	tmpIn := func() bool {
		entries, _ := os.ReadDir(ckpts)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp-") {
				return true
			}
		}
		return false
	}
	rng := mathrand.New(mathrand.NewPCG(7, 7))
	killedInSave := 0
	lastStep := 0
	// Three rounds (in the first save, at random after a checkpoint, in a later save); make test-long
	// (GANLAB_LONG=1) runs five.
	rounds := 3
	if os.Getenv("GANLAB_LONG") == "1" {
		rounds = 5
	}
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(binary, args(dir)...)
		cmd.Env = append(os.Environ(), "GANLAB_TEST_SLOW_SAVE=250ms")
		var buf strings.Builder
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(2 * time.Minute)
		waitFor := func(cond func() bool) {
			for !cond() && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
		}
		// Round 0 kills the run inside its first save (no checkpoint yet: the next run starts afresh). Later rounds
		// wait until this process has completed a checkpoint, then kill inside the next save (even rounds) or at a
		// random moment (odd rounds).
		if round > 0 {
			waitFor(func() bool { m, _, err := gan.ReadMeta(dir); return err == nil && m.Step > lastStep })
		}
		if round%2 == 0 {
			waitFor(func() bool { return !tmpIn() })
			waitFor(tmpIn)
			time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond) // somewhere inside the 250 ms pause
		} else {
			time.Sleep(time.Duration(rng.IntN(600)) * time.Millisecond)
		}
		inSave := tmpIn()
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if err == nil {
			t.Fatalf("round %d: the run finished before the kill; lengthen it\n%s", round, buf.String())
		}
		if lastStep > 0 && !strings.Contains(buf.String(), fmt.Sprintf("from its checkpoint at step %d.", lastStep)) {
			t.Errorf("round %d: should resume from step %d:\n%s", round, lastStep, buf.String())
		}
		if inSave {
			killedInSave++
		}
		meta, ck, err := gan.ReadMeta(dir)
		if err != nil {
			if round > 0 {
				t.Fatalf("round %d: no complete checkpoint after the kill (had step %d): %v", round, lastStep, err)
			}
			t.Logf("round %d: killed (during a save: %v) before the first checkpoint was complete", round, inSave)
			continue
		}
		if meta.Step < lastStep || meta.Step%3 != 0 || len(meta.History) != meta.Step || strings.Contains(ck, ".tmp") {
			t.Fatalf("round %d: checkpoint %s at step %d with %d records (previous %d)", round, ck, meta.Step, len(meta.History), lastStep)
		}
		t.Logf("round %d: killed (during a save: %v); newest complete checkpoint: step %d", round, inSave, meta.Step)
		lastStep = meta.Step
	}
	if killedInSave == 0 {
		t.Errorf("no kill landed during a save")
	}
	out, err := run(t, args(dir)...)
	if err != nil {
		t.Fatalf("final resume: %v\n%s", err, out)
	}
	if lastStep > 0 && !strings.Contains(out, fmt.Sprintf("from its checkpoint at step %d.", lastStep)) {
		t.Errorf("final resume should start from step %d:\n%s", lastStep, out)
	}
	for _, d := range []string{dir, ckpts} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp-") {
				t.Errorf("temporary %s left in %s", e.Name(), d)
			}
		}
	}
	got := history(t, dir)
	if len(got) != steps {
		t.Fatalf("resumed run: %d records, want %d", len(got), steps)
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.Step != w.Step || math.Abs(g.DLoss-w.DLoss) > 1e-5 || math.Abs(g.GLoss-w.GLoss) > 1e-5 ||
			math.Abs(g.DReal-w.DReal) > 1e-5 || math.Abs(g.DFake-w.DFake) > 1e-5 {
			t.Fatalf("record %d differs from the uninterrupted run:\n got %+v\nwant %+v", i, g, w)
		}
	}
}
