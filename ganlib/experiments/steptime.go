package experiments

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/gan"
)

// StepTime measures what a training step of variant v with batch b costs on backend: it trains a fresh model on
// random images for two warm-up steps (the first compiles both step graphs), then for steps more, which it times.
// It returns the time of the warm-up and the mean time of one timed step (one D update and one G update). The
// contents of the images do not change the cost of a step. Notebooks use it to size a run before they start it.
func StepTime(backend compute.Backend, v gan.Variant, b, steps int) (warmup, perStep time.Duration, err error) {
	if b <= 0 || steps <= 0 {
		return 0, 0, fmt.Errorf("experiments.StepTime: batch (%d) and steps (%d) must be positive", b, steps)
	}
	tr, err := gan.New(backend, v, gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: b}})
	if err != nil {
		return 0, 0, err
	}
	n := 2 * b
	rng := rand.New(rand.NewPCG(1, 1))
	px := make([]float32, n*v.Height*v.Width*v.Channels)
	for i := range px {
		px[i] = rng.Float32()
	}
	if err := tr.SetData(px, n, v.Height, v.Width, v.Channels, 0, 1); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := tr.Train(2); err != nil {
		return 0, 0, err
	}
	warmup = time.Since(start)
	start = time.Now()
	if err := tr.Train(2 + steps); err != nil {
		return 0, 0, err
	}
	return warmup, time.Since(start) / time.Duration(steps), nil
}
