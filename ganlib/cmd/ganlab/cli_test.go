package main

import (
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// runIn runs the CLI in dir and returns its combined output and exit status (-1: it did not run).
func runIn(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("%v: %v", args, err)
	return "", -1
}

// workLine matches the lines a command prints once it works: the backend it made, the data it reads.
var workLine = regexp.MustCompile(`(?m)^(backend|data): `)

func crashed(out string) bool {
	return strings.Contains(out, "panic:") || strings.Contains(out, "goroutine ")
}

// TestCLIRejectsBadFlags walks every command with out-of-range flags, unknown names and stray arguments: each must
// exit 2 with one line "ganlab CMD: ..." naming the flag and what it allows, before any work (no backend line, no
// data, nothing trained), and never panic.
func TestCLIRejectsBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string // in the one-line error
	}{
		{[]string{"train", "-batch", "-5"}, "ganlab train: -batch must be >= 1, got -5"},
		{[]string{"train", "-batch", "0"}, "ganlab train: -batch must be >= 1, got 0"},
		{[]string{"train", "-steps", "-1"}, "ganlab train: -steps must be >= 1, got -1"},
		{[]string{"train", "-steps", "0"}, "ganlab train: -steps must be >= 1, got 0"},
		{[]string{"train", "-epochs", "0"}, "ganlab train: -epochs must be a number > 0"},
		{[]string{"train", "-epochs", "-2"}, "ganlab train: -epochs must be a number > 0"},
		{[]string{"train", "-epochs", "NaN"}, "ganlab train: -epochs must be a number > 0"},
		{[]string{"train", "-epochs", "+Inf"}, "ganlab train: -epochs must be a number > 0"},
		{[]string{"train", "-keep", "0"}, "ganlab train: -keep must be >= 1, got 0"},
		{[]string{"train", "-every", "-1"}, "ganlab train: -every must be >= 0, got -1"},
		{[]string{"train", "-metrics", "-1"}, "ganlab train: -metrics must be >= 0, got -1"},
		{[]string{"train", "-devices", "0"}, "ganlab train: -devices must be >= 1, got 0"},
		{[]string{"train", "-devices", "3", "-batch", "64"}, "ganlab train: -batch 64 must be a multiple of -devices 3"},
		{[]string{"train", "-model", "nope"}, "ganlab train: -model must be one of vanilla, "},
		{[]string{"train", "-data", "nope"}, `ganlab train: -data must be one of fashion-mnist, mnist, sklearn-digits, mri or a folder of images, got "nope"`},
		{[]string{"train", "-data", "mri", "-size", "4"}, "ganlab train: -size must be"},
		{[]string{"train", "-data", "mri", "-channels", "2"}, "ganlab train: -channels must be 1 or 3, got 2"},
		{[]string{"train", "-loss", "nope"}, "ganlab train: -loss must be one of non-saturating, minimax"},
		{[]string{"train", "-out", ""}, "ganlab train: -out DIR is required"},
		{[]string{"train", "stray"}, `ganlab train: unexpected argument(s) "stray"`},
		{[]string{"sample", "-n", "5"}, "ganlab sample: -run DIR is required"},
		{[]string{"sample", "-run", "r", "-n", "0"}, "ganlab sample: -n must be between 1 and 100000, got 0"},
		{[]string{"sample", "-run", "r", "-n", "-3"}, "ganlab sample: -n must be between 1 and 100000, got -3"},
		{[]string{"sample", "-run", "r", "-n", "1000000"}, "ganlab sample: -n must be between 1 and 100000"},
		{[]string{"sample", "-run", "r", "-cols", "0"}, "ganlab sample: -cols must be between 1 and 1000, got 0"},
		{[]string{"sample", "-run", "r", "-format", "jpeg"}, `ganlab sample: -format must be png or npy, got "jpeg"`},
		{[]string{"sample", "-run", "r", "-unit"}, "ganlab sample: -unit needs -format npy"},
		{[]string{"sample", "-run", "r", "stray"}, `ganlab sample: unexpected argument(s) "stray"`},
		{[]string{"eval"}, "ganlab eval: -run DIR is required"},
		{[]string{"eval", "-run", "r", "-n", "9"}, "ganlab eval: -n must be between 10 and 100000, got 9"},
		{[]string{"eval", "-run", "r", "-n", "-1"}, "ganlab eval: -n must be between 10 and 100000, got -1"},
		{[]string{"eval", "-run", "r", "-data", "cifar"}, `ganlab eval: -data must be one of mnist, fashion-mnist, got "cifar"`},
		{[]string{"eval", "-run", "r", "stray"}, `ganlab eval: unexpected argument(s) "stray"`},
		{[]string{"summary"}, "ganlab summary: which model? give one of vanilla"},
		{[]string{"summary", "vanilla", "-channels", "2"}, "ganlab summary: -channels must be 1 or 3, got 2"},
		{[]string{"summary", "-channels", "0", "vanilla"}, "ganlab summary: -channels must be 1 or 3, got 0"},
		{[]string{"summary", "vanilla", "-size", "-1"}, "ganlab summary: -size must be between 0 and 1024, got -1"},
		{[]string{"summary", "vanilla", "dcgan"}, `ganlab summary: unexpected argument(s) "dcgan" after the model vanilla`},
		{[]string{"data", "frob"}, `ganlab data: unknown subcommand "frob": want fetch, classifiers or mri`},
		{[]string{"data", "fetch", "cifar"}, `ganlab data fetch: unknown dataset "cifar": want fashion-mnist, mnist`},
		{[]string{"data", "classifiers", "cifar"}, `ganlab data classifiers: unknown dataset "cifar": want mnist, fashion-mnist`},
		{[]string{"data", "fetch", "mnist", "-h"}, "ganlab data fetch: -h comes after a dataset name: flags go before the names (ganlab data fetch -h)"},
		{[]string{"data", "classifiers", "-train"}, "ganlab data classifiers: -train needs -out DIR"},
		{[]string{"data", "classifiers", "-out", "c"}, "ganlab data classifiers: -out is only used with -train"},
		{[]string{"data", "mri"}, "ganlab data mri: -out DIR is required"},
		{[]string{"data", "mri", "-out", "m", "-size", "0"}, "ganlab data mri: -size must be between 8 and 1024, got 0"},
		{[]string{"data", "mri", "-out", "m", "stray"}, `ganlab data mri: unexpected argument(s) "stray"`},
		{[]string{"bench", "-steps", "0"}, "ganlab bench: -steps must be >= 1, got 0"},
		{[]string{"bench", "-quick", "-steps", "-5"}, "ganlab bench: -steps must be >= 1, got -5"},
		{[]string{"bench", "-warmup", "-1"}, "ganlab bench: -warmup must be >= 0, got -1"},
		{[]string{"bench", "-min-steps", "0"}, "ganlab bench: -min-steps must be >= 1, got 0"},
		{[]string{"bench", "-rounds", "0"}, "ganlab bench: -rounds must be >= 1, got 0"},
		{[]string{"bench", "-budget", "0s"}, "ganlab bench: -budget must be a duration > 0"},
		{[]string{"bench", "-budget", "-1m"}, "ganlab bench: -budget must be a duration > 0"},
		{[]string{"bench", "-peer-threads", "-1"}, "ganlab bench: -peer-threads must be >= 0, got -1"},
		{[]string{"bench", "-mri", "-mri-epochs", "0"}, "ganlab bench: -mri-epochs must be >= 1, got 0"},
		{[]string{"bench", "-mri", "-mri-steps", "-1"}, "ganlab bench: -mri-steps must be >= 1, got -1"},
		{[]string{"bench", "-mri", "-mri-data", "no-such-folder"}, `ganlab bench: -mri-data must be a folder of images, got "no-such-folder"`},
		{[]string{"bench", "-models", "nope"}, `ganlab bench: -models: unknown benchmark model "nope"`},
		{[]string{"bench", "-models", ","}, "ganlab bench: -models must name at least one of mlp"},
		{[]string{"bench", "-impls", "nope"}, `ganlab bench: -impls: unknown implementation "nope": want xla, go`},
		{[]string{"bench", "-impls", ""}, "ganlab bench: -impls must name at least one of xla, go"},
		{[]string{"bench", "stray"}, `ganlab bench: unexpected argument(s) "stray"`},
		{[]string{"doctor", "stray"}, `ganlab doctor: unexpected argument(s) "stray"`},
		{[]string{"glibc-tunables", "stray"}, `ganlab glibc-tunables: unexpected argument(s) "stray"`},
		{[]string{"frobnicate"}, `ganlab: unknown command "frobnicate"`},
	}
	dir := t.TempDir() // the working directory: a check that let work through would write here, not in the package
	for _, c := range cases {
		out, code := runIn(t, dir, c.args...)
		switch {
		case crashed(out):
			t.Errorf("%q panicked:\n%s", c.args, out)
		case code != 2:
			t.Errorf("%q: exit status %d, want 2:\n%s", c.args, code, out)
		case !strings.HasPrefix(out, c.want):
			t.Errorf("%q: output should start %q:\n%s", c.args, c.want, out)
		case workLine.MatchString(out):
			t.Errorf("%q: work began before the flags were checked:\n%s", c.args, out)
		case c.args[0] != "frobnicate" && strings.Count(strings.TrimSpace(out), "\n") != 0:
			t.Errorf("%q: want a one-line error, got:\n%s", c.args, out)
		}
	}
}

// TestCLIUnparsableFlags: a value package flag cannot parse, or an unknown flag, is refused with exit 2 and the
// command's usage, without a panic.
func TestCLIUnparsableFlags(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"train", "-batch", "many"},
		{"train", "-seed", "-1"},
		{"train", "-nosuchflag"},
		{"sample", "-n", "1.5"},
		{"eval", "-seed", "x"},
		{"summary", "vanilla", "-size", "big"},
		{"bench", "-budget", "90"},
		{"data", "fetch", "-x"},
		{"data", "classifiers", "-x"},
		{"data", "mri", "-size", "x"},
		{"doctor", "-x"},
		{"glibc-tunables", "-x"},
	} {
		out, code := runIn(t, dir, args...)
		if crashed(out) || code != 2 || !strings.Contains(out, "usage: ganlab") {
			t.Errorf("%q: exit status %d, want 2 with the usage and no panic:\n%s", args, code, out)
		}
	}
}

// TestCLIHelp: -h, -help and --help print the usage of every command and sub-command and exit 0 (as package flag
// does), without doing anything else.
func TestCLIHelp(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range [][]string{
		{}, {"train"}, {"sample"}, {"eval"}, {"summary"}, {"data"}, {"data", "fetch"}, {"data", "classifiers"},
		{"data", "mri"}, {"bench"}, {"doctor"}, {"glibc-tunables"},
	} {
		for _, h := range []string{"-h", "-help", "--help"} {
			args := append(append([]string{}, cmd...), h)
			out, code := runIn(t, dir, args...)
			if crashed(out) || code != 0 || !strings.Contains(out, "usage:") || workLine.MatchString(out) {
				t.Errorf("%q: exit status %d, want 0 with the usage:\n%s", args, code, out)
			}
		}
	}
	// Without a sub-command, data prints its usage and exits 2.
	if out, code := runIn(t, dir, "data"); code != 2 || !strings.Contains(out, "ganlab data fetch") {
		t.Errorf("ganlab data: exit status %d, want 2 with the usage:\n%s", code, out)
	}
}
