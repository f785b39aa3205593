package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/metrics"
)

func stderrf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// eval: ganlab eval -run DIR [-n N] [-seed S]: the classifier-based scores of a checkpoint's samples against the
// dataset's test set.
func eval(args []string) error {
	fs := flag.NewFlagSet("eval", flag.ExitOnError)
	run := fs.String("run", "", "run folder holding checkpoints/ (from ganlab train -out)")
	n := fs.Int("n", 10000, "number of samples to score, 10 to 100000")
	seed := fs.Uint64("seed", 7, "noise seed of the samples (ganlab sample -seed gives the same samples)")
	dataset := fs.String("data", "", "dataset whose classifier and test set to use: mnist or fashion-mnist (default: the run's)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: ganlab eval -run DIR [flags]

Scores N samples of the run's newest checkpoint against the dataset's 10,000 test images with the dataset's
domain classifier (shipped with ganlab, SHA-256 pinned: the same numbers on every machine): Fréchet distance
of the classifier's features (with the floor: train vs test images at the same size), classifier score (the
Inception Score analogue), class histogram and its entropy, precision, recall, density and coverage (k-NN
manifolds of the features scaled to unit length, k = 3).`)
		fs.PrintDefaults()
	}
	fs.Parse(args)
	check := flagCheck{cmd: "eval"}
	check.noArgs(fs)
	check.required("run", "DIR", *run)
	check.between("n", *n, 10, maxSamples)
	if *dataset != "" {
		check.oneOf("data", *dataset, metrics.ClassifierDatasets)
	}
	if check.err != nil {
		return check.err
	}
	meta, dir, err := gan.ReadMeta(*run)
	if err != nil {
		return err
	}
	name := *dataset
	if name == "" {
		// A run on part of a set records it as e.g. "mnist[0:50000]": the classifier and test set are the set's.
		name, _, _ = strings.Cut(meta.Params["data"], "[")
	}
	if name == "" {
		return fmt.Errorf("eval: checkpoint %s does not say its dataset; give -data", dir)
	}
	if meta.Height != 28 || meta.Width != 28 || meta.Channels != 1 {
		return fmt.Errorf("eval: the classifiers score 28×28×1 images; checkpoint %s makes %d×%d×%d", dir, meta.Height, meta.Width, meta.Channels)
	}
	v, err := newModel(meta.Params["model"], meta.Height, meta.Channels)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	b, info, err := backend.Default()
	if err != nil {
		return err
	}
	stderrf("%s", info)
	c, err := metrics.LoadClassifier(b, name)
	if err != nil {
		return err
	}
	test, err := data.Load(name, "test", data.Logf(stderrf))
	if err != nil {
		return err
	}
	tr, err := lab.Open(*run, v)
	if err != nil {
		return err
	}
	start := time.Now()
	samples, err := tr.RandomSamples(*n, *seed)
	if err != nil {
		return err
	}
	sampleTime := time.Since(start)
	r, err := metrics.Evaluate(b, c, test.Scaled(-1, 1), test.N, samples, *n)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %s at step %d, %d samples (seed %d) vs the %s test set\n", dir, meta.Params["model"], tr.Step(), *n, *seed, name)
	fmt.Printf("classifier: %s (shipped, SHA-256 %.12s…), test accuracy %.2f%%\n", c.Path, c.SHA256, 100*c.TestAccuracy())
	fmt.Println(r)
	fmt.Printf("time: sampling %.1f s, scoring %.1f s\n", sampleTime.Seconds(), time.Since(start).Seconds()-sampleTime.Seconds())
	return nil
}

// dataClassifiers: ganlab data classifiers [-train -out DIR] [NAME...]: checks the shipped domain classifiers, or
// trains new ones with the shipped recipe.
func dataClassifiers(args []string) error {
	fs := flag.NewFlagSet("data classifiers", flag.ExitOnError)
	trainNew := fs.Bool("train", false, "train new classifiers with the shipped recipe instead of checking the shipped ones (needs -out)")
	out := fs.String("out", "", "with -train: the folder to write NAME.bin to (ganlib/metrics/classifiers replaces the shipped ones)")
	seed := fs.Uint64("seed", metrics.ClassifierSeed, "with -train: the training seed")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: ganlab data classifiers [-train -out DIR [-seed N]] [NAME...]

The domain classifiers that ganlab eval and ganlab train -metrics use (names: %s; default: all) are
shipped with ganlib (ganlib/metrics/classifiers), pinned by SHA-256. Without -train this loads each one,
checks its SHA-256 and prints what is stored with it. With -train it trains new ones with the same recipe
(about 2 minutes each on 2 cores with XLA) and writes DIR/NAME.bin, printing its SHA-256.

`, strings.Join(metrics.ClassifierDatasets, ", "))
		fs.PrintDefaults()
	}
	fs.Parse(args)
	names := fs.Args()
	check := flagCheck{cmd: "data classifiers"}
	check.names("dataset", names, metrics.ClassifierDatasets)
	if *trainNew && *out == "" {
		check.fail("-train needs -out DIR")
	}
	if !*trainNew && *out != "" {
		check.fail("-out is only used with -train")
	}
	if check.err != nil {
		return check.err
	}
	if len(names) == 0 {
		names = metrics.ClassifierDatasets
	}
	b, info, err := backend.Default()
	if err != nil {
		return err
	}
	stderrf("%s", info)
	for _, name := range names {
		var c *metrics.Classifier
		if *trainNew {
			if c, err = metrics.TrainClassifierFor(b, name, *seed, stderrf); err == nil {
				err = c.Save(filepath.Join(*out, name+".bin"))
			}
		} else {
			c, err = metrics.LoadClassifier(b, name)
		}
		if err != nil {
			return err
		}
		var floors []string
		for _, f := range c.Floors() {
			floors = append(floors, fmt.Sprintf("%.3f (N=%d)", f.FD, f.N))
		}
		fmt.Printf("%s classifier: %s\n  SHA-256 %s, seed %d, test accuracy %.2f%%\n  FD floor (N train images vs the 10,000 test images): %s\n",
			name, c.Path, c.SHA256, c.Seed, 100*c.TestAccuracy(), strings.Join(floors, ", "))
		for _, r := range c.References() {
			fmt.Printf("  reference %-9s FD %.3f score %.3f P %.3f R %.3f D %.3f C %.3f\n", r.Set, r.FD, r.Score, r.Precision, r.Recall, r.Density, r.Coverage)
		}
	}
	return nil
}

// metricsCallback returns the callback of ganlab train -metrics N: the classifier-based scores of 1,000 samples
// (the same noise each time) against the dataset's test set, printed as one line every N steps.
func metricsCallback(dataset string, every int) (gan.Callback, error) {
	name, _, _ := strings.Cut(dataset, "[")
	b, _, err := backend.Default()
	if err != nil {
		return nil, err
	}
	c, err := metrics.LoadClassifier(b, name)
	if err != nil {
		return nil, err
	}
	test, err := data.Load(name, "test", data.Logf(stderrf))
	if err != nil {
		return nil, err
	}
	return metrics.Callback(c, test.Scaled(-1, 1), test.N, every, 1000, func(step int, r metrics.Report) {
		fmt.Printf("METRICS step %d: %s\n", step, r.Line())
	}), nil
}
