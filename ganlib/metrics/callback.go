package metrics

import (
	"fmt"

	"github.com/ganlab/ganlab/ganlib/gan"
)

// CallbackSeed is the noise seed of the samples Callback scores: the same noise at every report, so that the
// scores of different steps differ by the generator only.
const CallbackSeed = 0x5C0BE

// Callback reports the scores every `every` generator steps during gan.Trainer.Train: it samples n images with
// t.RandomSamples (same seed each time), scores them against the nReal real images (NHWC 28×28×1 in [-1, 1],
// usually the test set; analysed once, at the first report) and hands the Report to print (notebooks: a line or
// r.HTML(); CLI: fmt.Println(step, r.Line())). The generator must make 28×28×1 images. n >= 500 is advisable:
// the FD of small samples is biased upwards (compare it with r.FDFloor, measured at the same size).
func Callback(c *Classifier, real []float32, nReal int, every, n int, print func(step int, r Report)) gan.Callback {
	var rs *RealSet
	return func(t *gan.Trainer, rec gan.Record) error {
		if every <= 0 || rec.Step%every != 0 {
			return nil
		}
		v := t.Variant
		if v.Height != classifierSide || v.Width != classifierSide || v.Channels != 1 {
			return fmt.Errorf("metrics.Callback: the %s classifier scores 28×28×1 images, variant %q makes %d×%d×%d",
				c.Dataset, v.Name, v.Height, v.Width, v.Channels)
		}
		if rs == nil {
			var err error
			if rs, err = AnalyzeReal(c, real, nReal); err != nil {
				return err
			}
		}
		samples, err := t.RandomSamples(n, CallbackSeed)
		if err != nil {
			return err
		}
		r, err := EvaluateAgainst(c.backend, c, rs, samples, n)
		if err != nil {
			return fmt.Errorf("metrics at step %d: %w", rec.Step, err)
		}
		if print != nil {
			print(rec.Step, r)
		}
		return nil
	}
}
