package experiments

import (
	"fmt"
	"math/rand/v2"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/cgan"
)

// CGANClassGrid returns rows·cols samples laid out one class per row (row r asks for class r mod Classes), each column
// a different z drawn with seed: the cGAN's 10×10 grid. NHWC, values in [-1, 1].
func CGANClassGrid(tr *gan.Trainer, rows, cols int, seed uint64) ([]float32, error) {
	v := tr.Variant
	rng := rand.New(rand.NewPCG(seed, 0x6C1D))
	z := make([]float32, rows*cols*v.LatentDim)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
		if v.Noise == gan.Uniform {
			z[i] = float32(rng.Float64()*2 - 1)
		}
	}
	l, ok := cgan.LabelsOf(v)
	if !ok {
		return nil, fmt.Errorf("CGANClassGrid: variant %q is not a cGAN", v.Name)
	}
	labels := make([]int, rows*cols)
	for i := range labels {
		labels[i] = (i / cols) % l.K
	}
	return cgan.Generate(tr, z, labels)
}

// CGANAccuracy is the cGAN's success signal: perClass samples of every class from fresh noise (seeded), classified
// by the metrics classifier; it returns the fraction classified as the class G was asked for, overall and per
// class.
func CGANAccuracy(tr *gan.Trainer, clf *metrics.Classifier, perClass int, seed uint64) (acc float64, perClassAcc []float64, err error) {
	v := tr.Variant
	l, ok := cgan.LabelsOf(v)
	if !ok {
		return 0, nil, fmt.Errorf("CGANAccuracy: variant %q is not conditional", v.Name)
	}
	rng := rand.New(rand.NewPCG(seed, 0xACC))
	const chunk = 500
	n := perClass * l.K
	hits := make([]int, l.K)
	for start := 0; start < n; start += chunk {
		m := min(chunk, n-start)
		z := make([]float32, m*v.LatentDim)
		for i := range z {
			z[i] = float32(rng.NormFloat64())
			if v.Noise == gan.Uniform {
				z[i] = float32(rng.Float64()*2 - 1)
			}
		}
		labels := make([]int, m)
		for i := range labels {
			labels[i] = (start + i) % l.K
		}
		px, err := cgan.Generate(tr, z, labels)
		if err != nil {
			return 0, nil, err
		}
		pred, _, err := clf.Predict(px, m)
		if err != nil {
			return 0, nil, err
		}
		for i, p := range pred {
			if p == labels[i] {
				hits[labels[i]]++
			}
		}
	}
	total := 0
	perClassAcc = make([]float64, l.K)
	for c, h := range hits {
		total += h
		perClassAcc[c] = float64(h) / float64(perClass)
	}
	return float64(total) / float64(n), perClassAcc, nil
}
