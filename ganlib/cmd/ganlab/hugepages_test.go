package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend"
)

// envWithout returns the test's environment without the variables named.
func envWithout(names ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		keep := true
		for _, n := range names {
			keep = keep && !strings.HasPrefix(kv, n+"=")
		}
		if keep {
			env = append(env, kv)
		}
	}
	return env
}

// hugeMiB reads "a 64 MiB malloc block got N MiB of huge pages" from out; -1 when absent.
func hugeMiB(out string) int {
	m := regexp.MustCompile(`a 64 MiB malloc block got (\d+) MiB of huge pages`).FindStringSubmatch(out)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// needTHP skips where the kernel offers no transparent huge pages (or never gives them), and returns its mode.
func needTHP(t *testing.T) string {
	mode := backend.THPMode()
	if mode != "madvise" && mode != "always" {
		t.Skipf("transparent huge pages are %q here", mode)
	}
	return mode
}

// needMadvise skips unless the kernel's transparent huge pages are in madvise mode, the one mode in which the
// speed switch asks glibc for them (in "always" mode every large block gets them anyway).
func needMadvise(t *testing.T) {
	if mode := needTHP(t); mode != "madvise" {
		t.Skipf("transparent huge pages are %q here, not madvise", mode)
	}
}

// TestCLIRestartsWithHugePages: the CLI, whose speed switch is on, restarts itself with glibc.malloc.hugetlb=1 in
// GLIBC_TUNABLES, and in that process a large malloc block gets huge pages, as doctor's probe shows; with
// GANLAB_SPEED=off it does not restart, and the block gets none. A bad setting is an error naming it.
func TestCLIRestartsWithHugePages(t *testing.T) {
	needMadvise(t)
	base := envWithout("GLIBC_TUNABLES", "GANLAB_SPEED")
	doctor := func(env ...string) string {
		cmd := exec.Command(binary, "doctor")
		cmd.Env = append(append([]string(nil), base...), env...)
		out, _ := cmd.CombinedOutput() // doctor's own checks may fail on a bare machine; the line is printed anyway
		return string(out)
	}
	out := doctor()
	if !strings.Contains(out, "GLIBC_TUNABLES=glibc.malloc.hugetlb=1") || hugeMiB(out) < 32 {
		t.Errorf("GANLAB_SPEED unset: want the tunable and at least 32 MiB of huge pages in doctor's line:\n%s", out)
	}
	out = doctor("GANLAB_SPEED=off")
	if !strings.Contains(out, "GLIBC_TUNABLES=(unset)") || hugeMiB(out) != 0 {
		t.Errorf("GANLAB_SPEED=off: want no tunable and no huge pages:\n%s", out)
	}
	cmd := exec.Command(binary, "glibc-tunables")
	cmd.Env = append(append([]string(nil), base...), "GANLAB_SPEED=sometimes")
	raw, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(raw), `GANLAB_SPEED="sometimes" is not one of on, off`) {
		t.Errorf("a bad GANLAB_SPEED: want an error naming it, got %v: %s", err, raw)
	}
	cmd = exec.Command(binary, "glibc-tunables")
	cmd.Env = append(append([]string(nil), base...), "GLIBC_TUNABLES=glibc.malloc.arena_max=2")
	if raw, err := cmd.Output(); err != nil || strings.TrimSpace(string(raw)) != "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2" {
		t.Errorf("glibc-tunables with the user's own tunable: got %q, %v", raw, err)
	}
}

// TestBenchHugePagesForGanlibOnly: `ganlab bench` gives huge pages to its ganlib worker and leaves the peers'
// environment as the user's (the fake peer reports the GLIBC_TUNABLES it got).
func TestBenchHugePagesForGanlibOnly(t *testing.T) {
	needMadvise(t)
	python, dir := fakePeers(t, 1000, false)
	// The fake peer puts the GLIBC_TUNABLES it sees into its info.
	script, err := os.ReadFile(python)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(python, []byte(strings.Replace(string(script), `fake $impl`, `fake $impl [$GLIBC_TUNABLES]`, 1)), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "bench", "-quick", "-models", "mlp", "-impls", "go,pytorch", "-python", python,
		"-peers-dir", dir, "-json", filepath.Join(t.TempDir(), "b.json"))
	cmd.Env = envWithout("GLIBC_TUNABLES", "GANLAB_SPEED")
	raw, err := cmd.CombinedOutput()
	out := string(raw)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	if !strings.Contains(out, "fake pytorch []") {
		t.Errorf("the peer should keep the user's (empty) GLIBC_TUNABLES:\n%s", out)
	}
	if hugeMiB(out) < 32 {
		t.Errorf("the go worker should report a malloc block in huge pages:\n%s", out)
	}
}
