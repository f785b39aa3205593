// Command mrimeasures measures brain-MRI generators (docs/mri-measures.md): it trains the MRI level network on the
// slices `ganlab data mri` built (leaving one head out, whose level error it reports), then scores the untrained
// lecture DCGAN and, with -run, a trained one (a run folder of notebook 06 or `ganlab train -data mri`): KID with its
// real-vs-real floor, precision/recall, the level the network reads in the samples, MS-SSIM diversity beside the
// training slices' own, and the copy check against the Kaggle protocol's 20 training slices, with its verdict.
//
//	go run ./ganlib/experiments/cmd/mrimeasures -run out/runs/06_brain_mri/brain-mri-128px-10x100 -out out/mri-measures
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/experiments"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/models/dcgan"
)

func main() {
	dataDir := flag.String("data", "", "the folder `ganlab data mri` built (default: the project's, data.EnsureMRI, built on first use)")
	run := flag.String("run", "", "run folder of a trained lecture DCGAN to score besides the untrained one (its size is read from the checkpoint)")
	size := flag.Int("size", 128, "image side when there is no -run")
	steps := flag.Int("net-steps", experiments.MRILevelNetSteps, "training steps of the MRI level network")
	heldOut := flag.String("held-out", experiments.MRIHeldOutVolume, "the head the level network does not train on (colin27, unc or dicom): its error is measured there")
	out := flag.String("out", "", "write the copy-check pair grids (each sample beside its nearest training slice) into this folder")
	grid := flag.String("grid", "", "also score the samples of a PNG grid (nbui.Grid: tiles of -size pixels, 2-pixel gaps), e.g. an epoch grid of `ganlab bench -mri`")
	gridFolder := flag.String("grid-folder", "", "with -grid: the folder that run drew its 20 training slices from (default: the built set's no/)")
	flag.Parse()
	if err := measure(*dataDir, *run, *size, *steps, *out, *grid, *gridFolder, *heldOut); err != nil {
		fmt.Fprintln(os.Stderr, "mrimeasures:", err)
		os.Exit(1)
	}
}

func measure(dir, run string, size, steps int, out, grid, gridFolder, heldOut string) error {
	logf := func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
	if dir == "" {
		loc, err := data.EnsureMRI(data.Logf(logf))
		if err != nil {
			return err
		}
		if loc.Env {
			return fmt.Errorf("GANLAB_MRI_DIR=%s is set: the measures need a folder built by `ganlab data mri` (its slices.csv); pass -data", loc.Dir)
		}
		dir = loc.Build
	}
	b, info, err := backend.Default()
	if err != nil {
		return err
	}
	fmt.Println(info)
	var trained *gan.Trainer
	if run != "" {
		meta, _, err := gan.ReadMeta(run)
		if err != nil {
			return err
		}
		if meta.Variant != "lecture-dcgan" || meta.Channels != 1 {
			return fmt.Errorf("%s: a %s of %d channels, want the lecture DCGAN on grayscale slices", run, meta.Variant, meta.Channels)
		}
		size = meta.Height
		if trained, err = lab.Open(run, dcgan.Lecture(size, 1)); err != nil {
			return err
		}
	}
	net, cerebrum, err := experiments.TrainMRILevelNetOn(b, dir, []string{heldOut}, steps, experiments.MRILevelNetSeed, logf)
	if err != nil {
		return err
	}
	fmt.Printf("MRI level network (features for KID and precision/recall): %s; on the held-out head's %s slices that cut the cerebrum: %.3f\n",
		net, heldOut, cerebrum)
	m, err := experiments.NewMRIMeasures(b, net, dir, size)
	if err != nil {
		return err
	}
	fmt.Printf("slices at %d×%d: %d kept (the default training set), the Kaggle protocol's %d drawn (seed %d) are %d distinct; %d held-out kept slices; KID and precision/recall against a reference half of %d kept slices\n",
		size, size, m.Kept.N, experiments.MRIProtocolN, experiments.MRIProtocolSeed, m.Train.N, m.HeldOut.N, m.Ref.N)
	rows, err := m.RealRows()
	if err != nil {
		return err
	}
	n := m.SampleCount()
	type gen struct {
		name string
		tr   *gan.Trainer
	}
	untrained, err := gan.New(b, dcgan.Lecture(size, 1), gan.Config{Seed: experiments.MRIProtocolSeed})
	if err != nil {
		return err
	}
	gens := []gen{{fmt.Sprintf("untrained lecture DCGAN %dpx", size), untrained}}
	if trained != nil {
		gens = append(gens, gen{fmt.Sprintf("%s, step %d", filepath.Base(filepath.Clean(run)), trained.Step()), trained})
	}
	var verdicts []string
	for i, g := range gens {
		px, err := experiments.GeneratorSamples(g.tr, n, 7)
		if err != nil {
			return err
		}
		s, err := m.Score(g.name, px, n, true)
		if err != nil {
			return err
		}
		rows = append(rows, s)
		verdicts = append(verdicts, g.name+": "+s.Copy.Verdict())
		if out != "" {
			png, err := m.CopyPairsPNG(px, s.Copy, 20, 4, max(1, 128/size))
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			path := filepath.Join(out, fmt.Sprintf("copy-pairs-%d-%dpx.png", i, size))
			if err := os.WriteFile(path, png, 0o644); err != nil {
				return err
			}
			fmt.Printf("pair grid of %s: %s\n", g.name, path)
		}
	}
	if grid != "" {
		px, gn, err := experiments.ReadGridPNG(grid, size)
		if err != nil {
			return err
		}
		if gridFolder != "" {
			if err := m.UseProtocolFolder(gridFolder); err != nil {
				return err
			}
			fmt.Printf("copy check of %s against the %d distinct slices drawn from %s (%d held out)\n", grid, m.Train.N, gridFolder, m.HeldOut.N)
		}
		s, err := m.Score(fmt.Sprintf("%d samples of %s", gn, filepath.Base(grid)), px, gn, true)
		if err != nil {
			return err
		}
		rows = append(rows, s)
		verdicts = append(verdicts, s.Name+": "+s.Copy.Verdict())
		if out != "" {
			png, err := m.CopyPairsPNG(px, s.Copy, gn, 5, max(1, 128/size))
			if err != nil {
				return err
			}
			path := filepath.Join(out, fmt.Sprintf("copy-pairs-grid-%dpx.png", size))
			if err := os.WriteFile(path, png, 0o644); err != nil {
				return err
			}
			fmt.Printf("pair grid of %s: %s\n", grid, path)
		}
	}
	fmt.Println()
	fmt.Print(experiments.FormatMRITable(rows))
	fmt.Println()
	fmt.Println(strings.Join(verdicts, "\n"))
	return nil
}
