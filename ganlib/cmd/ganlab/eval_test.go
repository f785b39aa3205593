package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/internal/npy"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/lab"
)

// readNPY decodes a .npy file (npy.Decode), failing the test on an error.
func readNPY(t *testing.T, raw []byte) (shape []int, values []float32) {
	t.Helper()
	shape, values, err := npy.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return shape, values
}

// TestSampleNPYAndEval: `ganlab sample -format npy` writes the same values as Trainer.RandomSamples with the same
// seed, readable by NumPy; `ganlab eval` prints a report for the run.
func TestSampleNPYAndEval(t *testing.T) {
	needData(t)
	dir := filepath.Join(t.TempDir(), "run")
	if out, err := run(t, "train", "-model", "vanilla", "-data", "fashion-mnist", "-steps", "3", "-batch", "16", "-out", dir); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	npy := filepath.Join(t.TempDir(), "s.npy")
	out, err := run(t, "sample", "-run", dir, "-n", "37", "-seed", "11", "-format", "npy", "-o", npy)
	if err != nil {
		t.Fatalf("sample -format npy: %v\n%s", err, out)
	}
	if !strings.Contains(out, "values in [-1, 1]") {
		t.Errorf("sample should say the value range:\n%s", out)
	}
	raw, err := os.ReadFile(npy)
	if err != nil {
		t.Fatal(err)
	}
	shape, got := readNPY(t, raw)
	if fmt.Sprint(shape) != "[37 28 28 1]" {
		t.Fatalf("shape %v, want (37, 28, 28, 1)", shape)
	}
	// The same samples in-process.
	v, err := newModel("vanilla", 28, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := backend.Default(); err != nil {
		t.Fatal(err)
	}
	tr, err := lab.Open(dir, v)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tr.RandomSamples(37, 11)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("value %d: file %g, RandomSamples %g", i, got[i], want[i])
		}
	}
	// NumPy reads it, when the venv has it.
	py := filepath.Join(project.Home(), ".local", "venv", "bin", "python")
	if exec.Command(py, "-c", "import numpy").Run() == nil {
		script := fmt.Sprintf("import numpy as np; a = np.load(%q); print(a.dtype, a.shape, float(a.astype(np.float64).sum()))", npy)
		pyOut, err := exec.Command(py, "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("numpy: %v\n%s", err, pyOut)
		}
		var sum float64
		for _, x := range got {
			sum += float64(x)
		}
		f := strings.Fields(string(pyOut))
		pySum, _ := strconv.ParseFloat(f[len(f)-1], 64)
		if !strings.HasPrefix(string(pyOut), "float32 (37, 28, 28, 1)") || math.Abs(pySum-sum) > 1e-6*math.Abs(sum)+1e-6 {
			t.Errorf("numpy reads %s (sum in Go %v)", pyOut, sum)
		}
	} else {
		t.Logf("numpy is not in %s: the header was checked in Go only", py)
	}
	// -unit maps to [0, 1].
	out, err = run(t, "sample", "-run", dir, "-n", "37", "-seed", "11", "-format", "npy", "-unit", "-o", npy)
	if err != nil {
		t.Fatalf("sample -unit: %v\n%s", err, out)
	}
	raw, _ = os.ReadFile(npy)
	_, unit := readNPY(t, raw)
	for i := range want {
		if math.Abs(float64(unit[i]-(want[i]+1)/2)) > 1e-7 {
			t.Fatalf("-unit value %d: %g, want %g", i, unit[i], (want[i]+1)/2)
		}
	}
	if out, err := run(t, "sample", "-run", dir, "-format", "jpeg"); err == nil || !strings.Contains(out, "png or npy") {
		t.Errorf("an unknown format should be refused:\n%s", out)
	}

	// eval needs the fashion-mnist test set: skip when it is absent, unless GANLAB_REQUIRE_DATA=1.
	if _, err := data.Load("fashion-mnist", "test", data.Offline()); err != nil && os.Getenv("GANLAB_REQUIRE_DATA") != "1" {
		t.Skipf("no fashion-mnist test set: %v", err)
	}
	out, err = run(t, "eval", "-run", dir, "-n", "500")
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, out)
	}
	for _, want := range []string{"500 samples vs 10000 real images", "FD ", "floor", "score", "precision", "recall", "entropy", "T-shirt/top:"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	if !bytes.Contains([]byte(out), []byte("test accuracy")) {
		t.Errorf("eval should print the classifier's accuracy:\n%s", out)
	}
	t.Logf("eval:\n%s", out)

	// train -metrics N prints a line of scores every N steps.
	out, err = run(t, "train", "-model", "vanilla", "-data", "fashion-mnist", "-steps", "4", "-batch", "16", "-metrics", "2",
		"-out", filepath.Join(t.TempDir(), "run2"))
	if err != nil {
		t.Fatalf("train -metrics: %v\n%s", err, out)
	}
	for _, want := range []string{"METRICS step 2: FD ", "METRICS step 4: FD "} {
		if !strings.Contains(out, want) {
			t.Errorf("train -metrics 2 output lacks %q:\n%s", want, out)
		}
	}
}
