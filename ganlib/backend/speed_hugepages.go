package backend

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/ganlab/ganlab/ganlib/internal/tune"
)

// Huge pages for malloc.
//
// XLA's CPU runtime allocates a scratch block for every execution (164 MB for the lecture DCGAN's D step, 199 MB
// for its G step at batch 4) and frees it afterwards. glibc serves blocks that large with a fresh mmap, so the
// kernel faults in and zeroes every 4 KiB page of it on every training step: about a fifth of the lecture's step
// (docs/benchmarks.md). With GLIBC_TUNABLES=glibc.malloc.hugetlb=1, glibc asks for transparent huge pages on such
// blocks (madvise), and a 2 MiB page costs one fault instead of 512. glibc reads the tunable at process start
// only, so with the speed switch on (package ganlib/speed) ganlab gives it to the processes it starts, when the
// kernel's transparent huge pages are in madvise mode (the mode in which glibc's request matters): the CLI
// re-executes itself with it (HugePagesEnv), `ganlab bench` gives it to its ganlib workers only (PyTorch and Keras
// keep the user's environment), and `make setup` writes it into the XLA kernelspecs (`ganlab glibc-tunables`). A
// program of the user's own gets it only when the user sets it.

const (
	// EnvGlibcTunables is glibc's start-up settings variable.
	EnvGlibcTunables = "GLIBC_TUNABLES"
	hugeTunable      = "glibc.malloc.hugetlb"
	thpModeFile      = "/sys/kernel/mm/transparent_hugepage/enabled"
)

// HugePagesEnv returns env with glibc.malloc.hugetlb=1 put first in GLIBC_TUNABLES when the speed switch is on for
// a process with that environment (its GANLAB_SPEED, else this program's choice) and the kernel's THP mode is
// madvise, and whether it changed anything. A GLIBC_TUNABLES that already sets the tunable is left as the user set
// it. A GANLAB_SPEED that is not on or off is an error.
func HugePagesEnv(env []string) ([]string, bool, error) {
	return hugePagesEnv(env, THPMode())
}

// GlibcTunables returns the GLIBC_TUNABLES value that a ganlab process started with env gets (HugePagesEnv):
// what `ganlab glibc-tunables` prints and `make setup` writes into the XLA kernelspecs.
func GlibcTunables(env []string) (string, error) {
	out, _, err := HugePagesEnv(env)
	v, _ := envValue(out, EnvGlibcTunables)
	return v, err
}

// envValue returns the value of key in env ("KEY=value" entries; the last one wins, as in exec) and its index, or
// "" and -1.
func envValue(env []string, key string) (string, int) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, i
		}
	}
	return "", -1
}

func hugePagesEnv(env []string, mode string) ([]string, bool, error) {
	raw, _ := envValue(env, tune.Env)
	if err := tune.CheckValue(raw); err != nil || !tune.OnIn(raw) || mode != "madvise" {
		return env, false, err
	}
	if runtime.GOOS != "linux" {
		return env, false, nil
	}
	tunables, at := envValue(env, EnvGlibcTunables)
	for _, t := range strings.Split(tunables, ":") {
		if strings.HasPrefix(t, hugeTunable+"=") {
			return env, false, nil
		}
	}
	value := hugeTunable + "=1"
	if tunables != "" {
		value += ":" + tunables
	}
	out := append([]string(nil), env...)
	if at >= 0 {
		out[at] = EnvGlibcTunables + "=" + value
	} else {
		out = append(out, EnvGlibcTunables+"="+value)
	}
	return out, true, nil
}

// THPMode returns the kernel's transparent-huge-page mode ("always", "madvise" or "never"), or "" when it cannot
// be read (not Linux, or no THP support).
func THPMode() string {
	raw, err := os.ReadFile(thpModeFile)
	if err != nil {
		return ""
	}
	s := string(raw)
	if i := strings.IndexByte(s, '['); i >= 0 {
		if j := strings.IndexByte(s[i:], ']'); j > 0 {
			return s[i+1 : i+j]
		}
	}
	return ""
}

// HugePagesReport says, for `ganlab doctor`, whether malloc's large blocks get huge pages in this process: the
// speed switch, the kernel's mode, GLIBC_TUNABLES, and HugePagesProbe's finding.
func HugePagesReport() string {
	setting := "off"
	if tune.On() {
		setting = "on"
	}
	mode := THPMode()
	if mode == "" {
		mode = "unavailable"
	}
	tunables := os.Getenv(EnvGlibcTunables)
	if tunables == "" {
		tunables = "(unset)"
	}
	return fmt.Sprintf("speed %s, kernel THP %s, %s=%s: %s", setting, mode, EnvGlibcTunables, tunables, HugePagesProbe())
}

// HugePagesProbe allocates a 64 MiB block with malloc, writes it, and says how much of it the kernel backs with
// huge pages (its mapping's AnonHugePages in /proc/self/smaps).
func HugePagesProbe() string {
	huge, total, err := mallocHugeProbe()
	switch {
	case err != nil:
		return "malloc probe failed: " + err.Error()
	case total == 0:
		return "no malloc probe (needs cgo on Linux)"
	}
	return fmt.Sprintf("a %d MiB malloc block got %d MiB of huge pages", total>>20, huge>>20)
}
