package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/lab"
)

func train(args []string) error {
	fs := flag.NewFlagSet("train", flag.ExitOnError)
	model := fs.String("model", "vanilla", "model: "+modelNames())
	dataset := fs.String("data", "fashion-mnist", "training images: fashion-mnist, mnist, sklearn-digits, mri (the brain-MRI set that ganlab data mri builds, or\n"+
		"$GANLAB_MRI_DIR: from Kaggle's yes/ and no/ only yes/, as notebook 06) or a folder of images (Kaggle layout: one sub-folder per class, or flat)")
	size := fs.Int("size", 0, "mri or a folder: images are resized to size×size, 8 to 1024 (default: the model's own size);\n"+
		"mnist or fashion-mnist: their 28×28 images are padded to size×size with the black background (e.g. 32 for biggan)")
	channels := fs.Int("channels", 1, "mri or a folder: 1 (grayscale) or 3 (RGB)")
	steps := fs.Int("steps", 0, "total generator steps to reach, >= 1 (overrides -epochs; not given: -epochs decides)")
	epochs := fs.Float64("epochs", 1, "total epochs to reach, > 0, an epoch being ⌊N/batch⌋ steps")
	batch := fs.Int("batch", 0, "batch size, >= 1: the setting batch_size (default: the model's)")
	lr := fs.Float64("lr", 0, "learning rate of both players, > 0: the setting learning_rate (default: the model's)")
	settingsFlag := fs.String("set", "", "settings in GoMLX's form \"name=value;name=value\", a player's own as \"generator/name=value\"\n"+
		"(e.g. \"critic_steps=2;generator/learning_rate=1e-3\"); the model's settings and defaults are listed below")
	seed := fs.Uint64("seed", 1, "random seed (batches, noise, weights, dropout)")
	out := fs.String("out", "out/train", "run folder: checkpoints, PNG grids, history.json, curves.png")
	keep := fs.Int("keep", 3, "checkpoints to keep, >= 1")
	every := fs.Int("every", 0, "also write a checkpoint every N steps, N >= 0 (0: only after every epoch)")
	lossName := fs.String("loss", "", "loss pair: non-saturating or minimax (default: the model's own; wgan and wgan-gp have only\n"+
		"the Wasserstein pair)")
	metricsEvery := fs.Int("metrics", 0, "every N steps, print FD, classifier score, class entropy and precision/recall of 1,000 samples\n"+
		"against the test set (28×28×1 models on mnist or fashion-mnist; see ganlab eval); N >= 0, 0: never")
	devices := fs.Int("devices", 1, "split each batch over this many devices of the backend, data-parallel (XLA CPU has 4 host\n"+
		"devices, a CUDA machine one per GPU), >= 1; the batch must be a multiple of it; see docs/multi-device.md")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ganlab train [flags]\n\nTrains a GAN. When -out already holds a checkpoint, the run resumes from it with its model, data,\nseed, loss and settings, and trains on until -steps/-epochs are reached; settings given again (-set, -lr,\n-batch) win and are stored with the next checkpoint.")
		fs.PrintDefaults()
		name := modelArg(args)
		if v, err := newModel(name, 0, 1); err == nil {
			fmt.Fprintf(fs.Output(), "\nSettings of model %s (-model) and their defaults:\n%s", name, indent(gan.FormatSettings(gan.AllSettings(v))))
		}
	}
	fs.Parse(args)
	c := flagCheck{cmd: "train"}
	c.noArgs(fs)
	c.oneOf("model", *model, modelList())
	named := slices.Contains(data.Names(), *dataset) // else mri or a folder
	folder := !named && *dataset != data.MRIName
	if folder && !isDirPath(*dataset) {
		c.fail("-data must be one of %s, %s or a folder of images, got %q", strings.Join(data.Names(), ", "), data.MRIName, *dataset)
	}
	if only := modelRegistry[*model].data; only != "" && *dataset != only {
		c.fail("-model %s translates between fixed domains and trains only with -data %s, got -data %s", *model, only, *dataset)
	}
	if set(fs, "size") {
		c.between("size", *size, 8, 1024)
	}
	if *channels != 1 && *channels != 3 {
		c.fail("-channels must be 1 or 3, got %d", *channels)
	}
	if set(fs, "steps") {
		c.atLeast("steps", *steps, 1)
	}
	c.positive("epochs", *epochs)
	if set(fs, "batch") {
		c.atLeast("batch", *batch, 1)
	}
	if set(fs, "lr") {
		c.positive("lr", *lr)
	}
	c.required("out", "DIR", *out)
	c.atLeast("keep", *keep, 1)
	c.atLeast("every", *every, 0)
	if _, err := gan.LossByName(*lossName); err != nil && !slices.Contains(lossList(), *lossName) {
		c.fail("-loss must be one of %s (or left out: the model's own), got %q", strings.Join(lossList(), ", "), *lossName)
	}
	c.atLeast("metrics", *metricsEvery, 0)
	c.atLeast("devices", *devices, 1)
	if c.err != nil {
		return c.err
	}

	if folder {
		if abs, err := filepath.Abs(*dataset); err == nil {
			*dataset = abs // a resumed run finds its folder from anywhere
		}
	}
	params := map[string]string{"model": *model, "data": *dataset, "loss": *lossName}
	if !named {
		// Folder images (mri too): the size and channels are part of the run.
		if *size == 0 {
			*size = modelRegistry[*model].size
		}
		params["size"], params["channels"] = strconv.Itoa(*size), strconv.Itoa(*channels)
	} else if set(fs, "size") {
		params["pad"] = strconv.Itoa(*size) // a named dataset padded to size×size
	}
	resuming := gan.HasCheckpoint(*out)
	if resuming {
		meta, dir, err := gan.ReadMeta(*out)
		if err != nil {
			return err
		}
		explicit := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
		for _, key := range []string{"model", "data", "loss", "size", "channels", "pad"} {
			if explicit[key] && meta.Params[key] != "" && meta.Params[key] != params[key] {
				return fmt.Errorf("-out %s holds a %s=%q run (checkpoint %s); use another -out to start a new run", *out, key, meta.Params[key], dir)
			}
			if meta.Params[key] != "" {
				params[key] = meta.Params[key]
			}
		}
		*seed = meta.Seed
		if !set(fs, "batch") {
			*batch = meta.BatchSize
		}
	}
	if *batch > 0 && *batch%*devices != 0 {
		what := "-batch"
		if !set(fs, "batch") {
			what = "the run's batch size"
		}
		return usageError{"train", fmt.Sprintf("%s %d must be a multiple of -devices %d", what, *batch, *devices)}
	}

	_, info, err := backend.Default()
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, info)
	fo := data.FolderOptions{Logf: stderrf}
	fo.Size, _ = strconv.Atoi(params["size"])
	fo.Channels, _ = strconv.Atoi(params["channels"])
	images, err := data.LoadTrain(params["data"], fo, data.Logf(stderrf))
	if err != nil {
		return err
	}
	if pad, _ := strconv.Atoi(params["pad"]); pad > 0 {
		if pad < images.H || pad < images.W {
			return usageError{"train", fmt.Sprintf("-size %d is smaller than the %d×%d images of %s", pad, images.H, images.W, images.Name)}
		}
		images = images.Padded(pad)
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
	settings, err := gan.ParseSettings(v, *settingsFlag)
	if err != nil {
		return usageError{"train", err.Error()}
	}
	if set(fs, "batch") {
		settings[gan.SettingBatchSize] = *batch
	}
	if set(fs, "lr") {
		settings["learning_rate"] = *lr
	}
	if b, ok := settings[gan.SettingBatchSize].(int); ok {
		*batch = b
	} else if *batch == 0 {
		*batch = gan.AllSettings(v)[gan.SettingBatchSize].(int)
	}
	if *batch%*devices != 0 {
		return usageError{"train", fmt.Sprintf("the batch size %d (batch_size) must be a multiple of -devices %d", *batch, *devices)}
	}
	if len(settings) > 0 {
		fmt.Fprintf(os.Stderr, "settings given: %s", strings.ReplaceAll(gan.FormatSettings(settings), "\n", "; "))
		fmt.Fprintln(os.Stderr)
	}
	cfg := gan.Config{Seed: *seed, Settings: settings, Devices: *devices}
	sess := &lab.Session{
		Dir:             *out,
		Variant:         v,
		Config:          cfg,
		Data:            images,
		Epochs:          *epochs,
		Steps:           *steps,
		ShowEpochs:      []int{1, 5, 10},
		GridRows:        2,
		GridCols:        5,
		Params:          params,
		Keep:            *keep,
		CheckpointEvery: *every,
	}
	if spec, ok := modelRegistry[params["model"]]; ok && spec.callbacks != nil {
		sess.Callbacks = append(sess.Callbacks, spec.callbacks()...)
	}
	if *metricsEvery > 0 {
		if params["pad"] != "" {
			return usageError{"train", "-metrics measures 28×28 samples; it cannot be used with padded data (-size)"}
		}
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

// maxSamples bounds ganlab sample -n and ganlab eval -n: 100,000 samples of 28×28 are 314 MB of float32.
const maxSamples = 100000

func sample(args []string) error {
	fs := flag.NewFlagSet("sample", flag.ExitOnError)
	run := fs.String("run", "", "run folder holding checkpoints/ (from ganlab train -out)")
	n := fs.Int("n", 100, "number of samples, 1 to 100000")
	cols := fs.Int("cols", 10, "grid columns, 1 to 1000")
	seed := fs.Uint64("seed", 7, "noise seed")
	fixed := fs.Bool("fixed", false, "use the run's fixed noise (the samples of its training grids) instead of -n/-seed")
	out := fs.String("out", "", "output file (default RUN/samples-stepN.png or .npy)")
	fs.StringVar(out, "o", "", "same as -out")
	format := fs.String("format", "png", "png: a grid image; npy: the raw float32 samples as a NumPy .npy file, shape (N, H, W, C), "+
		"values in the generator's output range [-1, 1] (tanh), unless -unit")
	unit := fs.Bool("unit", false, "npy: write pixel values in [0, 1], (x+1)/2, instead of the generator's [-1, 1]")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ganlab sample -run DIR [flags]\n\nSamples the generator of the run's newest checkpoint: a PNG grid, or the raw samples as .npy.")
		fs.PrintDefaults()
	}
	fs.Parse(args)
	c := flagCheck{cmd: "sample"}
	c.noArgs(fs)
	c.required("run", "DIR", *run)
	c.between("n", *n, 1, maxSamples)
	c.between("cols", *cols, 1, 1000)
	if *format != "png" && *format != "npy" {
		c.fail("-format must be png or npy, got %q", *format)
	}
	if *unit && *format != "npy" {
		c.fail("-unit needs -format npy")
	}
	if c.err != nil {
		return c.err
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
	if err := project.WriteFileAtomic(path, png); err != nil {
		return err
	}
	fmt.Printf("%d samples from %s (step %d) → %s\n", count, dir, tr.Step(), path)
	return nil
}

// modelArg is the value of -model in args (for train -h), or the default model.
func modelArg(args []string) string {
	for i, a := range args {
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if v, ok := strings.CutPrefix(a, "model="); ok {
			return v
		}
		if a == "model" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return "vanilla"
}

// indent prefixes every line of s with two spaces.
func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}
