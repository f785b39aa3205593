package backend

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/internal/tune"
)

// TestHugePagesEnv: the tunable goes first into GLIBC_TUNABLES (the user's other tunables kept after it) when
// the speed switch is on and the kernel's THP mode is madvise; a user's own setting of the tunable, the switch off,
// and THP modes where glibc's request changes nothing leave the environment alone; a bad setting is an error.
func TestHugePagesEnv(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("glibc tunables are Linux only")
	}
	defer tune.Set(false)()
	base := []string{"HOME=/h", "PATH=/bin", "GANLAB_SPEED=on"}
	cases := []struct {
		name    string
		env     []string
		mode    string
		want    string // GLIBC_TUNABLES afterwards; "-" for unchanged env
		wantErr bool
	}{
		{"on, madvise", base, "madvise", "glibc.malloc.hugetlb=1", false},
		{"on, always: THP already", base, "always", "-", false},
		{"on, never", base, "never", "-", false},
		{"on, no THP", base, "", "-", false},
		{"unset: the program's choice (off)", []string{"HOME=/h"}, "madvise", "-", false},
		{"off", append(slices.Clone(base), "GANLAB_SPEED=off"), "madvise", "-", false},
		{"user's tunables kept", append(slices.Clone(base), "GLIBC_TUNABLES=glibc.malloc.arena_max=2"), "madvise",
			"glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2", false},
		{"user's own hugetlb wins", append(slices.Clone(base), "GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0"),
			"madvise", "-", false},
		{"bad setting", append(slices.Clone(base), "GANLAB_SPEED=yes"), "madvise", "-", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := slices.Clone(c.env)
			out, changed, err := hugePagesEnv(in, c.mode)
			if (err != nil) != c.wantErr {
				t.Fatalf("error %v, want error %v", err, c.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "GANLAB_SPEED") {
				t.Errorf("error %q does not name GANLAB_SPEED", err)
			}
			if !slices.Equal(in, c.env) {
				t.Errorf("the input env was modified: %v", in)
			}
			if c.want == "-" {
				if changed || !slices.Equal(out, c.env) {
					t.Errorf("env changed to %v (changed=%v), want it unchanged", out, changed)
				}
				return
			}
			if !changed {
				t.Errorf("changed = false")
			}
			var got []string
			for _, kv := range out {
				if v, ok := strings.CutPrefix(kv, "GLIBC_TUNABLES="); ok {
					got = append(got, v)
				}
			}
			if len(got) != 1 || got[0] != c.want {
				t.Errorf("GLIBC_TUNABLES = %q, want one %q (env %v)", got, c.want, out)
			}
		})
	}
}

// TestHugePagesReachMalloc runs this test binary again with the environment HugePagesEnv makes (GANLAB_SPEED=on)
// and without the tunable, and checks in each what glibc did: a 64 MiB malloc block is backed by huge pages with
// it, and, where the kernel's THP mode is madvise, by none without it. This is what makes XLA's per-step scratch
// blocks cheap (docs/benchmarks.md).
func TestHugePagesReachMalloc(t *testing.T) {
	if os.Getenv("GANLAB_HUGEPAGES_CHILD") != "" {
		huge, total, err := mallocHugeProbe()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("HUGE %d %d", huge, total)
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	if _, total, _ := mallocHugeProbe(); total == 0 {
		t.Skip("no probe without cgo")
	}
	mode := THPMode()
	if mode != "madvise" && mode != "always" {
		t.Skipf("the kernel's transparent huge pages are %q here", mode)
	}
	probe := func(env []string) int64 {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestHugePagesReachMalloc$", "-test.v", "-test.count=1")
		cmd.Env = append(env, "GANLAB_HUGEPAGES_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if _, rest, ok := strings.Cut(line, "HUGE "); ok {
				var huge, total int64
				if _, err := fmt.Sscan(rest, &huge, &total); err == nil {
					return huge
				}
			}
		}
		t.Fatalf("child printed no probe:\n%s", out)
		return 0
	}
	var plain []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GLIBC_TUNABLES=") && !strings.HasPrefix(kv, "GANLAB_SPEED=") {
			plain = append(plain, kv)
		}
	}
	// As madvise mode asks (under "always" the block gets huge pages without the tunable too).
	with, changed, err := hugePagesEnv(append(slices.Clone(plain), "GANLAB_SPEED=on"), "madvise")
	if err != nil || !changed {
		t.Fatalf("HugePagesEnv with on: changed %v, %v", changed, err)
	}
	if huge := probe(with); huge < probeBytes/2 {
		t.Errorf("with %s: %d MiB of the 64 MiB block in huge pages, want at least half", EnvGlibcTunables, huge>>20)
	}
	if mode == "madvise" {
		if huge := probe(plain); huge != 0 {
			t.Errorf("without the tunable (THP madvise): %d MiB in huge pages, want none", huge>>20)
		}
	}
}
