// Command goodfellow trains Goodfellow et al. 2014's MNIST GAN (vanilla.Goodfellow: batch 100, SGD with momentum,
// the paper's schedules) on MNIST train[0:50000], resuming from its run folder, with a checkpoint every -every
// steps, then (with -parzen) measures the Parzen-window log-likelihood of the test set as the paper did.
//
//	go run ./ganlib/models/vanilla/cmd/goodfellow -steps 30000 -dir out/runs/goodfellow
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

func main() {
	dir := flag.String("dir", "out/runs/goodfellow", "run folder (checkpoints; resumed when present)")
	steps := flag.Int("steps", 30000, "generator steps in total")
	k := flag.Int("k", 1, "discriminator steps per generator step (Algorithm 1's k)")
	seed := flag.Uint64("seed", 1, "seed")
	every := flag.Int("every", 1000, "checkpoint every N steps (and at every epoch's end)")
	opt := flag.String("opt", "paper", "optimizer: paper (SGD, lr 0.1, momentum 0.5→0.7, gan.GoodfellowMomentum) or adam (Adam 2e-4, β1 0.5)")
	flag.Parse()
	if err := run(*dir, *steps, *k, *seed, *every, *opt); err != nil {
		fmt.Fprintln(os.Stderr, "goodfellow:", err)
		os.Exit(1)
	}
}

func run(dir string, steps, k int, seed uint64, every int, opt string) error {
	cfg, err := vanilla.GoodfellowConfigNamed(opt, seed)
	if err != nil {
		return err
	}
	fmt.Println(lab.ModeLine())
	train, err := data.Load("mnist", "train", data.Logf(func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }))
	if err != nil {
		return err
	}
	if train.N < vanilla.GoodfellowTrainN {
		return fmt.Errorf("MNIST train has %d images, want %d", train.N, vanilla.GoodfellowTrainN)
	}
	d := train.ImageSize()
	px := train.Pixels[:vanilla.GoodfellowTrainN*d]
	bias, err := vanilla.MarginalBias(px, vanilla.GoodfellowTrainN, d)
	if err != nil {
		return err
	}
	sess := &lab.Session{
		Dir:             dir,
		Variant:         vanilla.Goodfellow(k, bias),
		Config:          cfg,
		Data:            lab.Images{Pixels: px, N: vanilla.GoodfellowTrainN, H: 28, W: 28, C: 1},
		Steps:           steps,
		GridRows:        10,
		GridCols:        10,
		CheckpointEvery: every,
		Keep:            2,
		Params:          map[string]string{"model": "goodfellow", "data": "mnist[0:50000]", "k": fmt.Sprint(k), "opt": opt},
	}
	start := time.Now()
	tr, err := sess.Run()
	if err != nil {
		return err
	}
	fmt.Printf("trained to step %d in %s\n", tr.Step(), time.Since(start).Round(time.Second))
	return nil
}
