package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/dcgan"
)

// MRIProtocol is the Kaggle brain-MRI notebook's run that the lecture shows (DESIGN §6): the lecture's DCGAN at
// 128×128×1, batch 4, Epochs × StepsPerEpoch full GAN steps on 20 images drawn with replacement from the set,
// with the 10 fixed-noise samples generated after every epoch. On the lecture's P100 it took 56 minutes.
type MRIProtocol struct {
	Epochs, StepsPerEpoch int // 10 × 1,000 in the notebook
	Batch                 int // 4
	// Images holds the real images, N×128×128×1 with values in [0, 1]; the protocol draws 20 of them (seed 40).
	// Nil: random images (the cost of a step does not depend on the pixels).
	Images []float32
	N      int
}

// MRIResult is the timing of one protocol run.
type MRIResult struct {
	// Total is the wall time from creating the trainer to the last epoch's samples, compilation included.
	Total time.Duration
	// FirstStep is the time of the first step (compilation included).
	FirstStep time.Duration
	// Epochs holds each epoch's wall time (its steps and its samples).
	Epochs []time.Duration
	// Samples are the fixed-noise samples after the last epoch (10 images, values in [-1, 1]).
	Samples []float32
	// Last is the last step's record.
	Last gan.Record
}

// Run trains the protocol on backend, calling onEpoch (if not nil) after every epoch with its samples.
func (p MRIProtocol) Run(backend compute.Backend, onEpoch func(epoch int, d time.Duration, samples []float32) error) (MRIResult, error) {
	var res MRIResult
	const size, pool = 128, 20
	if p.Epochs < 1 || p.StepsPerEpoch < 1 {
		return res, fmt.Errorf("MRI protocol: epochs and steps per epoch must be >= 1, got %d and %d", p.Epochs, p.StepsPerEpoch)
	}
	if p.Batch < 1 {
		p.Batch = 4
	}
	img := size * size
	rng := rand.New(rand.NewPCG(40, 40))
	px := make([]float32, pool*img)
	if p.Images == nil {
		for i := range px {
			px[i] = rng.Float32()
		}
	} else {
		if p.N < 1 || len(p.Images) != p.N*img {
			return res, fmt.Errorf("MRI protocol: %d values are not %d images of 128×128×1", len(p.Images), p.N)
		}
		for i := range pool {
			j := rng.IntN(p.N)
			copy(px[i*img:(i+1)*img], p.Images[j*img:(j+1)*img])
		}
	}
	start := time.Now()
	tr, err := gan.New(backend, dcgan.Lecture(size, 1), gan.Config{Seed: 40, Settings: gan.Settings{gan.SettingBatchSize: p.Batch}})
	if err != nil {
		return res, err
	}
	if err := tr.SetData(px, pool, size, size, 1, 0, 1); err != nil {
		return res, err
	}
	epochStart := start
	for e := 1; e <= p.Epochs; e++ {
		err := tr.Train(e*p.StepsPerEpoch, func(t *gan.Trainer, r gan.Record) error {
			if r.Step == 1 {
				res.FirstStep = time.Since(start)
			}
			res.Last = r
			return nil
		})
		if err != nil {
			return res, err
		}
		samples, err := tr.Samples()
		if err != nil {
			return res, err
		}
		d := time.Since(epochStart)
		res.Epochs = append(res.Epochs, d)
		res.Samples = samples
		if onEpoch != nil {
			if err := onEpoch(e, d, samples); err != nil {
				return res, err
			}
		}
		epochStart = time.Now()
	}
	res.Total = time.Since(start)
	return res, nil
}
