package main

import (
	binenc "encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"

	"github.com/ganlab/ganlab/ganlib/gan"
)

// learningRates reads the learning-rate variables of the two optimizers from the checkpoint in ckpt (meta its
// meta.json), keyed by player ("discriminator", "generator": each optimizer keeps it under its player's scope).
func learningRates(t *testing.T, meta *gan.Meta, ckpt string) map[string]float64 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(ckpt, "vars.bin"))
	if err != nil {
		t.Fatal(err)
	}
	lr := map[string]float64{}
	for _, v := range meta.Variables {
		if v.Name != "learning_rate" {
			continue
		}
		b := raw[v.Offset : v.Offset+v.Length]
		var x float64
		switch v.DType {
		case dtypes.Float32:
			x = float64(math.Float32frombits(binenc.LittleEndian.Uint32(b)))
		case dtypes.Float64:
			x = math.Float64frombits(binenc.LittleEndian.Uint64(b))
		default:
			t.Fatalf("learning rate %s/%s is %s", v.Scope, v.Name, v.DType)
		}
		for _, scope := range []string{gan.DiscriminatorScope, gan.GeneratorScope} {
			if strings.HasPrefix(v.Scope, "/"+scope+"/") {
				lr[scope] = x
			}
		}
	}
	return lr
}

// TestTrainFamilyModels: `ganlab train -model` trains each variant of the GAN family with its paper's loss and
// optimizers (learning rates read back from the checkpoint), records the loss in the checkpoint, refuses a loss
// the model cannot train with, and `ganlab sample` draws from the result.
func TestTrainFamilyModels(t *testing.T) {
	needData(t)
	cases := []struct {
		model, loss string
		dLR, gLR    float64
	}{
		{"cgan", "non-saturating", 2e-4, 2e-4},
		{"wgan", "wasserstein", 5e-5, 5e-5},
		{"wgan-gp", "wasserstein", 1e-4, 1e-4},
		{"infogan", "non-saturating", 2e-4, 1e-3},
		{"infogan-augq", "non-saturating", 2e-4, 1e-3},
	}
	for _, c := range cases {
		t.Run(c.model, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			out, err := run(t, "train", "-model", c.model, "-data", "fashion-mnist", "-steps", "2", "-batch", "8", "-out", dir)
			if err != nil {
				t.Fatalf("train: %v\n%s", err, out)
			}
			meta, ckpt, err := gan.ReadMeta(dir)
			if err != nil {
				t.Fatal(err)
			}
			if meta.Step != 2 || meta.Params["model"] != c.model || meta.Params["loss"] != c.loss {
				t.Errorf("checkpoint: step %d, params %v; want step 2, model %s, loss %s", meta.Step, meta.Params, c.model, c.loss)
			}
			lr := learningRates(t, meta, ckpt)
			if d, g := lr[gan.DiscriminatorScope], lr[gan.GeneratorScope]; math.Abs(d/c.dLR-1) > 1e-6 || math.Abs(g/c.gLR-1) > 1e-6 {
				t.Errorf("learning rates in the checkpoint: D %g, G %g; want the paper's %g, %g", d, g, c.dLR, c.gLR)
			}
			png := filepath.Join(t.TempDir(), "s.png")
			if out, err := run(t, "sample", "-run", dir, "-n", "10", "-out", png); err != nil {
				t.Errorf("sample: %v\n%s", err, out)
			}
		})
	}
	// The Wasserstein critics train only with their own loss.
	out, err := run(t, "train", "-model", "wgan", "-loss", "minimax", "-data", "fashion-mnist", "-steps", "1", "-out", filepath.Join(t.TempDir(), "w"))
	if err == nil || !strings.Contains(out, "only with its own wasserstein loss") {
		t.Errorf("wgan with -loss minimax should be refused:\n%s", out)
	}
}
