// Command ganlab runs ganlib outside notebooks:
//
//	ganlab doctor                       check that the lab can work here (backend, Go, Jupyter, GoNB, kernels, data,
//	                                    brain-MRI set, classifiers)
//	ganlab train   [flags]              train a GAN, writing checkpoints and PNG grids; resumes from -out
//	ganlab sample  -run DIR [flags]     checkpoint → PNG grid
//	ganlab summary MODEL [flags]        Keras-like table of G and D
//	ganlab data fetch [NAME...]         bring datasets into the project's data folder
//	ganlab data classifiers [NAME...]   check the shipped domain classifiers of ganlab eval (-train: make new ones)
//	ganlab data mri -out DIR            build the brain-MRI slices
//	ganlab glibc-tunables               the GLIBC_TUNABLES ganlab's processes get (make setup writes it into the kernels)
//
// Run `ganlab COMMAND -h` for each command's flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/speed"
)

const usage = `ganlab: a Go laboratory for Generative Adversarial Networks

usage:
  ganlab doctor                      check backend, plugin, Go, Jupyter, GoNB, kernels, data, MRI set, classifiers
  ganlab train  [flags]              train a GAN (ganlab train -h); resumes when -out has a checkpoint
  ganlab sample -run DIR [flags]     sample a PNG grid (or -format npy: raw floats) from a run's checkpoint
  ganlab eval   -run DIR [flags]     FD, classifier score, class histogram, precision/recall of a checkpoint
  ganlab summary MODEL [flags]       Keras-like summary of a model's generator and discriminator
  ganlab data fetch [NAME...]        fetch datasets (fashion-mnist, mnist, sklearn-digits) into the project's data folder
  ganlab data classifiers [NAME...]  check the shipped domain classifiers of ganlab eval (-train: make new ones)
  ganlab data mri -out DIR           build the brain-MRI slices of notebook 06 (ganlab data mri -h)
  ganlab bench  [flags]              time full GAN steps beside PyTorch and Keras (ganlab bench -h)
  ganlab glibc-tunables              print the GLIBC_TUNABLES that ganlab's processes get (huge pages, GANLAB_SPEED)

ganlab turns ganlib's speed switch on (package ganlib/speed); GANLAB_SPEED=off gives the readable path.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	// The CLI runs tuned: ganlib's GEMM, parallel ops, donation, huge pages, more convolution routes (ganlib/speed).
	speed.On()
	var err error
	args := os.Args[2:]
	// `ganlab bench` gives huge pages to its ganlib workers only (runBenchChild); its peers keep the user's setting.
	if os.Args[1] != "bench" {
		if err := reexecWithHugePages(); err != nil {
			fmt.Fprintln(os.Stderr, "ganlab:", err)
			os.Exit(2)
		}
	}
	switch os.Args[1] {
	case "doctor":
		err = doctor(args)
	case "train":
		err = train(args)
	case "sample":
		err = sample(args)
	case "eval":
		err = eval(args)
	case "summary":
		err = summary(args)
	case "data":
		err = dataCmd(args)
	case "bench":
		err = benchCmd(args)
	case "glibc-tunables":
		err = glibcTunables(args)
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "ganlab: unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(int(ee))
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "ganlab "+ue.Error())
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "ganlab:", strings.TrimSpace(err.Error()))
		os.Exit(1)
	}
}

// exitError exits with its code after the command has printed its own report.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// reexecWithHugePages runs this command again, as the same process, with GLIBC_TUNABLES asking glibc for huge pages
// when the speed switch is on and the kernel's THP mode asks for it (backend.HugePagesEnv): glibc reads it at
// process start only, and it makes XLA's per-step scratch blocks cheap. The second start finds the tunable set and
// goes on. A GANLAB_SPEED that is not on or off is an error; a failed exec is reported and the command runs
// without huge pages.
func reexecWithHugePages() error {
	env, changed, err := backend.HugePagesEnv(os.Environ())
	if err != nil || !changed {
		return err
	}
	exe, err := os.Executable()
	if err == nil {
		err = syscall.Exec(exe, os.Args, env) // returns only on failure
	}
	fmt.Fprintf(os.Stderr, "ganlab: could not restart with %s for huge pages (%v); going on without them\n",
		backend.EnvGlibcTunables, err)
	return nil
}

// glibcTunables prints the GLIBC_TUNABLES value ganlab's own processes get from the current environment: what
// `make setup` writes into the XLA kernelspecs.
func glibcTunables(args []string) error {
	fs := flag.NewFlagSet("glibc-tunables", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ganlab glibc-tunables\n\nPrints the GLIBC_TUNABLES value that ganlab's processes get: the current one, with "+
			"glibc.malloc.hugetlb=1 first when the speed switch is on (GANLAB_SPEED is not off) and the kernel's transparent huge pages are in madvise mode.")
	}
	fs.Parse(args)
	c := flagCheck{cmd: "glibc-tunables"}
	c.noArgs(fs)
	if c.err != nil {
		return c.err
	}
	value, err := backend.GlibcTunables(os.Environ())
	if err != nil {
		return err
	}
	fmt.Println(value)
	return nil
}
