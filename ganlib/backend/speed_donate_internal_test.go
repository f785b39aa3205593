//go:build ((linux && amd64) || darwin) && !noxla

package backend

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fileContains reads in 4 MiB pieces: the word must be found wherever it lies, across a piece boundary too.
func TestFileContainsAcrossPieces(t *testing.T) {
	const word = "xla_cpu_copy_insertion_use_region_analysis"
	dir := t.TempDir()
	for _, at := range []int{0, 4<<20 - 10, 4<<20 - len(word), 4 << 20, 9<<20 + 3} {
		data := bytes.Repeat([]byte{'x'}, 10<<20)
		copy(data[at:], word)
		path := filepath.Join(dir, "plugin")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		containsCache.Clear()
		if !fileContains(path, word) {
			t.Errorf("word at byte %d not found", at)
		}
		containsCache.Clear()
		if fileContains(path, word+"!") {
			t.Errorf("a word that is not there was found (at %d)", at)
		}
	}
	if fileContains(filepath.Join(dir, "missing"), word) {
		t.Error("a missing file contains nothing")
	}
}

func TestRegionAnalysisFlag(t *testing.T) {
	plugin := FindPlugin("cpu")
	if plugin == "" {
		if os.Getenv("GANLAB_REQUIRE_XLA") != "" {
			t.Fatal("GANLAB_REQUIRE_XLA is set but no PJRT CPU plugin was found")
		}
		t.Skip("no PJRT CPU plugin")
	}
	t.Setenv("XLA_FLAGS", "--xla_dump_hlo_as_text")
	addRegionAnalysisFlag(plugin)
	if got := os.Getenv("XLA_FLAGS"); got != "--xla_dump_hlo_as_text --"+regionAnalysis+"=true" {
		t.Fatalf("XLA_FLAGS = %q: the project's plugin knows the flag, it should be added", got)
	}
	// The user's own setting stays.
	t.Setenv("XLA_FLAGS", "--"+regionAnalysis+"=false")
	addRegionAnalysisFlag(plugin)
	if got := os.Getenv("XLA_FLAGS"); got != "--"+regionAnalysis+"=false" {
		t.Fatalf("XLA_FLAGS = %q, want the user's value unchanged", got)
	}
	// A plugin that does not know the flag does not get it (XLA would end the process).
	other := filepath.Join(t.TempDir(), "old_plugin.so")
	if err := os.WriteFile(other, []byte(strings.Repeat("no such flag here ", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XLA_FLAGS", "")
	addRegionAnalysisFlag(other)
	if got := os.Getenv("XLA_FLAGS"); got != "" {
		t.Fatalf("XLA_FLAGS = %q for a plugin without the flag", got)
	}
}

// TestMarkDonorWarnsOnceOnUnknownLayout: a parameter node without GoMLX v0.27.0's `value *stablehlo.Value` field
// (what a GoMLX upgrade could bring) is left alone, and the process says once that donation is off.
func TestMarkDonorWarnsOnceOnUnknownLayout(t *testing.T) {
	type otherNode struct{ value int }
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	donorLayoutWarning = sync.Once{}
	markDonor(&otherNode{value: 1})
	markDonor(&otherNode{value: 2})
	os.Stderr = saved
	w.Close()
	out, _ := io.ReadAll(r)
	if n := strings.Count(string(out), "buffer donation is off"); n != 1 {
		t.Errorf("want one warning naming the lost donation, got %d:\n%s", n, out)
	}
	if !strings.Contains(string(out), "GANLAB_SPEED=off") {
		t.Errorf("the warning should say how to silence it:\n%s", out)
	}
}
