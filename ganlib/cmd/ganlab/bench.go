package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/bench"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// Implementations `ganlab bench` knows. ganlib's run as this binary in a worker subprocess, which sets
// GANLAB_BACKEND from ganlabBackend; the peers run bench/peers/*.py with the peers' Python.
var benchImpls = map[string]struct {
	ganlabBackend string // GANLAB_BACKEND for ganlib's implementations
	script, args  string // peer script and extra arguments
	doc           string
}{
	"xla":          {ganlabBackend: "cpu", doc: "ganlib on XLA CPU (PJRT plugin)"},
	"go":           {ganlabBackend: "go", doc: "ganlib on GoMLX's pure-Go backend"},
	"cuda":         {ganlabBackend: "cuda", doc: "ganlib on XLA CUDA"},
	"pytorch":      {script: "torch_gan.py", args: "--device=cpu", doc: "PyTorch eager on the CPU"},
	"pytorch-cuda": {script: "torch_gan.py", args: "--device=cuda", doc: "PyTorch eager on CUDA"},
	"keras":        {script: "keras_gan.py", doc: "Keras 3 on TensorFlow (the lecture's train_on_batch loop)"},
}

const benchImplNames = "xla, go, cuda, pytorch, pytorch-cuda, keras"

const benchJSONPrefix = "BENCH_JSON "

// benchResult is one implementation's measurement of one model, plus what the parent saw of the child.
type benchResult struct {
	bench.Timing
	MedianMS  float64 `json:"median_ms"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	GFLOPs    float64 `json:"gflop_per_s"`
	Load      string  `json:"load"` // /proc/loadavg before the run
	Err       string  `json:"error,omitempty"`
}

func benchCmd(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	modelsFlag := fs.String("models", bench.ModelNames(), "comma-separated models: "+bench.ModelNames())
	implsFlag := fs.String("impls", "xla,go", "comma-separated implementations: "+benchImplNames)
	peers := fs.Bool("peers", false, "also run the peers: pytorch and keras (install them with bash bench/peers/install.sh)")
	steps := fs.Int("steps", 10, "timed full GAN steps per model and implementation, >= 1 (the median is reported)")
	warmup := fs.Int("warmup", 2, "untimed steps after the first (compiling) step, >= 0")
	goBudget := fs.Duration("budget", 90*time.Second, "> 0: every implementation stops timing after this much time in timed steps (at least -min-steps steps) and skips warm-up steps once half of it is spent: the pure-Go backend needs minutes per step on the lecture's model")
	minSteps := fs.Int("min-steps", 3, "timed steps always taken, whatever -budget says, >= 1")
	rounds := fs.Int("rounds", 1, "repeat every model's measurements this many times (>= 1), interleaved; the table shows the round with the lowest median per implementation")
	python := fs.String("python", "", "Python of the peers (default: .local/peers/venv/bin/python of the project)")
	peersDir := fs.String("peers-dir", "", "folder of the peer scripts (default: bench/peers of the project)")
	peerThreads := fs.Int("peer-threads", 0, "intra-op threads of PyTorch and TensorFlow, >= 0 (0: each library's default, all cores)")
	jsonOut := fs.String("json", "", "also write every measurement as JSON to this file")
	quick := fs.Bool("quick", false, "smoke test: 2 timed steps, no warm-up (for tests; numbers mean nothing)")
	mri := fs.Bool("mri", false, "instead of the table: time the full brain-MRI protocol (lecture DCGAN 128×128×1, batch 4, -mri-epochs × -mri-steps steps, samples after every epoch) in this process, on the backend GANLAB_BACKEND selects")
	mriEpochs := fs.Int("mri-epochs", 10, "-mri: epochs, >= 1")
	mriSteps := fs.Int("mri-steps", 1000, "-mri: steps per epoch, >= 1")
	mriData := fs.String("mri-data", "", "-mri: folder of brain-MRI images (default: the brain-MRI set of notebook 06, data.LocateMRI, when built, else random images)")
	mriOut := fs.String("mri-out", "", "-mri: write each epoch's 10 fixed-noise samples as a PNG grid into this folder")
	worker := fs.String("worker", "", "internal: measure one ganlib implementation in this process and print "+strings.TrimSpace(benchJSONPrefix))
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: ganlab bench [flags]\n\nTimes full GAN steps (one D and one G update, Adam) of the benchmark models, each implementation\nin its own subprocess, side by side, and prints ms/step, first-step time, peak RSS, GFLOP/s and ratios.\n\nmodels:\n")
		for _, m := range bench.Models() {
			fmt.Fprintf(fs.Output(), "  %-12s %s (%.2f GFLOP/step)\n", m.Name, m.Doc, m.GFLOPPerStep())
		}
		fmt.Fprintf(fs.Output(), "implementations:\n")
		for _, n := range []string{"xla", "go", "cuda", "pytorch", "pytorch-cuda", "keras"} {
			fmt.Fprintf(fs.Output(), "  %-12s %s\n", n, benchImpls[n].doc)
		}
		fs.PrintDefaults()
	}
	fs.Parse(args)
	c := flagCheck{cmd: "bench"}
	c.noArgs(fs)
	c.atLeast("steps", *steps, 1)
	c.atLeast("warmup", *warmup, 0)
	c.positiveDuration("budget", *goBudget)
	c.atLeast("min-steps", *minSteps, 1)
	c.atLeast("rounds", *rounds, 1)
	c.atLeast("peer-threads", *peerThreads, 0)
	c.atLeast("mri-epochs", *mriEpochs, 1)
	c.atLeast("mri-steps", *mriSteps, 1)
	if *mriData != "" && !isDirPath(*mriData) {
		c.fail("-mri-data must be a folder of images, got %q", *mriData)
	}
	if len(splitList(*modelsFlag)) == 0 {
		c.fail("-models must name at least one of %s", bench.ModelNames())
	}
	var models []bench.Model
	for _, name := range splitList(*modelsFlag) {
		m, err := bench.Find(name)
		if err != nil {
			c.fail("-models: %v", err)
		}
		models = append(models, m)
	}
	impls := splitList(*implsFlag)
	if len(impls) == 0 && !*peers {
		c.fail("-impls must name at least one of %s", benchImplNames)
	}
	for _, impl := range impls {
		if _, ok := benchImpls[impl]; !ok {
			c.fail("-impls: unknown implementation %q: want %s", impl, benchImplNames)
		}
	}
	if c.err != nil {
		return c.err
	}
	if *quick {
		*steps, *warmup, *minSteps = 2, 0, 1
	}
	if *mri {
		return benchMRI(*mriEpochs, *mriSteps, *mriData, *mriOut)
	}
	if *worker != "" {
		if len(models) != 1 {
			return fmt.Errorf("bench -worker measures one model, got %d", len(models))
		}
		return benchWorker(*worker, models[0], *warmup, *steps, *minSteps, *goBudget)
	}
	if *peers {
		for _, p := range []string{"pytorch", "keras"} {
			if !contains(impls, p) {
				impls = append(impls, p)
			}
		}
	}
	home := project.Home()
	for _, impl := range impls {
		spec, ok := benchImpls[impl]
		if !ok {
			return fmt.Errorf("bench: unknown implementation %q (xla, go, cuda, pytorch, pytorch-cuda, keras)", impl)
		}
		if spec.script == "" {
			continue
		}
		if *python == "" {
			if home == "" {
				return fmt.Errorf("bench: no project folder found for the peers' Python; pass -python")
			}
			*python = filepath.Join(home, ".local", "peers", "venv", "bin", "python")
		}
		if *peersDir == "" && home != "" {
			*peersDir = filepath.Join(home, "bench", "peers")
		}
		if _, err := os.Stat(*python); err != nil {
			return fmt.Errorf("bench: the peers' Python %s is missing: run `bash bench/peers/install.sh` (PyTorch and Keras in .local/peers/venv), or pass -python", *python)
		}
		if _, err := os.Stat(filepath.Join(*peersDir, spec.script)); err != nil {
			return fmt.Errorf("bench: peer script %s: %v (pass -peers-dir)", filepath.Join(*peersDir, spec.script), err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}

	fmt.Printf("ganlab bench: %d timed steps after 1 + %d warm-up steps, median; %d round(s); each stops timing after %v (≥ %d steps)\n",
		*steps, *warmup, *rounds, *goBudget, *minSteps)
	fmt.Printf("machine: %s, %d CPUs; load average %s\n", cpuModel(), runtime.NumCPU(), loadAvg())
	var all []benchResult
	for _, m := range models {
		fmt.Printf("\n%s: %s — %.2f GFLOP per step\n", m.Name, m.Doc, m.GFLOPPerStep())
		best := map[string]benchResult{}
		for r := 0; r < *rounds; r++ {
			for _, impl := range impls {
				res := runBenchChild(exe, impl, m, *python, *peersDir, *steps, *warmup, *minSteps, *goBudget, *peerThreads)
				all = append(all, res)
				if res.Err != "" {
					fmt.Printf("  %-12s FAILED: %s\n", impl, res.Err)
				}
				if old, ok := best[impl]; !ok || (res.Err == "" && (old.Err != "" || res.MedianMS < old.MedianMS)) {
					best[impl] = res
				}
			}
		}
		printBenchTable(m, impls, best)
	}
	fmt.Printf("\nload average at the end: %s\n", loadAvg())
	if *jsonOut != "" {
		raw, _ := json.MarshalIndent(all, "", "  ")
		if err := os.WriteFile(*jsonOut, raw, 0o644); err != nil {
			return err
		}
	}
	for _, r := range all {
		if r.Err != "" {
			return exitError(1)
		}
	}
	return nil
}

// runBenchChild measures one implementation of m in a subprocess and reads its peak RSS from the kernel's
// accounting of that child (getrusage's ru_maxrss).
func runBenchChild(exe, impl string, m bench.Model, python, peersDir string, steps, warmup, minSteps int, goBudget time.Duration, peerThreads int) benchResult {
	res := benchResult{Load: loadAvg()}
	res.Impl, res.Model = impl, m.Name
	spec := benchImpls[impl]
	common := []string{fmt.Sprintf("--steps=%d", steps), fmt.Sprintf("--warmup=%d", warmup), fmt.Sprintf("--min-steps=%d", minSteps)}
	var cmd *exec.Cmd
	if spec.script == "" {
		// The worker sets GANLAB_BACKEND from impl itself (benchWorker).
		cmd = exec.Command(exe, append([]string{"bench", "-worker", impl, "-models", m.Name, fmt.Sprintf("-budget=%v", goBudget)}, common...)...)
		// ganlib's workers get the huge pages ganlab gives its processes (speed switch); the peers keep the
		// user's environment, as they would run without ganlab.
		env, _, err := backend.HugePagesEnv(os.Environ())
		if err != nil {
			res.Err = err.Error()
			return res
		}
		cmd.Env = env
	} else {
		a := []string{filepath.Join(peersDir, spec.script), "--model", m.Name}
		a = append(a, common...)
		if spec.args != "" {
			a = append(a, spec.args)
		}
		a = append(a, fmt.Sprintf("--budget-s=%g", goBudget.Seconds()))
		if peerThreads > 0 {
			a = append(a, fmt.Sprintf("--threads=%d", peerThreads))
		}
		cmd = exec.Command(python, a...)
		cmd.Env = append(os.Environ(), "TF_CPP_MIN_LOG_LEVEL=3", "KERAS_BACKEND=tensorflow", "PYTHONUNBUFFERED=1")
	}
	// A child must not outlive an interrupted bench (it would load the machine for minutes).
	killWithParent(cmd)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			res.PeakRSSMB = float64(ru.Maxrss) / 1024 // kB on Linux
		}
	}
	found := false
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), benchJSONPrefix); ok {
			var t bench.Timing
			if jerr := json.Unmarshal([]byte(line), &t); jerr != nil {
				res.Err = fmt.Sprintf("unreadable result line from %s: %v", impl, jerr)
			} else {
				res.Timing, found = t, true
				res.Impl = impl
			}
		}
	}
	switch {
	case err != nil:
		res.Err = fmt.Sprintf("%v; last output: %s", err, tail(stderr.String()+stdout.String(), 600))
	case !found && res.Err == "":
		res.Err = "no " + strings.TrimSpace(benchJSONPrefix) + " line in the output: " + tail(stdout.String()+stderr.String(), 600)
	case len(res.StepMS) == 0 && res.Err == "":
		res.Err = "no timed steps"
	}
	if res.Err == "" {
		res.MedianMS = res.Median()
		res.GFLOPs = m.GFLOPPerStep() / (res.MedianMS / 1e3)
	}
	return res
}

func printBenchTable(m bench.Model, impls []string, best map[string]benchResult) {
	peers := []string{}
	for _, p := range []string{"pytorch", "keras", "pytorch-cuda"} {
		if r, ok := best[p]; ok && r.Err == "" {
			peers = append(peers, p)
		}
	}
	fmt.Printf("  %-12s %10s %4s %9s %9s %8s %9s", "impl", "ms/step", "n", "first s", "peak MB", "GFLOP/s", "cpu ms")
	for _, p := range peers {
		fmt.Printf(" %9s", "t/"+p)
	}
	if contains(peers, "pytorch") {
		fmt.Printf(" %11s", "RSS/pytorch")
	}
	fmt.Println()
	for _, impl := range impls {
		r, ok := best[impl]
		if !ok || r.Err != "" {
			continue
		}
		fmt.Printf("  %-12s %10.1f %4d %9.2f %9.0f %8.1f %9.1f", impl, r.MedianMS, len(r.StepMS), r.FirstMS/1e3, r.PeakRSSMB, r.GFLOPs, bench.Median(r.CPUMS))
		for _, p := range peers {
			fmt.Printf(" %8.2f×", r.MedianMS/best[p].MedianMS)
		}
		if contains(peers, "pytorch") {
			fmt.Printf(" %10.2f×", r.PeakRSSMB/best["pytorch"].PeakRSSMB)
		}
		fmt.Printf("   [load %s]\n", r.Load)
	}
	for _, impl := range impls {
		if r, ok := best[impl]; ok && r.Err == "" && r.Info != "" {
			fmt.Printf("    %s: %s\n", impl, r.Info)
		}
	}
}

// benchWorker measures model m with ganlib on impl's backend (GANLAB_BACKEND set from benchImpls, so it never falls
// back to another) and prints one BENCH_JSON line.
func benchWorker(impl string, m bench.Model, warmup, steps, minSteps int, budget time.Duration) error {
	spec, ok := benchImpls[impl]
	if !ok || spec.ganlabBackend == "" {
		return fmt.Errorf("bench -worker %q: not one of ganlib's implementations (xla, go, cuda)", impl)
	}
	// The row is labelled impl: measure that backend or fail, never fall back to another (a worker started by hand,
	// without the parent's GANLAB_BACKEND, would otherwise measure pure Go under the name xla).
	if err := os.Setenv(backend.EnvBackend, spec.ganlabBackend); err != nil {
		return err
	}
	// Probed before the backend exists, so that the probe's 64 MiB never add to the worker's peak RSS.
	hugePages := backend.HugePagesProbe()
	b, info, err := backend.New()
	if err != nil {
		return err
	}
	defer b.Finalize()
	t, err := bench.Measure(b, m, warmup, steps, minSteps, budget)
	if err != nil {
		return fmt.Errorf("bench %s on %s: %w", m.Name, impl, err)
	}
	t.Impl = impl
	t.Info = info.String()
	if i := strings.Index(t.Info, "; why:"); i > 0 {
		t.Info = t.Info[:i]
	}
	t.Info += fmt.Sprintf("; GOMAXPROCS %d; %s", runtime.GOMAXPROCS(0), hugePages)
	raw, err := json.Marshal(t)
	if err != nil {
		return err
	}
	fmt.Printf("%s%s\n", benchJSONPrefix, raw)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return strings.ReplaceAll(s, "\n", " | ")
}

func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	raw, _ := io.ReadAll(io.LimitReader(f, 1<<16))
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// benchMRI times bench.MRIProtocol on the default backend and prints one line per epoch and the total.
func benchMRI(epochs, steps int, dir, out string) error {
	b, info, err := backend.New()
	if err != nil {
		return err
	}
	defer b.Finalize()
	fmt.Println(info)
	p := bench.MRIProtocol{Epochs: epochs, StepsPerEpoch: steps, Batch: 4}
	spec := dir
	if spec == "" && data.LocateMRI().Ready {
		spec = data.MRIName // the set notebook 06 trains on: the slices that cut the cerebrum
	}
	what := "random images (no -mri-data, and no brain-MRI set built)"
	if spec != "" {
		im, err := data.LoadTrain(spec, data.FolderOptions{Size: 128})
		if err != nil {
			return err
		}
		p.Images, p.N = im.Pixels, im.N
		what = fmt.Sprintf("%d images of %s", im.N, im.Source)
	}
	if out != "" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
	}
	fmt.Printf("MRI protocol: lecture DCGAN 128×128×1, batch 4, %d epochs × %d steps, 20 images drawn from %s\n", epochs, steps, what)
	res, err := p.Run(b, func(e int, d time.Duration, samples []float32) error {
		fmt.Printf("  epoch %2d/%d: %7.2f s (%.1f ms/step)\n", e, epochs, d.Seconds(), d.Seconds()*1e3/float64(steps))
		if out == "" {
			return nil
		}
		png, err := nbui.Grid{Pixels: samples, N: len(samples) / (128 * 128), H: 128, W: 128, C: 1, Lo: -1, Hi: 1, Cols: 5, Pad: 2}.PNG()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(out, fmt.Sprintf("mri-epoch%02d.png", e)), png, 0o644)
	})
	if err != nil {
		return err
	}
	fmt.Printf("MRI protocol total: %.1f s for %d steps (first step, compilation included: %.1f s); last step d_loss %.3f g_loss %.3f\n",
		res.Total.Seconds(), epochs*steps, res.FirstStep.Seconds(), res.Last.DLoss, res.Last.GLoss)
	return nil
}

func isDirPath(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
