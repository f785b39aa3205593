package experiments

import (
	"fmt"
	"math/rand/v2"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/infogan"
)

// CodeAccuracy is InfoGAN's success signal: Q's categorical code (argmax) for each real image x (NHWC in
// [-1, 1]) compared with the digit labels after the best one-to-one matching of codes to digits (Hungarian).
// It returns the accuracy and, for each code value, the digit it was matched to.
func CodeAccuracy(tr *gan.Trainer, x []float32, labels []int) (acc float64, mapping []int, err error) {
	size := tr.Variant.Height * tr.Variant.Width * tr.Variant.Channels
	n := len(x) / size
	if n != len(labels) {
		return 0, nil, fmt.Errorf("CodeAccuracy: %d images, %d labels", n, len(labels))
	}
	const chunk = 1000
	pred := make([]int, 0, n)
	for start := 0; start < n; start += chunk {
		m := min(chunk, n-start)
		cat, _, err := infogan.InferCodes(tr, x[start*size:(start+m)*size])
		if err != nil {
			return 0, nil, err
		}
		pred = append(pred, cat...)
	}
	acc, mapping, err = metrics.HungarianMatch(pred, labels, infogan.Categories)
	return acc, mapping, err
}

// SweepGrid makes the paper's figure for continuous code j: row r is categorical value order[r] (order nil:
// 0, 1, ...), column k sets code j to lo + k·(hi−lo)/(cols−1) with the other continuous codes 0, all with the
// same noise z (drawn with seed). NHWC in [-1, 1], rows·cols images.
func SweepGrid(tr *gan.Trainer, j, cols int, lo, hi float64, order []int, seed uint64) ([]float32, error) {
	v := tr.Variant
	codes, ok := infogan.CodesOf(v)
	if !ok {
		return nil, fmt.Errorf("SweepGrid: variant %q has no InfoGAN codes", v.Name)
	}
	k, m := codes.Categorical, codes.Continuous
	if j < 0 || j >= m || cols < 2 {
		return nil, fmt.Errorf("SweepGrid: code %d of %d, %d columns", j, m, cols)
	}
	if order == nil {
		order = make([]int, k)
		for i := range order {
			order[i] = i
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x5EE9))
	z1 := make([]float32, v.LatentDim)
	for i := range z1 {
		z1[i] = float32(rng.Float64()*2 - 1)
		if v.Noise == gan.Normal {
			z1[i] = float32(rng.NormFloat64())
		}
	}
	rows := len(order)
	z := make([]float32, 0, rows*cols*v.LatentDim)
	cats := make([]int, 0, rows*cols)
	cont := make([]float32, rows*cols*m)
	for r := range rows {
		for c := range cols {
			z = append(z, z1...)
			cats = append(cats, order[r])
			cont[(r*cols+c)*m+j] = float32(lo + float64(c)*(hi-lo)/float64(cols-1))
		}
	}
	return infogan.Generate(tr, z, cats, cont)
}
