package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// fakePeers writes a stand-in for the peers' Python (a shell script that prints a fixed BENCH_JSON line, or fails)
// and a peers folder holding the two script names, so that the test needs neither PyTorch nor Keras.
func fakePeers(t *testing.T, stepMS float64, fail bool) (python, dir string) {
	dir = t.TempDir()
	for _, f := range []string{"torch_gan.py", "keras_gan.py"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("# fake\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	body := fmt.Sprintf(`impl=pytorch; case "$1" in *keras*) impl=keras;; esac
echo "BENCH_JSON {\"impl\":\"$impl\",\"model\":\"$3\",\"first_ms\":7,\"step_ms\":[%g,%g,%g],\"info\":\"fake $impl\"}"
`, stepMS, stepMS, stepMS*3)
	if fail {
		body = "echo 'Traceback: no module named torch' >&2; exit 3\n"
	}
	python = filepath.Join(dir, "python")
	if err := os.WriteFile(python, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return python, dir
}

// `ganlab bench -quick` runs ganlib's pure-Go implementation and the (fake) peers in subprocesses and prints the
// table with ratios computed from the medians; -json holds the same numbers. Timing itself is not checked.
func TestBenchQuickTableAndRatios(t *testing.T) {
	python, dir := fakePeers(t, 1000, false)
	js := filepath.Join(t.TempDir(), "bench.json")
	out, err := run(t, "bench", "-quick", "-models", "mlp", "-impls", "go", "-peers", "-python", python, "-peers-dir", dir, "-json", js)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	for _, want := range []string{"mlp: MLP GAN", "t/pytorch", "t/keras", "RSS/pytorch", "load average", "go: backend: pure Go"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var res []benchResult
	raw, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Fatalf("want 3 results (go, pytorch, keras), got %d", len(res))
	}
	byImpl := map[string]benchResult{}
	for _, r := range res {
		byImpl[r.Impl] = r
		if r.Err != "" || r.PeakRSSMB <= 0 || r.FirstMS <= 0 || r.Model != "mlp" {
			t.Errorf("%s: want a clean result with peak RSS and first step, got %+v", r.Impl, r)
		}
	}
	goRes := byImpl["go"]
	if len(goRes.StepMS) != 2 || len(goRes.CPUMS) != 2 || goRes.CPUMS[0] <= 0 {
		t.Errorf("-quick times 2 steps, with their CPU time; got %v and %v", goRes.StepMS, goRes.CPUMS)
	}
	if p := byImpl["pytorch"]; p.MedianMS != 1000 || p.Info != "fake pytorch" {
		t.Errorf("pytorch median = %g (%q), want 1000 from the fake", p.MedianMS, p.Info)
	}
	// The go row: ms/step, n, first, peak, GFLOP/s, cpu ms, t/pytorch, t/keras, RSS/pytorch.
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 10 || f[0] != "go" {
			continue
		}
		ms, _ := strconv.ParseFloat(f[1], 64)
		ratio, _ := strconv.ParseFloat(strings.TrimSuffix(f[7], "×"), 64)
		if want := goRes.MedianMS / 1000; ms <= 0 || abs(ratio-want) > 0.006 {
			t.Errorf("go row %q: t/pytorch %g, want %.3f", line, ratio, want)
		}
		gflops, _ := strconv.ParseFloat(f[5], 64)
		if want := 1.3746 / (goRes.MedianMS / 1e3); abs(gflops-want) > 0.06+0.01*want {
			t.Errorf("go row %q: %g GFLOP/s, want %.1f", line, gflops, want)
		}
		return
	}
	t.Errorf("no go row in the table:\n%s", out)
}

// A peer that fails is reported with its error output, and bench exits 1; a missing peers' Python is explained.
func TestBenchPeerFailure(t *testing.T) {
	python, dir := fakePeers(t, 0, true)
	out, err := run(t, "bench", "-quick", "-models", "mlp", "-impls", "pytorch", "-python", python, "-peers-dir", dir)
	if err == nil || !regexp.MustCompile(`pytorch +FAILED`).MatchString(out) || !strings.Contains(out, "no module named torch") {
		t.Errorf("want a FAILED line with the peer's error and exit 1, got %v:\n%s", err, out)
	}
	out, err = run(t, "bench", "-quick", "-models", "mlp", "-impls", "keras", "-python", filepath.Join(dir, "missing"), "-peers-dir", dir)
	if err == nil || !strings.Contains(out, "bench/peers/install.sh") {
		t.Errorf("a missing Python should say how to install the peers, got %v:\n%s", err, out)
	}
	out, err = run(t, "bench", "-models", "nope")
	if err == nil || !strings.Contains(out, "unknown benchmark model") {
		t.Errorf("want an error naming the unknown model, got %v:\n%s", err, out)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// A worker measures the backend it is named for or fails: without a plugin, "-worker xla" must not fall back to pure
// Go (whose row would then be labelled xla); a peer's name is not a worker.
func TestBenchWorkerNoFallback(t *testing.T) {
	cmd := exec.Command(binary, "bench", "-worker", "xla", "-models", "mlp", "-steps", "1", "-warmup", "0", "-min-steps", "1")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GANLAB_BACKEND=", "GANLAB_HOME="+t.TempDir(), "PJRT_PLUGIN_LIBRARY_PATH="+t.TempDir(),
		"GANLAB_PJRT_PLUGIN=")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no PJRT cpu plugin") || strings.Contains(string(out), benchJSONPrefix) {
		t.Errorf("-worker xla without a plugin: want an error naming the missing plugin and no result, got %v:\n%s", err, out)
	}
	out2, err := run(t, "bench", "-worker", "pytorch", "-models", "mlp")
	if err == nil || !strings.Contains(out2, "not one of ganlib's implementations") {
		t.Errorf("-worker pytorch: want an error, got %v:\n%s", err, out2)
	}
}
