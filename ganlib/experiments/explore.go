package experiments

import (
	"fmt"
	"math/rand/v2"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/models/cgan"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// CGANClassExplorer is a drop-down of the cGAN's classes: the chosen class drawn by G for cols noise vectors, the
// same z for every class (drawn with seed), so that only the label changes. Without a browser it shows every class
// at once, one row per class.
func CGANClassExplorer(tr *gan.Trainer, cols int, seed uint64) (nbui.Explorer, error) {
	v := tr.Variant
	l, ok := cgan.LabelsOf(v)
	if !ok {
		return nbui.Explorer{}, fmt.Errorf("CGANClassExplorer: variant %q is not a cGAN", v.Name)
	}
	if cols < 1 {
		return nbui.Explorer{}, fmt.Errorf("CGANClassExplorer: %d columns", cols)
	}
	rng := rand.New(rand.NewPCG(seed, 0xC1A5))
	z1 := make([]float32, cols*v.LatentDim)
	for i := range z1 {
		z1[i] = float32(rng.NormFloat64())
		if v.Noise == gan.Uniform {
			z1[i] = float32(rng.Float64()*2 - 1)
		}
	}
	z := make([]float32, 0, l.K*len(z1))
	labels := make([]int, 0, l.K*cols)
	names := make([]string, l.K)
	for k := range l.K {
		z = append(z, z1...)
		for range cols {
			labels = append(labels, k)
		}
		names[k] = fmt.Sprintf("class %d", k)
	}
	px, err := cgan.Generate(tr, z, labels)
	if err != nil {
		return nbui.Explorer{}, err
	}
	size := v.Height * v.Width * v.Channels
	return nbui.Explorer{
		Title:  "**G(z, y) for the class y you choose** (the same z in every class)",
		Labels: names,
		Select: true,
		Frame: func(i int) ([]byte, error) {
			return lab.GridOf(v, px[i*cols*size:(i+1)*cols*size], 1, cols, 3).PNG()
		},
		Static: func() ([]byte, error) { return lab.GridOf(v, px, l.K, cols, 2).PNG() },
	}, nil
}

// InfoGANCodeExplorer is a slider over continuous code j from lo to hi in steps positions: at each position the
// images of every categorical value (in order, e.g. CodeOrder's: digit 0 first; nil: 0, 1, …) with the same z
// (SweepGrid's). Without a browser it shows the whole sweep, one row per categorical value.
func InfoGANCodeExplorer(tr *gan.Trainer, j, steps int, lo, hi float64, order []int, seed uint64) (nbui.Explorer, error) {
	v := tr.Variant
	sweep, err := SweepGrid(tr, j, steps, lo, hi, order, seed)
	if err != nil {
		return nbui.Explorer{}, err
	}
	size := v.Height * v.Width * v.Channels
	rows := len(sweep) / (steps * size)
	labels := make([]string, steps)
	for i := range labels {
		labels[i] = fmt.Sprintf("c%d = %+.2f", j+1, lo+float64(i)*(hi-lo)/float64(steps-1))
	}
	return nbui.Explorer{
		Title:  fmt.Sprintf("**Continuous code c%d, moved from %g to %g** (one image per categorical value, the same z)", j+1, lo, hi),
		Labels: labels,
		Start:  steps / 2,
		Frame: func(i int) ([]byte, error) {
			px := make([]float32, 0, rows*size)
			for r := range rows {
				k := r*steps + i
				px = append(px, sweep[k*size:(k+1)*size]...)
			}
			return lab.GridOf(v, px, 1, rows, 3).PNG()
		},
		Static: func() ([]byte, error) { return lab.GridOf(v, sweep, rows, steps, 2).PNG() },
	}, nil
}
