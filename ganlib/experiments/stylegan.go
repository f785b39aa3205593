package experiments

import (
	"fmt"
	"math/rand/v2"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/stylegan"
)

// MixingKeep is the result of StyleGANMixingKeep: over N mixed images, the fraction whose class (the classifier's)
// is that of their coarse (row) source, Coarse, or of their fine (column) source, Fine, and Chance, the fraction of
// the N (row, column) source pairs, drawn independently, whose two classes agree: what keeping a source's class
// would score by luck. A mixed image whose two sources share a class counts for both Coarse and Fine.
type MixingKeep struct {
	N                    int
	Coarse, Fine, Chance float64
}

// styleganCrop generates through G in chunks of 500 (gen returns the images of latents [lo, hi)) and crops them to
// the classifier's 28×28.
func styleganCrop(tr *gan.Trainer, n int, gen func(lo, hi int) ([]float32, error)) ([]float32, error) {
	v := tr.Variant
	if v.Channels != 1 || v.Height != v.Width || v.Height < ClassifierSide {
		return nil, fmt.Errorf("samples: the classifiers read 28×28×1 images; %q makes %d×%d×%d", v.Name, v.Height, v.Width, v.Channels)
	}
	const chunk = 500
	out := make([]float32, 0, n*ClassifierSide*ClassifierSide)
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		px, err := gen(lo, hi)
		if err != nil {
			return nil, err
		}
		crop, err := CropCentre(px, hi-lo, v.Height, ClassifierSide)
		if err != nil {
			return nil, err
		}
		out = append(out, crop...)
	}
	return out, nil
}

// StyleGANMixingKeep measures what style mixing claims, that the coarse styles decide the image's content: n mixed
// images, each from its own row latent z (styles before the synthesis layer crossover: the coarse ones) and column
// latent z₂ (the rest: the fine ones), drawn from seed, all truncated with psi at inference (fixed noise maps), as
// in stylegan.MixingGrid; the mixed images and both sources, unmixed, are cropped 32→28 (CropCentre) and classified
// by clf.
func StyleGANMixingKeep(tr *gan.Trainer, clf *metrics.Classifier, n, crossover int, psi float64, seed uint64) (MixingKeep, error) {
	s, ok := stylegan.StylesOf(tr.Variant)
	if !ok {
		return MixingKeep{}, fmt.Errorf("StyleGANMixingKeep: variant %q is not a StyleGAN", tr.Variant.Name)
	}
	if n < 1 || crossover < 0 || crossover > s.Layers {
		return MixingKeep{}, fmt.Errorf("StyleGANMixingKeep: want n >= 1 and crossover in [0, %d], got %d, %d", s.Layers, n, crossover)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6EE9))
	d := s.ZDim
	zr, zc := make([]float32, n*d), make([]float32, n*d)
	for i := range zr {
		zr[i], zc[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	plain := func(z []float32) func(lo, hi int) ([]float32, error) {
		return func(lo, hi int) ([]float32, error) {
			return tr.GenerateWith(z[lo*d:hi*d], s.Of(make([]float32, (hi-lo)*d), s.Layers, psi, 1))
		}
	}
	mixed := func(lo, hi int) ([]float32, error) {
		return tr.GenerateWith(zr[lo*d:hi*d], s.Of(append([]float32(nil), zc[lo*d:hi*d]...), crossover, psi, 1))
	}
	var classes [3][]int
	for k, gen := range []func(lo, hi int) ([]float32, error){mixed, plain(zr), plain(zc)} {
		px, err := styleganCrop(tr, n, gen)
		if err != nil {
			return MixingKeep{}, err
		}
		if classes[k], _, err = clf.Predict(px, n); err != nil {
			return MixingKeep{}, err
		}
	}
	var coarse, fine, chance int
	for i := range n {
		m, r, c := classes[0][i], classes[1][i], classes[2][i]
		if m == r {
			coarse++
		}
		if m == c {
			fine++
		}
		if r == c {
			chance++
		}
	}
	f := func(k int) float64 { return float64(k) / float64(n) }
	return MixingKeep{N: n, Coarse: f(coarse), Fine: f(fine), Chance: f(chance)}, nil
}

// StyleGANFD scores n unmixed samples truncated with psi (1: none; stylegan.Truncated, seeded, chunks of 500),
// cropped 32→28, against the real set with metrics.EvaluateAgainst: Fréchet distance on clf's features,
// precision and recall, and the rest of its report.
func StyleGANFD(tr *gan.Trainer, clf *metrics.Classifier, real *metrics.RealSet, n int, psi float64, seed uint64) (metrics.Report, error) {
	if _, ok := stylegan.StylesOf(tr.Variant); !ok {
		return metrics.Report{}, fmt.Errorf("StyleGANFD: variant %q is not a StyleGAN", tr.Variant.Name)
	}
	px, err := styleganCrop(tr, n, func(lo, hi int) ([]float32, error) {
		return stylegan.Truncated(tr, hi-lo, psi, seed+uint64(lo))
	})
	if err != nil {
		return metrics.Report{}, err
	}
	return metrics.EvaluateAgainst(tr.Backend, clf, real, px, n)
}
