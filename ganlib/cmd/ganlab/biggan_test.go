package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/gan"
)

// TestBigGANSummary: `ganlab summary biggan` shows the 32×32 model and its settings; at 28 (not a multiple of 8)
// it is an error that says to pad, not a crash.
func TestBigGANSummary(t *testing.T) {
	out, err := run(t, "summary", "biggan")
	if err != nil {
		t.Fatalf("summary: %v\n%s", err, out)
	}
	for _, want := range []string{"biggan: z [64] → images 32×32×1", "ortho_beta = 0.0001", "critic_steps = 2",
		"generator/learning_rate = 0.0002", "discriminator/learning_rate = 0.0002", "adam_beta1 = 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if out, err := run(t, "summary", "biggan", "-size", "28"); err == nil || !strings.Contains(out, "multiple of 8") {
		t.Errorf("summary at 28: want an error about the size, got %v\n%s", err, out)
	}
}

// TestBigGANTrainPadded: `ganlab train -model biggan -data fashion-mnist -size 32` pads the 28×28 images to 32,
// trains with the hinge loss and BigGAN's learning rates (read back from the checkpoint), records the padding for a
// resume, and `ganlab sample` draws from the run; without -size the 28×28 data is refused with a hint.
func TestBigGANTrainPadded(t *testing.T) {
	needData(t)
	dir := filepath.Join(t.TempDir(), "run")
	out, err := run(t, "train", "-model", "biggan", "-data", "fashion-mnist", "-size", "32", "-steps", "2", "-batch", "8", "-out", dir)
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	if !strings.Contains(out, "padded to 32×32") {
		t.Errorf("train output does not say the data was padded:\n%s", out)
	}
	meta, ckpt, err := gan.ReadMeta(dir)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Step != 2 || meta.Params["model"] != "biggan" || meta.Params["loss"] != "hinge" || meta.Params["pad"] != "32" || meta.Height != 32 {
		t.Errorf("checkpoint: step %d, height %d, params %v", meta.Step, meta.Height, meta.Params)
	}
	lr := learningRates(t, meta, ckpt)
	if d, g := lr[gan.DiscriminatorScope], lr[gan.GeneratorScope]; math.Abs(d/2e-4-1) > 1e-6 || math.Abs(g/2e-4-1) > 1e-6 {
		t.Errorf("learning rates in the checkpoint: D %g, G %g; want 2e-4, 2e-4", d, g)
	}
	png := filepath.Join(t.TempDir(), "s.png")
	if out, err := run(t, "sample", "-run", dir, "-n", "10", "-out", png); err != nil {
		t.Errorf("sample: %v\n%s", err, out)
	}
	out, err = run(t, "train", "-model", "biggan", "-data", "fashion-mnist", "-steps", "1", "-out", filepath.Join(t.TempDir(), "b"))
	if err == nil || !strings.Contains(out, "pad 28×28 images to 32") {
		t.Errorf("biggan on 28×28 data without -size should be refused with a hint:\n%s", out)
	}
}
