package experiments

import (
	"fmt"
	"math/rand/v2"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/metrics"
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
	labels := make([]int, rows*cols)
	for i := range labels {
		labels[i] = (i / cols) % v.Classes
	}
	return tr.GenerateWith(z, labels, nil, nil)
}

// CGANAccuracy is the cGAN's success signal: perClass samples of every class from fresh noise (seeded), classified
// by the metrics classifier; it returns the fraction classified as the class G was asked for, overall and per
// class.
func CGANAccuracy(tr *gan.Trainer, clf *metrics.Classifier, perClass int, seed uint64) (acc float64, perClassAcc []float64, err error) {
	v := tr.Variant
	if v.Classes <= 0 {
		return 0, nil, fmt.Errorf("CGANAccuracy: variant %q is not conditional", v.Name)
	}
	rng := rand.New(rand.NewPCG(seed, 0xACC))
	const chunk = 500
	n := perClass * v.Classes
	hits := make([]int, v.Classes)
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
			labels[i] = (start + i) % v.Classes
		}
		px, err := tr.GenerateWith(z, labels, nil, nil)
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
	perClassAcc = make([]float64, v.Classes)
	for c, h := range hits {
		total += h
		perClassAcc[c] = float64(h) / float64(perClass)
	}
	return float64(total) / float64(n), perClassAcc, nil
}
