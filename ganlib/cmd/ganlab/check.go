package main

import (
	"flag"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// usageError is a bad command line, found before any work: main prints it as "ganlab CMD: MSG" and exits 2, as
// package flag does with a flag it cannot parse.
type usageError struct{ cmd, msg string }

func (e usageError) Error() string { return e.cmd + ": " + e.msg }

// flagCheck gathers the range checks of one command's flags, made right after fs.Parse and before any work (no
// backend, no data, no training). Each check names the flag and what it allows; the first failure is kept in err.
//
//	c := flagCheck{cmd: "train"}
//	c.atLeast("batch", *batch, 1)
//	if c.err != nil { return c.err }
type flagCheck struct {
	cmd string
	err error
}

func (c *flagCheck) fail(format string, args ...any) {
	if c.err == nil {
		c.err = usageError{c.cmd, fmt.Sprintf(format, args...)}
	}
}

// atLeast: -name must be >= min.
func (c *flagCheck) atLeast(name string, v, min int) {
	if v < min {
		c.fail("-%s must be >= %d, got %d", name, min, v)
	}
}

// between: min <= -name <= max.
func (c *flagCheck) between(name string, v, min, max int) {
	if v < min || v > max {
		c.fail("-%s must be between %d and %d, got %d", name, min, max, v)
	}
}

// positive: -name must be a finite number > 0.
func (c *flagCheck) positive(name string, v float64) {
	if !(v > 0) || math.IsInf(v, 0) {
		c.fail("-%s must be a number > 0, got %v", name, v)
	}
}

// positiveDuration: -name must be > 0.
func (c *flagCheck) positiveDuration(name string, v time.Duration) {
	if v <= 0 {
		c.fail("-%s must be a duration > 0 (like 90s or 2m), got %v", name, v)
	}
}

// oneOf: -name must be one of allowed.
func (c *flagCheck) oneOf(name, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		c.fail("-%s must be one of %s, got %q", name, strings.Join(allowed, ", "), v)
	}
}

// required: -name must not be empty; what names its value in the message (e.g. "DIR").
func (c *flagCheck) required(name, what, v string) {
	if v == "" {
		c.fail("-%s %s is required", name, what)
	}
}

// noArgs: the command takes flags only.
func (c *flagCheck) noArgs(fs *flag.FlagSet) {
	if fs.NArg() > 0 {
		c.fail("unexpected argument(s) %s (flags only; ganlab %s -h lists them)", quoteAll(fs.Args()), c.cmd)
	}
}

// names: every one of args must be in allowed (what: "dataset", ...).
func (c *flagCheck) names(what string, args, allowed []string) {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			c.fail("%s comes after a %s name: flags go before the names (ganlab %s -h)", a, what, c.cmd)
			return
		}
		if !slices.Contains(allowed, a) {
			c.fail("unknown %s %q: want %s", what, a, strings.Join(allowed, ", "))
			return
		}
	}
}

// set reports whether flag name was given on the command line.
func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

func quoteAll(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, " ")
}
