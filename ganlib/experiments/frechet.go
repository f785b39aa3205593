package experiments

import (
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/metrics"
)

// Frechet is the Fréchet distance, in the metrics classifier's feature space, between n samples of tr's generator
// (fresh noise, seeded) and the features of real images (realFeats, nReal rows of clf.FeatureDim()).
func Frechet(tr *gan.Trainer, clf *metrics.Classifier, realFeats []float32, nReal, n int, seed uint64) (float64, error) {
	const chunk = 500
	feats := make([]float32, 0, n*clf.FeatureDim())
	for start := 0; start < n; start += chunk {
		m := min(chunk, n-start)
		px, err := tr.RandomSamples(m, seed+uint64(start))
		if err != nil {
			return 0, err
		}
		f, err := clf.Features(px, m)
		if err != nil {
			return 0, err
		}
		feats = append(feats, f...)
	}
	return metrics.Frechet(feats, n, realFeats, nReal, clf.FeatureDim())
}
