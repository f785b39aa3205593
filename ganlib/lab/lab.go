// Package lab runs a GAN training session the way the notebooks and the CLI both want it: data and model in,
// a run folder out (checkpoints, grids, curves, history), resuming when the folder already holds a checkpoint,
// with progress, a live sample grid and the lecture's per-epoch log lines and 2×5 grids shown along the way.
package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// Quick reports whether quick mode is on (environment variable GANLAB_QUICK set to anything but "" or "0"):
// notebooks then use small step counts so that `make test` runs them in minutes.
func Quick() bool {
	v := os.Getenv("GANLAB_QUICK")
	return v != "" && v != "0"
}

// ModeLine is the line notebooks print at the top: which mode and which backend, and on XLA whether malloc's large
// blocks get huge pages.
func ModeLine() string {
	mode := "full mode (GANLAB_QUICK unset): the real lesson"
	if Quick() {
		mode = "quick mode (GANLAB_QUICK=1): small step counts for tests"
	}
	_, info, err := backend.Default()
	if err != nil {
		return "mode: " + mode + "\nbackend error: " + err.Error()
	}
	line := "mode: " + mode + "\n" + info.String()
	if info.IsXLA() {
		// XLA's scratch blocks come from malloc: say whether they get huge pages (the speed switch, ganlib/speed).
		line += "\nmalloc: " + backend.HugePagesProbe() + " (" + backend.EnvGlibcTunables + "=" + os.Getenv(backend.EnvGlibcTunables) + ")"
	}
	return line
}

// Session is one training run.
type Session struct {
	// Dir is the run folder: checkpoints/, grid-*.png, curves.png, history.json.
	Dir string
	// Variant is the GAN to train; Config its trainer settings.
	Variant gan.Variant
	Config  gan.Config
	// Data are the real images (pixels in [0, 1]; Labels, when present, given to the trainer for a conditional variant):
	// a dataset split (data.Load), a folder (data.LoadFolder) or any of data.LoadTrain's names.
	Data *data.Images
	// Epochs to reach in total (a resumed run continues to it). Steps, when > 0, overrides it.
	Epochs float64
	Steps  int
	// StepsPerEpoch overrides ⌊N/B⌋ (quick mode uses short "epochs"); 0 keeps it.
	StepsPerEpoch int
	// ShowEpochs are the epochs (1-based) after which a grid of the fixed samples is shown and written to
	// Dir/grid-epochNNN.png; the lecture shows epochs 1, 5 and 10. Checkpoints are written after every epoch.
	ShowEpochs []int
	// GridRows×GridCols is the grid of fixed samples (default 2×5, the lecture's); Config.FixedSamples follows it.
	GridRows, GridCols int
	// Params are the facts of the run that a resumed session must share, stored in the checkpoint: the model, loss
	// and data names (Variant.Name, its loss, Data.Name) unless given, and any others given here.
	Params map[string]string
	// Keep is how many checkpoints to keep (default 3).
	Keep int
	// CheckpointEvery, when > 0, also writes a checkpoint every CheckpointEvery steps (besides the one after every
	// epoch); 0 keeps checkpoints at epoch ends only.
	CheckpointEvery int
	// Quiet turns off the per-epoch log lines.
	Quiet bool
	// Callbacks run after every step, after the session's own bookkeeping (checkpoints, grids); an error stops
	// training with that error (gan.ErrStop stops it cleanly). gan.CollapseMonitor is one.
	Callbacks []gan.Callback
	// CollapseEvery, when > 0, checks every CollapseEvery steps whether the generator has collapsed
	// (gan.CollapseMonitor with CollapseThreshold, 0: gan.DefaultCollapseThreshold) and prints what to do when it has.
	CollapseEvery     int
	CollapseThreshold float64
	// Fresh deletes Dir before training instead of resuming from it (quick mode uses it so that every test run
	// trains from scratch).
	Fresh bool

	Trainer *gan.Trainer
}

// Run trains the session to its target, resuming from Dir when it holds a checkpoint. It stops cleanly (with a
// checkpoint) on SIGINT/SIGTERM, and on a NaN/Inf loss with the error naming the loss and the step.
func (s *Session) Run() (*gan.Trainer, error) {
	b, _, err := backend.Default()
	if err != nil {
		return nil, err
	}
	if s.GridRows <= 0 || s.GridCols <= 0 {
		s.GridRows, s.GridCols = 2, 5
	}
	s.Config.FixedSamples = s.GridRows * s.GridCols
	s.Params = s.runParams()
	tr, err := gan.New(b, s.Variant, s.Config)
	if err != nil {
		return nil, err
	}
	s.Trainer = tr
	if s.Fresh {
		if err := os.RemoveAll(s.Dir); err != nil {
			return nil, err
		}
	}
	if err := gan.RemoveStaleTemp(s.Dir); err != nil { // left by a run killed while it wrote
		return nil, err
	}
	if gan.HasCheckpoint(s.Dir) {
		stored, err := tr.Load(s.Dir)
		if err != nil {
			return nil, err
		}
		if err := checkParams(s.Dir, stored, s.Params); err != nil {
			return nil, err
		}
		fmt.Printf("Resuming %s from its checkpoint at step %d.\n", s.Dir, tr.Step())
	}
	d := s.Data
	if d == nil {
		return nil, errors.New("lab.Session: no Data (load images with data.Load, data.LoadFolder or data.LoadTrain)")
	}
	if err := tr.SetData(d.Pixels, d.N, d.H, d.W, d.C, 0, 1); err != nil {
		return nil, err
	}
	if d.Labels != nil {
		if err := tr.SetLabels(d.Labels); err != nil {
			return nil, err
		}
	}
	spe := s.StepsPerEpoch
	if spe <= 0 {
		spe = tr.StepsPerEpoch()
	}
	total := s.Steps
	if total <= 0 {
		total = int(s.Epochs * float64(spe))
	}
	if tr.Step() >= total {
		fmt.Printf("%s already holds %d steps (target %d): nothing to train.\n", s.Dir, tr.Step(), total)
		return tr, nil
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, err
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)

	save := func() error {
		if _, err := tr.Save(s.Dir, s.Keep, s.Params); err != nil {
			return fmt.Errorf("saving a checkpoint in %s: %w", s.Dir, err)
		}
		return s.writeOutputs(tr)
	}
	callbacks := s.Callbacks
	if s.CollapseEvery > 0 {
		callbacks = append(slices.Clip(callbacks), gan.CollapseMonitor(s.CollapseEvery, s.CollapseThreshold, func(c gan.Collapse) {
			fmt.Printf("COLLAPSE: %s\n", c.Message)
		}))
	}
	live := nbui.NewLiveGrid()
	progress := nbui.NewProgress(fmt.Sprintf("%s (%d steps/epoch)", s.Variant.Name, spe), total)
	start := tr.Step()
	var epochD, epochG float64
	var epochN int
	var status string
	err = tr.Train(total, func(t *gan.Trainer, r gan.Record) error {
		epochD += r.DLoss
		epochG += r.GLoss
		epochN++
		epoch := float64(r.Step) / float64(spe)
		status = StepStatus(t.Variant.Loss, epoch, r)
		progress.Update(r.Step, status)
		endOfEpoch := r.Step%spe == 0
		saved := false
		if endOfEpoch || r.Step == total {
			saved = true
			e := (r.Step + spe - 1) / spe
			if !s.Quiet {
				fmt.Printf("EPOCH: %d  Generator Loss: %.4f  Discriminator Loss: %.4f  (means over the epoch; step %d)\n",
					e, epochG/float64(epochN), epochD/float64(epochN), r.Step)
			}
			epochD, epochG, epochN = 0, 0, 0
			if err := save(); err != nil {
				return err
			}
			if err := s.showGrid(t, live, e, endOfEpoch && slices.Contains(s.ShowEpochs, e)); err != nil {
				return err
			}
		} else if s.CheckpointEvery > 0 && r.Step%s.CheckpointEvery == 0 {
			saved = true
			if err := save(); err != nil {
				return err
			}
		}
		select {
		case sig := <-stop:
			fmt.Printf("%v: stopping at step %d with a checkpoint.\n", sig, r.Step)
			if !saved {
				if err := save(); err != nil {
					return err
				}
			}
			return gan.ErrStop
		default:
		}
		for _, cb := range callbacks {
			if err := cb(t, r); err != nil {
				return err
			}
		}
		return nil
	})
	progress.Finish(status)
	live.Clear()
	if err != nil {
		var nf *gan.NonFiniteError
		if !errors.As(err, &nf) && tr.Step() > start {
			_ = save() // keep what was learned before an unexpected error
		}
		return tr, err
	}
	return tr, nil
}

// GridOf lays out samples of variant v (NHWC, values in [-1, 1], as the generator makes them) as a rows×cols grid;
// scale magnifies each pixel (0: by image size, 3× for 32 pixels or less, 2× under 64, else 1×).
func GridOf(v gan.Variant, samples []float32, rows, cols, scale int) nbui.Grid {
	if scale <= 0 {
		scale = 1
		switch {
		case v.Height <= 32:
			scale = 3
		case v.Height < 64:
			scale = 2
		}
	}
	return nbui.Grid{Pixels: samples, N: len(samples) / (v.Height * v.Width * v.Channels), H: v.Height, W: v.Width,
		C: v.Channels, Lo: -1, Hi: 1, Rows: rows, Cols: cols, Scale: scale}
}

// showGrid updates the live grid and, at the lecture's epochs, shows the grid as a permanent output and writes it.
func (s *Session) showGrid(t *gan.Trainer, live *nbui.LiveGrid, epoch int, permanent bool) error {
	samples, err := t.Samples()
	if err != nil {
		return err
	}
	g := GridOf(s.Variant, samples, s.GridRows, s.GridCols, 0)
	if err := live.Update(fmt.Sprintf("epoch %d", epoch), g); err != nil {
		return err
	}
	if !permanent {
		return nil
	}
	png, err := g.PNG()
	if err != nil {
		return err
	}
	path := filepath.Join(s.Dir, fmt.Sprintf("grid-epoch%03d.png", epoch))
	if err := project.WriteFileAtomic(path, png); err != nil {
		return err
	}
	// The caption goes through the same display channel as the image: a Printf on stdout can reach the page
	// after the image it names.
	return nbui.ShowGrid(fmt.Sprintf("Samples from the fixed noise after epoch %d (`%s`):", epoch, path), g)
}

// StepStatus is the progress line of a training step: epoch, that step's losses (labelled as such: the per-epoch
// log lines print means over the epoch), and D(x) and D(G(z)), or for a critic
// (gan.Loss.Critic), whose scores are no probabilities, its Wasserstein estimate.
func StepStatus(loss gan.Loss, epoch float64, r gan.Record) string {
	if loss.Critic {
		return fmt.Sprintf("epoch %.2f · this step: critic loss %.3f · G loss %.3f · W estimate %.3f", epoch, r.DLoss, r.GLoss, r.WEstimate)
	}
	return fmt.Sprintf("epoch %.2f · this step: D loss %.3f · G loss %.3f · D(x) %.2f · D(G(z)) %.2f", epoch, r.DLoss, r.GLoss, r.DReal, r.DFake)
}

// writeOutputs writes grid-latest.png, curves.png and history.json next to the checkpoints.
func (s *Session) writeOutputs(t *gan.Trainer) error {
	return WriteRunOutputs(t, s.Dir, s.GridRows, s.GridCols)
}

// WriteRunOutputs writes, atomically, the fixed-noise grid of the trainer's current step (grid-stepNNNNNNN.png and
// grid-latest.png), curves.png and history.json into dir.
func WriteRunOutputs(t *gan.Trainer, dir string, rows, cols int) error {
	samples, err := t.Samples()
	if err != nil {
		return err
	}
	png, err := GridOf(t.Variant, samples, rows, cols, 0).PNG()
	if err != nil {
		return err
	}
	for _, name := range []string{fmt.Sprintf("grid-step%07d.png", t.Step()), "grid-latest.png"} {
		if err := project.WriteFileAtomic(filepath.Join(dir, name), png); err != nil {
			return err
		}
	}
	if curves, err := nbui.CurvesPNGFor(t.Variant.Loss, t.History, max(len(t.History)/100, 1)); err == nil {
		if err := project.WriteFileAtomic(filepath.Join(dir, "curves.png"), curves); err != nil {
			return err
		}
	}
	hist, err := json.MarshalIndent(t.History, "", " ")
	if err != nil {
		return err
	}
	return project.WriteFileAtomic(filepath.Join(dir, "history.json"), hist)
}

// RunDir returns the folder for a notebook's or tutorial's run: <project>/out/runs/<name>, or
// <project>/out/runs/quick/<name> in quick mode, so quick test runs never touch a full run's checkpoints. A
// notebook names its runs after itself ("03_dcgan" or "03_dcgan/bug"): `make tutorials` removes
// out/runs/<notebook> before it executes the notebook, so that a tutorial shows a run from scratch.
func RunDir(name string) string {
	root := project.Home()
	if root == "" {
		root, _ = os.Getwd()
	}
	if Quick() {
		return filepath.Join(root, "out", "runs", "quick", name)
	}
	return filepath.Join(root, "out", "runs", name)
}

// Open loads the newest checkpoint of a run folder into a new trainer for variant on the default backend: for
// the cells that come after training (curves, samples), since every GoNB cell is a new process.
func Open(dir string, variant gan.Variant) (*gan.Trainer, error) {
	b, _, err := backend.Default()
	if err != nil {
		return nil, err
	}
	meta, ckpt, err := gan.ReadMeta(dir)
	if err != nil {
		return nil, fmt.Errorf("no trained model in %s yet (run the training cell first): %w", dir, err)
	}
	tr, err := gan.New(b, variant, gan.Config{Seed: meta.Seed, FixedSamples: len(meta.FixedNoise) / max(variant.LatentDim, 1)})
	if err != nil {
		return nil, err
	}
	if _, err := tr.Load(dir); err != nil {
		return nil, fmt.Errorf("loading %s: %w", ckpt, err)
	}
	return tr, nil
}

// ShowSamples shows rows×cols samples of a trained generator from fresh noise (seeded), and writes them to
// dir/<name>.png. It returns the PNG's path.
func ShowSamples(tr *gan.Trainer, dir, name string, rows, cols int, seed uint64) (string, error) {
	px, err := tr.RandomSamples(rows*cols, seed)
	if err != nil {
		return "", err
	}
	scale := 1 // a 10×10 grid is large already: 2× only for small images
	if tr.Variant.Height < 64 {
		scale = 2
	}
	png, err := GridOf(tr.Variant, px, rows, cols, scale).PNG()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".png")
	if err := project.WriteFileAtomic(path, png); err != nil {
		return "", err
	}
	nbui.ShowPNG(png)
	return path, nil
}

// runParams are the session's Params over the names of its model, loss and data.
func (s *Session) runParams() map[string]string {
	p := map[string]string{"model": s.Variant.Name, "loss": s.Variant.Loss.Name}
	if p["loss"] == "" {
		p["loss"] = gan.NonSaturating().Name
	}
	if s.Data != nil && s.Data.Name != "" {
		p["data"] = s.Data.Name
	}
	maps.Copy(p, s.Params)
	return p
}

// checkParams refuses to resume a run whose checkpoint params (stored) give another value to one of the
// session's params (want): the weights would continue under a setting they were not trained with (another
// noise, schedule or dataset). Keys the checkpoint lacks (written before the key existed) are not checked, nor
// are absolute paths (a data folder named by path): a project moved to another folder keeps its runs.
func checkParams(dir string, stored, want map[string]string) error {
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if v, ok := stored[k]; ok && v != want[k] && !(filepath.IsAbs(v) && filepath.IsAbs(want[k])) {
			return fmt.Errorf("%s holds a run trained with %s=%q, but this session asks for %s=%q: use another run folder, or remove this one to start afresh", dir, k, v, k, want[k])
		}
	}
	return nil
}
