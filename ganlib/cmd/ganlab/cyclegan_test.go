package main

import (
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
)

// needDomains skips a test when MNIST or sklearn-digits has not been fetched.
func needDomains(t *testing.T) {
	for _, name := range []string{"mnist", data.SKDigitsName} {
		if _, err := data.Load(name, "test", data.Offline()); err != nil {
			t.Skipf("%s not fetched (ganlab data fetch %s): %v", name, name, err)
		}
	}
}

// TestCycleGANSummary: `ganlab summary cyclegan` shows the 28×28 translator, CycleGAN's settings and the
// parameters of all four networks (twice G + D_B).
func TestCycleGANSummary(t *testing.T) {
	needDomains(t)
	out, err := run(t, "summary", "cyclegan")
	if err != nil {
		t.Fatalf("summary: %v\n%s", err, out)
	}
	for _, want := range []string{"cyclegan: z [1] → images 28×28×1", "cycle_lambda = 10", "identity_lambda = 5",
		"pool_size = 50", "adam_beta1 = 0.5", "learning_rate = 0.0002", "batch_size = 16", "G + F + D_B + D_A"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	var gd, all string
	for _, line := range strings.Split(out, "\n") {
		if s, ok := strings.CutPrefix(line, "Total params (G + D): "); ok {
			gd = s
		}
		if _, s, ok := strings.Cut(line, "(G + F + D_B + D_A): "); ok {
			all = s
		}
	}
	n, errGD := strconv.Atoi(strings.ReplaceAll(gd, ",", ""))
	m, errAll := strconv.Atoi(strings.ReplaceAll(all, ",", ""))
	if errGD != nil || errAll != nil || n == 0 || m != 2*n {
		t.Errorf("totals: G + D %q, all four %q; want the second twice the first", gd, all)
	}
}

// TestCycleGANTrainResume: `ganlab train -model cyclegan -data sklearn-digits` trains 2 steps, records the
// CycleGAN terms and its learning rate in the checkpoint, resumes to step 3 with a setting given again, and
// `ganlab sample` draws G's translations.
func TestCycleGANTrainResume(t *testing.T) {
	needDomains(t)
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"train", "-model", "cyclegan", "-data", data.SKDigitsName, "-batch", "4", "-out", dir}
	out, err := run(t, append(args, "-steps", "2")...)
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	meta, ckpt, err := gan.ReadMeta(dir)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Step != 2 || meta.Params["model"] != "cyclegan" || meta.Params["loss"] != "lsgan-terms" || meta.Height != 28 {
		t.Errorf("checkpoint: step %d, height %d, params %v", meta.Step, meta.Height, meta.Params)
	}
	lr := learningRates(t, meta, ckpt)
	if d, g := lr[gan.DiscriminatorScope], lr[gan.GeneratorScope]; math.Abs(d/2e-4-1) > 1e-6 || math.Abs(g/2e-4-1) > 1e-6 {
		t.Errorf("learning rates in the checkpoint: D %g, G %g; want 2e-4", d, g)
	}
	out, err = run(t, append(args, "-steps", "3", "-set", "cycle_lambda=5")...)
	if err != nil || !strings.Contains(out, "Resuming") {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	h := history(t, dir)
	if len(h) != 3 {
		t.Fatalf("history has %d records after the resume, want 3", len(h))
	}
	if out, err := run(t, "sample", "-run", dir, "-n", "4", "-out", filepath.Join(t.TempDir(), "s.png")); err != nil {
		t.Errorf("sample: %v\n%s", err, out)
	}
	if out, err := run(t, "train", "-model", "cyclegan", "-loss", "minimax", "-data", data.SKDigitsName, "-steps", "1",
		"-out", filepath.Join(t.TempDir(), "b")); err == nil || !strings.Contains(out, "only with its own") {
		t.Errorf("cyclegan with -loss minimax should be refused:\n%s", out)
	}
	if out, err := run(t, "train", "-model", "cyclegan", "-data", "mnist", "-steps", "1",
		"-out", filepath.Join(t.TempDir(), "c")); err == nil || !strings.Contains(out, "trains only with -data sklearn-digits") {
		t.Errorf("cyclegan with -data mnist should be refused:\n%s", out)
	}
}
