package lab

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

// rssMB is this process's resident set size (VmRSS in /proc/self/status) in MB, or -1 where there is none.
func rssMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) >= 2 && fields[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(fields[1], 64)
			return kb / 1024
		}
	}
	return -1
}

// TestSoak (GANLAB_LONG=1: make test-long): 10,000 steps of the vanilla MLP GAN (batch 16, synthetic data)
// through a Session that checkpoints every 1,000 steps, on the default backend (XLA CPU in make test). RSS is
// sampled every 500 steps; after the warm-up (step 1,000) it must not grow by more than 200 MB: no leak of
// tensors, buffers or compiled graphs per step or per checkpoint.
func TestSoak(t *testing.T) {
	if os.Getenv("GANLAB_LONG") == "" {
		t.Skip("soak test: set GANLAB_LONG=1 (make test-long does)")
	}
	if rssMB() < 0 {
		t.Skip("no /proc/self/status: cannot sample RSS")
	}
	_, info, err := backend.Default()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("GANLAB_REQUIRE_XLA") != "" && !strings.HasPrefix(info.Kind, "xla") {
		t.Fatalf("GANLAB_REQUIRE_XLA is set but the backend is %s", info.Kind)
	}
	const steps, every, warmup, bound = 10000, 500, 1000, 200.0
	var samples, heaps []float64
	var warm float64
	start := time.Now()
	sampler := func(_ *gan.Trainer, r gan.Record) error {
		if r.Step%every == 0 {
			debug.FreeOSMemory() // a GC and the Go heap's free pages back to the OS: what remains is in use
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heaps = append(heaps, float64(ms.HeapInuse)/(1<<20))
			mb := rssMB()
			samples = append(samples, mb)
			if r.Step == warmup {
				warm = mb
			}
			if r.Step > warmup && mb-warm > bound {
				t.Errorf("step %d: RSS %.0f MB, %.0f MB more than after the warm-up (bound %.0f MB)", r.Step, mb, mb-warm, bound)
				return gan.ErrStop
			}
		}
		return nil
	}
	s := &Session{Dir: filepath.Join(t.TempDir(), "soak"), Variant: vanilla.New(28, 28, 1),
		Config: gan.Config{Seed: 5, Settings: gan.Settings{gan.SettingBatchSize: 16}}, Data: randomImages(1024), Steps: steps, StepsPerEpoch: 1000,
		Quiet: true, Callbacks: []gan.Callback{sampler}}
	tr, err := s.Run()
	if err != nil {
		t.Fatal(err)
	}
	if tr.Step() != steps {
		t.Fatalf("stopped at step %d", tr.Step())
	}
	peak := 0.0
	for _, mb := range samples[warmup/every-1:] {
		peak = max(peak, mb)
	}
	t.Logf("%s: %d steps in %s; RSS (MB) every %d steps: %.0f; after warm-up %.0f, peak %.0f, last %.0f (growth %.0f MB, bound %.0f); Go heap in use (MB): %.0f",
		info.Kind, steps, time.Since(start).Round(time.Second), every, samples, warm, peak, samples[len(samples)-1], peak-warm, bound, heaps)
}
