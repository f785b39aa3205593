package lab

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/cgan"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

func randomImages(n int) *data.Images {
	rng := rand.New(rand.NewPCG(3, 4))
	px := make([]float32, n*28*28)
	for i := range px {
		px[i] = rng.Float32()
	}
	return &data.Images{Name: "random", Split: "train", Pixels: px, N: n, H: 28, W: 28, C: 1}
}

// TestSessionRunsResumesAndRestarts: a session writes its epoch grid and checkpoints, a second session on the
// same folder resumes to a higher target, and Fresh starts over.
func TestSessionRunsResumesAndRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	newSession := func(epochs float64, fresh bool) *Session {
		return &Session{Dir: dir, Variant: vanilla.New(28, 28, 1), Config: gan.Config{Seed: 9, Settings: gan.Settings{gan.SettingBatchSize: 8}},
			Data: randomImages(64), Epochs: epochs, StepsPerEpoch: 3, ShowEpochs: []int{1}, Quiet: true, Fresh: fresh}
	}
	tr, err := newSession(2, false).Run()
	if err != nil {
		t.Fatal(err)
	}
	if tr.Step() != 6 {
		t.Fatalf("2 epochs of 3 steps: step %d", tr.Step())
	}
	for _, f := range []string{"grid-epoch001.png", "grid-step0000006.png", "curves.png", "history.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "grid-epoch002.png")); err == nil {
		t.Error("epoch 2 is not in ShowEpochs: no grid-epoch002.png expected")
	}
	tr, err = newSession(3, false).Run()
	if err != nil || tr.Step() != 9 || len(tr.History) != 9 {
		t.Fatalf("resume to 3 epochs: step %d, history %d, err %v", tr.Step(), len(tr.History), err)
	}
	reopened, err := Open(dir, vanilla.New(28, 28, 1))
	if err != nil || reopened.Step() != 9 || len(reopened.FixedNoise) != 10*vanilla.LatentDim {
		t.Fatalf("Open: %v", err)
	}
	tr, err = newSession(1, true).Run()
	if err != nil || tr.Step() != 3 {
		t.Fatalf("Fresh run: step %d err %v", tr.Step(), err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none"), vanilla.New(28, 28, 1)); err == nil || !strings.Contains(err.Error(), "run the training cell first") {
		t.Errorf("Open of an empty folder: %v", err)
	}
}

func TestRunDirSeparatesQuickRuns(t *testing.T) {
	t.Setenv("GANLAB_HOME", "/x/ganlab")
	t.Setenv("GANLAB_QUICK", "")
	if d := RunDir("01"); d != "/x/ganlab/out/runs/01" || Quick() {
		t.Errorf("full mode RunDir %s", d)
	}
	t.Setenv("GANLAB_QUICK", "1")
	if d := RunDir("01"); d != "/x/ganlab/out/runs/quick/01" || !Quick() {
		t.Errorf("quick mode RunDir %s", d)
	}
	t.Setenv("GANLAB_QUICK", "0")
	if Quick() {
		t.Error("GANLAB_QUICK=0 is full mode")
	}
}

// TestSessionRefusesOtherParams: a session does not resume a run folder whose checkpoint was trained with another
// value of one of its params (and names the param); a key the checkpoint lacks is not held against it. The model,
// loss and data names are params without being given.
func TestSessionRefusesOtherParams(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	newSession := func(steps int, params map[string]string) *Session {
		return &Session{Dir: dir, Variant: vanilla.New(28, 28, 1), Config: gan.Config{Seed: 9, Settings: gan.Settings{gan.SettingBatchSize: 8}},
			Data: randomImages(64), Steps: steps, Quiet: true, Params: params}
	}
	if _, err := newSession(2, map[string]string{"noise": "uniform", "data": "/old/place/mri"}).Run(); err != nil {
		t.Fatal(err)
	}
	if meta, _, err := gan.ReadMeta(dir); err != nil || meta.Params["model"] != "vanilla" || meta.Params["loss"] != "non-saturating" || meta.Params["data"] != "/old/place/mri" {
		t.Fatalf("stored params: %v (%v)", meta, err)
	}
	_, err := newSession(4, map[string]string{"noise": "normal", "data": "/old/place/mri"}).Run()
	if err == nil || !strings.Contains(err.Error(), `noise="uniform"`) || !strings.Contains(err.Error(), `noise="normal"`) {
		t.Fatalf("resuming a noise=uniform run as noise=normal: %v", err)
	}
	other := newSession(4, map[string]string{"noise": "uniform", "data": "/old/place/mri"})
	other.Variant.Name = "vanilla-2"
	if _, err := other.Run(); err == nil || !strings.Contains(err.Error(), `"vanilla"`) {
		t.Fatalf("resuming a vanilla run as another model: %v", err)
	}
	tr, err := newSession(4, map[string]string{"noise": "uniform", "new": "x", "data": "/old/place/mri"}).Run()
	if err != nil || tr.Step() != 4 {
		t.Fatalf("resuming with the same params and one new key: step %v, %v", tr, err)
	}
	// A data folder given by absolute path may move with the project.
	if tr, err := newSession(6, map[string]string{"noise": "uniform", "data": "/new/place/mri"}).Run(); err != nil || tr.Step() != 6 {
		t.Fatalf("resuming with the data folder moved: %v", err)
	}
}

// TestSessionNeedsLabels: a conditional model on data without labels is refused with an error that says so.
func TestSessionNeedsLabels(t *testing.T) {
	s := &Session{Dir: filepath.Join(t.TempDir(), "run"), Variant: cgan.New(28, 1), Config: gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 8}},
		Data: randomImages(16), Steps: 1, Quiet: true}
	if _, err := s.Run(); err == nil || !strings.Contains(err.Error(), "conditioned on class labels") {
		t.Fatalf("cGAN without labels: %v", err)
	}
}

// TestStepStatus: the progress line shows D(x) and D(G(z)) for a discriminator, the W estimate for a critic.
func TestStepStatus(t *testing.T) {
	r := gan.Record{Step: 3, DLoss: -0.5, GLoss: 0.25, DReal: 0.61, DFake: 0.39, WEstimate: 0.5}
	if s := StepStatus(gan.NonSaturating(), 1.5, r); !strings.Contains(s, "D(x) 0.61 · D(G(z)) 0.39") || strings.Contains(s, "W estimate") {
		t.Errorf("discriminator status %q", s)
	}
	if s := StepStatus(gan.Wasserstein(), 1.5, r); !strings.Contains(s, "W estimate 0.500") || strings.Contains(s, "D(x)") {
		t.Errorf("critic status %q", s)
	}
}
