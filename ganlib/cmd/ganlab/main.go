// Command ganlab runs ganlib outside notebooks:
//
//	ganlab doctor                       check that the lab can work here (backend, Go, Jupyter, GoNB, kernels, data)
//	ganlab train   [flags]              train a GAN, writing checkpoints and PNG grids; resumes from -out
//	ganlab sample  -run DIR [flags]     checkpoint → PNG grid
//	ganlab summary MODEL [flags]        Keras-like table of G and D
//	ganlab data fetch [NAME...]         bring datasets into the project's data folder
//
// Run `ganlab COMMAND -h` for each command's flags.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

const usage = `ganlab: a Go laboratory for Generative Adversarial Networks

usage:
  ganlab doctor                      check backend, plugin, Go, Jupyter, GoNB, kernels and data
  ganlab train  [flags]              train a GAN (ganlab train -h); resumes when -out has a checkpoint
  ganlab sample -run DIR [flags]     sample a PNG grid (or -format npy: raw floats) from a run's checkpoint
  ganlab eval   -run DIR [flags]     FD, classifier score, class histogram, precision/recall of a checkpoint
  ganlab summary MODEL [flags]       Keras-like summary of a model's generator and discriminator
  ganlab data fetch [NAME...]        fetch datasets (fashion-mnist, mnist) into the project's data folder
  ganlab data classifiers [NAME...]  train and cache the domain classifiers that ganlab eval uses
  ganlab bench  [flags]              time full GAN steps beside PyTorch and Keras (ganlab bench -h)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	args := os.Args[2:]
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
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
		return
	default:
		err = fmt.Errorf("unknown command %q\n%s", os.Args[1], usage)
	}
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(int(ee))
		}
		fmt.Fprintln(os.Stderr, "ganlab:", strings.TrimSpace(err.Error()))
		os.Exit(1)
	}
}

// exitError exits with its code after the command has printed its own report.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
