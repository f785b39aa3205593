package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/lab"
)

func train(args []string) error {
	fs := flag.NewFlagSet("train", flag.ExitOnError)
	model := fs.String("model", "vanilla", "model: "+modelNames())
	dataset := fs.String("data", "fashion-mnist", "dataset: fashion-mnist or mnist")
	steps := fs.Int("steps", 0, "total generator steps to reach (overrides -epochs)")
	epochs := fs.Float64("epochs", 1, "total epochs to reach, an epoch being ⌊N/batch⌋ steps")
	batch := fs.Int("batch", 64, "batch size")
	seed := fs.Uint64("seed", 1, "random seed (batches, noise, weights, dropout)")
	out := fs.String("out", "out/train", "run folder: checkpoints, PNG grids, history.json, curves.png")
	keep := fs.Int("keep", 3, "checkpoints to keep")
	every := fs.Int("every", 0, "also write a checkpoint every N steps (0: only after every epoch)")
	lossName := fs.String("loss", "", "loss pair: non-saturating or minimax (default: the model's own; wgan and wgan-gp have only\n"+
		"the Wasserstein pair)")
	metricsEvery := fs.Int("metrics", 0, "every N steps, print FD, classifier score, class entropy and precision/recall of 1,000 samples\n"+
		"against the test set (28×28×1 models on mnist or fashion-mnist; see ganlab eval); 0: never")
	devices := fs.Int("devices", 1, "split each batch over this many devices of the backend, data-parallel (XLA CPU has 4 host\n"+
		"devices, a CUDA machine one per GPU); the batch must be a multiple of it; see docs/multi-device.md")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ganlab train [flags]\n\nTrains a GAN. When -out already holds a checkpoint, the run resumes from it with its model, data,\nbatch, seed and loss, and trains on until -steps/-epochs are reached.")
		fs.PrintDefaults()
	}
	fs.Parse(args)
	if fs.NArg() > 0 {
		return fmt.Errorf("train: unexpected arguments %v", fs.Args())
	}

	params := map[string]string{"model": *model, "data": *dataset, "loss": *lossName}
	resuming := gan.HasCheckpoint(*out)
	if resuming {
		meta, dir, err := gan.ReadMeta(*out)
		if err != nil {
			return err
		}
		explicit := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
		for _, key := range []string{"model", "data", "loss"} {
			if explicit[key] && meta.Params[key] != "" && meta.Params[key] != params[key] {
				return fmt.Errorf("-out %s holds a %s=%q run (checkpoint %s); use another -out to start a new run", *out, key, meta.Params[key], dir)
			}
			if meta.Params[key] != "" {
				params[key] = meta.Params[key]
			}
		}
		*batch, *seed = meta.BatchSize, meta.Seed
	}

	_, info, err := backend.Default()
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, info)
	images, err := data.Load(params["data"], "train", data.Logf(func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "data: %s train, %d images %d×%d×%d, from %s\n", images.Name, images.N, images.H, images.W, images.C, images.Source)
	v, err := newModel(params["model"], images.H, images.C)
	if err != nil {
		return err
	}
	if images.H != images.W {
		return fmt.Errorf("images of %s are %d×%d; models need square images", images.Name, images.H, images.W)
	}
	if err := chooseLoss(&v, params); err != nil {
		return err
	}
	cfg := trainConfig(params["model"], *batch, *seed)
	cfg.Devices = *devices
	sess := &lab.Session{
		Dir:             *out,
		Variant:         v,
		Config:          cfg,
		Data:            lab.ImagesOf(images),
		Epochs:          *epochs,
		Steps:           *steps,
		ShowEpochs:      []int{1, 5, 10},
		GridRows:        2,
		GridCols:        5,
		Params:          params,
		Keep:            *keep,
		CheckpointEvery: *every,
	}
	if *metricsEvery > 0 {
		cb, err := metricsCallback(params["data"], *metricsEvery)
		if err != nil {
			return err
		}
		sess.Callbacks = append(sess.Callbacks, cb)
	}
	if _, err := sess.Run(); err != nil {
		var nf *gan.NonFiniteError
		if errors.As(err, &nf) {
			return fmt.Errorf("%w (run folder %s)", err, *out)
		}
		return err
	}
	fmt.Fprintf(os.Stderr, "step %d: checkpoints and grids in %s\n", sess.Trainer.Step(), *out)
	return nil
}

// chooseLoss sets v's loss from params["loss"] (empty: the model's own, which params then records). Models with a
// loss pair other than the non-saturating one (the Wasserstein critics) accept only their own.
func chooseLoss(v *gan.Variant, params map[string]string) error {
	name := params["loss"]
	if name == "" || name == v.Loss.Name {
		params["loss"] = v.Loss.Name
		return nil
	}
	if v.Loss.Name != gan.NonSaturating().Name {
		return fmt.Errorf("model %s trains only with its own %s loss, not -loss %s", v.Name, v.Loss.Name, name)
	}
	loss, err := gan.LossByName(name)
	if err != nil {
		return err
	}
	v.Loss, params["loss"] = loss, loss.Name
	return nil
}

func sample(args []string) error {
	fs := flag.NewFlagSet("sample", flag.ExitOnError)
	run := fs.String("run", "", "run folder holding checkpoints/ (from ganlab train -out)")
	n := fs.Int("n", 100, "number of samples")
	cols := fs.Int("cols", 10, "grid columns")
	seed := fs.Uint64("seed", 7, "noise seed")
	fixed := fs.Bool("fixed", false, "use the run's fixed noise (the samples of its training grids) instead of -n/-seed")
	out := fs.String("out", "", "output file (default RUN/samples-stepN.png or .npy)")
	fs.StringVar(out, "o", "", "same as -out")
	format := fs.String("format", "png", "png: a grid image; npy: the raw float32 samples as a NumPy .npy file, shape (N, H, W, C), "+
		"values in the generator's output range [-1, 1] (tanh), unless -unit")
	unit := fs.Bool("unit", false, "npy: write pixel values in [0, 1], (x+1)/2, instead of the generator's [-1, 1]")
	fs.Parse(args)
	if *run == "" {
		return errors.New("sample: -run DIR is required")
	}
	if *format != "png" && *format != "npy" {
		return fmt.Errorf("sample: -format must be png or npy, got %q", *format)
	}
	meta, dir, err := gan.ReadMeta(*run)
	if err != nil {
		return err
	}
	v, err := newModel(meta.Params["model"], meta.Height, meta.Channels)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	_, info, err := backend.Default()
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, info)
	tr, err := lab.Open(*run, v)
	if err != nil {
		return err
	}
	var px []float32
	if *fixed {
		px, err = tr.Samples()
	} else {
		px, err = tr.RandomSamples(*n, *seed)
	}
	if err != nil {
		return err
	}
	count := len(px) / (v.Height * v.Width * v.Channels)
	if *format == "npy" {
		return writeSamplesNPY(*run, *out, dir, tr.Step(), px, count, v.Height, v.Width, v.Channels, *unit)
	}
	png, err := lab.GridOf(v, px, 0, *cols, 0).PNG()
	if err != nil {
		return err
	}
	path := *out
	if path == "" {
		path = filepath.Join(*run, "samples-step"+strconv.Itoa(tr.Step())+".png")
	}
	if err := gan.WriteFileAtomic(path, png); err != nil {
		return err
	}
	fmt.Printf("%d samples from %s (step %d) → %s\n", count, dir, tr.Step(), path)
	return nil
}
