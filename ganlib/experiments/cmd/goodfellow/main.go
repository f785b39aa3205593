// Command goodfellow trains Goodfellow et al. 2014's MNIST GAN (vanilla.Goodfellow: batch 100, SGD with momentum,
// the paper's schedules) on MNIST train[0:50000], resuming from its run folder, with a checkpoint every -every
// steps, then (with -parzen) measures the Parzen-window log-likelihood of the test set as the paper did.
//
//	go run ./ganlib/experiments/cmd/goodfellow -steps 30000 -dir out/runs/goodfellow
//
// -anneal-from/-anneal-steps/-anneal-to add ganlab's late learning-rate anneal to the paper's schedule
// (vanilla.Anneal); the setting is stored in the checkpoints, so a resumed run keeps it without the flags.
// -parzen-every N measures the Parzen log-likelihood every N steps while training (lines "parzen step …" and
// <dir>/parzen-history.json). -ema 0.999 keeps an exponential moving average of G's weights (ganlab's addition,
// vanilla.EMA; -ema 1: the plain mean of G's weights from -ema-from on), saved to <dir>/ema-generator.gob with
// every -every checkpoint, and scores and exports the averaged generator's samples too.
package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/experiments"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/npy"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

func main() {
	dir := flag.String("dir", "out/runs/goodfellow", "run folder (checkpoints; resumed when present)")
	steps := flag.Int("steps", 30000, "generator steps in total")
	k := flag.Int("k", 1, "discriminator steps per generator step (Algorithm 1's k)")
	seed := flag.Uint64("seed", 1, "seed")
	every := flag.Int("every", 1000, "checkpoint every N steps (and at every epoch's end)")
	opt := flag.String("opt", "paper", "optimizer: paper (SGD, lr 0.1, momentum 0.5→0.7, optim.GoodfellowMomentum) or adam (Adam 2e-4, β1 0.5)")
	parzen := flag.Int("parzen", 0, "after training, measure the Parzen log-likelihood with this many samples (the paper: 10000) on the 10,000 test images, σ chosen on 1,000 validation images; samples go to <dir>/parzen-samples.npy, results to <dir>/parzen.json")
	caveats := flag.Bool("caveats", false, "with -parzen: also score real training images, blurred and noisy ones, in place of the samples")
	annealFrom := flag.Int("anneal-from", 0, "ganlab's addition to the paper's schedule: from this generator step on, multiply both learning rates by a factor falling geometrically from 1 to -anneal-to over -anneal-steps steps")
	annealSteps := flag.Int("anneal-steps", 0, "length of the late anneal in generator steps (0: the paper's schedule, or the anneal stored in the checkpoint)")
	annealTo := flag.Float64("anneal-to", 0.01, "final learning-rate factor of the late anneal")
	parzenEvery := flag.Int("parzen-every", 0, "also measure the Parzen log-likelihood (with -parzen samples, 10000 when -parzen is 0) every N steps while training")
	ema := flag.Float64("ema", 0, "also keep an exponential moving average of G's weights with this per-step decay (e.g. 0.999; 1: the plain mean of every fold; 0: off), started at the first step trained (kept in <dir>/ema-generator.gob with the checkpoints and resumed with them); -parzen and -parzen-every then score its samples as well, and <dir>/parzen-samples.npy holds the average's")
	emaEvery := flag.Int("ema-every", 10, "fold G's weights into the average every N steps (the decay is applied as decay^N)")
	emaFrom := flag.Int("ema-from", 0, "start the average at this step (0: the first step trained); a long average (-ema 0.9999) then holds only late weights")
	noise := flag.String("noise", "uniform", "G's noise: uniform (U(−√3, √3), the paper's) or normal (N(0, 1), the default of the authors' adversarial.Generator, which their mnist.yaml keeps); stored in the checkpoint")
	flag.Parse()
	anneal := vanilla.Anneal{From: *annealFrom, Steps: *annealSteps, To: *annealTo}
	if !anneal.On() {
		anneal = vanilla.Anneal{}
	}
	if err := run(*dir, *steps, *k, *seed, *every, *opt, *parzen, *caveats, anneal, *parzenEvery, *ema, *emaEvery, *emaFrom, *noise); err != nil {
		fmt.Fprintln(os.Stderr, "goodfellow:", err)
		os.Exit(1)
	}
}

func run(dir string, steps, k int, seed uint64, every int, opt string, parzen int, caveats bool, anneal vanilla.Anneal, parzenEvery int, emaDecay float64, emaEvery, emaFrom int, noise string) error {
	if err := anneal.Check(); err != nil {
		return err
	}
	noiseKind := gan.Uniform
	switch noise {
	case "uniform":
	case "normal":
		noiseKind = gan.Normal
	default:
		return fmt.Errorf("-noise %q: want uniform or normal", noise)
	}
	// The checkpoint to resume, if any (metaErr != nil: none).
	meta, ckpt, metaErr := gan.ReadMeta(dir)
	// The anneal is part of the run: a checkpoint's setting is kept on resume and may not be changed.
	if metaErr == nil {
		stored, err := vanilla.ParseAnneal(meta.Params["anneal"])
		if err != nil {
			return fmt.Errorf("%s: %w", ckpt, err)
		}
		switch {
		case stored.On() && !anneal.On():
			anneal = stored
		case stored.On() && stored != anneal:
			return fmt.Errorf("%s was trained with anneal %s; the flags ask for %s (use a new -dir)", ckpt, stored, anneal)
		case !stored.On() && anneal.On() && meta.Step > anneal.From:
			return fmt.Errorf("%s is at step %d, past -anneal-from %d: the anneal would start mid-way", ckpt, meta.Step, anneal.From)
		}
		// Checkpoints written before -noise existed hold no setting: they were trained with uniform noise.
		if stored := cmp.Or(meta.Params["noise"], "uniform"); stored != noise {
			return fmt.Errorf("%s was trained with -noise %s; the flags ask for %s (use a new -dir)", ckpt, stored, noise)
		}
	}
	cfg, err := vanilla.GoodfellowConfigNamed(opt, seed)
	if err != nil {
		return err
	}
	if anneal.On() {
		if opt != "paper" && opt != "" {
			return fmt.Errorf("-anneal-* needs -opt paper")
		}
		cfg = vanilla.GoodfellowConfigAnnealed(seed, k, anneal)
		fmt.Printf("late anneal (ganlab's addition to the paper's schedule): %s\n", anneal)
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
		Variant:         vanilla.GoodfellowNoise(k, bias, noiseKind),
		Config:          cfg,
		Data:            &data.Images{Name: train.Name, Split: "train", Pixels: px, N: vanilla.GoodfellowTrainN, H: 28, W: 28, C: 1},
		Steps:           steps,
		GridRows:        10,
		GridCols:        10,
		CheckpointEvery: every,
		Keep:            2,
		Params:          map[string]string{"model": "goodfellow", "data": "mnist[0:50000]", "k": fmt.Sprint(k), "opt": opt, "anneal": anneal.String(), "noise": noise},
	}
	var ema *vanilla.EMA
	if emaDecay != 0 {
		if err := vanilla.CheckEMA(emaDecay, emaEvery); err != nil {
			return fmt.Errorf("-ema %g -ema-every %d: %w", emaDecay, emaEvery, err)
		}
		if emaFrom < 0 {
			return fmt.Errorf("-ema-from %d: want a step ≥ 0", emaFrom)
		}
		step := 0
		if metaErr == nil {
			step = meta.Step
		}
		var note string
		ema, note = vanilla.ResumeEMAFrom(dir, emaDecay, emaEvery, emaFrom, step)
		fmt.Println(note)
		sess.Callbacks = append(sess.Callbacks, ema.SavingCallback(dir, every, steps))
	}
	var test *data.Images
	var valid, testPx []float32
	// measure scores n samples of G, or (useEMA) of G with the EMA's weights.
	measure := func(t *gan.Trainer, n int, useEMA bool) (samples []float32, res metrics.ParzenResult, err error) {
		draw := func() error {
			samples, err = experiments.SamplesUnit(t, n, 20141)
			return err
		}
		if useEMA {
			err = vanilla.WithGeneratorValues(t, ema.Values, draw)
		} else {
			err = draw()
		}
		if err != nil {
			return nil, res, err
		}
		res, err = metrics.ParzenProtocol(t.Backend, samples, n, valid, 1000, testPx, test.N, d, nil)
		return samples, res, err
	}
	if parzen > 0 || parzenEvery > 0 {
		if test, err = data.Load("mnist", "test"); err != nil {
			return err
		}
		if valid, testPx, err = experiments.ParzenSplits(train, test, 1000, test.N); err != nil {
			return err
		}
	}
	if parzenEvery > 0 {
		n := parzen
		if n <= 0 {
			n = 10000
		}
		type point struct {
			Step                int
			EMA                 bool `json:",omitempty"`
			Mean, Stderr, Sigma float64
		}
		var hist []point
		histPath := filepath.Join(dir, "parzen-history.json")
		if b, err := os.ReadFile(histPath); err == nil {
			_ = json.Unmarshal(b, &hist)
		}
		sess.Callbacks = append(sess.Callbacks, func(t *gan.Trainer, r gan.Record) error {
			if t.Step()%parzenEvery != 0 {
				return nil
			}
			_, res, err := measure(t, n, false)
			if err != nil {
				return err
			}
			fmt.Printf("parzen step %d: %s\n", t.Step(), res)
			hist = append(hist, point{t.Step(), false, res.Mean, res.Stderr, res.Sigma})
			if ema != nil && ema.Values != nil {
				if _, res, err = measure(t, n, true); err != nil {
					return err
				}
				fmt.Printf("parzen step %d, %s of %d folds: %s\n", t.Step(), ema, ema.Folds, res)
				hist = append(hist, point{t.Step(), true, res.Mean, res.Stderr, res.Sigma})
			}
			js, _ := json.MarshalIndent(hist, "", "  ")
			return project.WriteFileAtomic(histPath, js)
		})
	}
	start := time.Now()
	tr, err := sess.Run()
	if err != nil {
		return err
	}
	fmt.Printf("trained to step %d in %s\n", tr.Step(), time.Since(start).Round(time.Second))
	if parzen <= 0 {
		return nil
	}
	if tr.Step() < steps {
		// Interrupted (SIGINT/SIGTERM): the checkpoint is saved; scoring a partly trained G would overwrite
		// parzen.json and the exported samples with numbers of a run that did not finish.
		fmt.Printf("stopped at step %d before the target %d: Parzen not measured (run the same command again to resume)\n", tr.Step(), steps)
		return nil
	}
	start = time.Now()
	useEMA := ema != nil && ema.Values != nil
	label := fmt.Sprintf("ganlab (this run, step %d)", tr.Step())
	var rows []experiments.ParzenRow
	if useEMA { // G's own weights first, for the record; the EMA's samples are the ones exported
		_, own, err := measure(tr, parzen, false)
		if err != nil {
			return err
		}
		fmt.Printf("step %d, G's own weights: %s\n", tr.Step(), own)
		rows = append(rows, experiments.ParzenRowOf(label+", G's own weights", own))
		label = fmt.Sprintf("ganlab (this run, step %d, %s of G)", tr.Step(), ema)
		if err := vanilla.WithGeneratorValues(tr, ema.Values, func() error {
			s, err := tr.RandomSamples(100, 7)
			if err != nil {
				return err
			}
			png, err := lab.GridOf(tr.Variant, s, 10, 10, 0).PNG()
			if err != nil {
				return err
			}
			return project.WriteFileAtomic(filepath.Join(dir, "ema-10x10.png"), png)
		}); err != nil {
			return err
		}
	}
	samples, res, err := measure(tr, parzen, useEMA)
	if err != nil {
		return err
	}
	if err := npy.Write(filepath.Join(dir, "parzen-samples.npy"), samples, parzen, d); err != nil {
		return err
	}
	fmt.Printf("step %d: %s in %s\n", tr.Step(), res, time.Since(start).Round(time.Second))
	for i, s := range res.Sigmas {
		fmt.Printf("  σ = %.4f: mean validation log p = %.1f\n", s, res.PerSigma[i])
	}
	rows = append(append(append([]experiments.ParzenRow(nil), experiments.GoodfellowTable1...), rows...), experiments.ParzenRowOf(label, res))
	if caveats {
		c, err := experiments.ParzenCaveats(tr.Backend, train, valid, 1000, testPx, test.N, parzen, nil)
		if err != nil {
			return err
		}
		rows = append(rows, c...)
	}
	fmt.Print(experiments.FormatParzenTable(rows))
	js, err := json.MarshalIndent(map[string]any{"step": tr.Step(), "result": res, "table": rows}, "", "  ")
	if err != nil {
		return err
	}
	return project.WriteFileAtomic(filepath.Join(dir, "parzen.json"), js)
}
