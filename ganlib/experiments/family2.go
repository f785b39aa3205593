package experiments

import (
	"fmt"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/metrics"
)

// CroppedReport scores n fresh samples of tr's generator (tr.RandomSamples, seeded, in chunks of 500), cropped from
// the variant's size to the classifier's 28×28 (CropCentre: the inverse of data.Images.Padded), against the real
// set with metrics.EvaluateAgainst: Fréchet distance on clf's features, precision, recall and the rest of its
// report. It measures any unconditional variant trained on padded 28×28 data (PGGAN at 32×32, for one).
func CroppedReport(tr *gan.Trainer, clf *metrics.Classifier, real *metrics.RealSet, n int, seed uint64) (metrics.Report, error) {
	if n < 2 {
		return metrics.Report{}, fmt.Errorf("CroppedReport: want at least 2 samples, got %d", n)
	}
	px, err := styleganCrop(tr, n, func(lo, hi int) ([]float32, error) {
		return tr.RandomSamples(hi-lo, seed+uint64(lo))
	})
	if err != nil {
		return metrics.Report{}, err
	}
	return metrics.EvaluateAgainst(tr.Backend, clf, real, px, n)
}
