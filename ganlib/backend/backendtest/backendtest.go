// Package backendtest gives tests the two backends ganlab runs on, with one rule for a missing XLA plugin: the
// test is skipped, or fails when GANLAB_REQUIRE_XLA is set (as `make test` and CI do), so that XLA tests cannot
// skip silently there.
//
// Tests get the readable path (ganlab's speed switch off, package ganlib/speed) unless GANLAB_SPEED=on; benchmarks
// (a *testing.B) get the tuned path the CLI and docs/benchmarks.md measure, unless GANLAB_SPEED=off.
package backendtest

import (
	"os"
	"testing"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/internal/tune"
)

// XLA returns the XLA CPU backend, finalized when the test ends.
func XLA(tb testing.TB) compute.Backend {
	tb.Helper()
	TunedForBenchmarks(tb)
	if backend.FindPlugin("cpu") == "" {
		if os.Getenv("GANLAB_REQUIRE_XLA") != "" {
			tb.Fatalf("GANLAB_REQUIRE_XLA is set but no PJRT CPU plugin was found in %v", backend.PluginDirs())
		}
		tb.Skip("no PJRT CPU plugin; run make setup")
	}
	b, err := backend.NewCPU()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Finalize)
	return b
}

// Go returns GoMLX's pure-Go backend (configured as backend.GoConfig), finalized when the test ends.
func Go(tb testing.TB) compute.Backend {
	tb.Helper()
	TunedForBenchmarks(tb)
	b, err := backend.NewGo()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Finalize)
	return b
}

// Each runs fn as one subtest per backend: "go" and "xla".
func Each(t *testing.T, fn func(t *testing.T, b compute.Backend)) {
	t.Run("go", func(t *testing.T) { fn(t, Go(t)) })
	t.Run("xla", func(t *testing.T) { fn(t, XLA(t)) })
}

// EachB runs fn as one sub-benchmark per backend: "xla" and "go" (select one with -bench 'Name/xla').
func EachB(b *testing.B, fn func(b *testing.B, be compute.Backend)) {
	b.Run("xla", func(b *testing.B) { fn(b, XLA(b)) })
	b.Run("go", func(b *testing.B) { fn(b, Go(b)) })
}

// TunedForBenchmarks turns ganlab's speed switch on until tb ends (GANLAB_SPEED=on) when tb is a benchmark and
// GANLAB_SPEED is unset: benchmarks measure the path the CLI runs.
func TunedForBenchmarks(tb testing.TB) {
	if _, ok := tb.(*testing.B); ok && os.Getenv(tune.Env) == "" {
		tb.Setenv(tune.Env, "on")
	}
}
