package experiments

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

// GoodfellowBudget is notebook 04's run length in generator steps: the paper's 200,000 (400 epochs of 500 steps) at
// paper scale, 20 epochs in the lesson.
var GoodfellowBudget = Budget{Quick: 300, Lesson: 10000, Paper: 200000}

// GoodfellowRun is notebook 04's run: Goodfellow et al.'s MNIST model and optimizer (vanilla.GoodfellowNoise) on
// MNIST train[0:50000], G's noise N(0, 1) as the authors' code draws it, and ganlab's addition, the plain mean of
// G's weights (vanilla.EMA with decay 1) folded every EMAEvery steps from step EMAFrom on.
type GoodfellowRun struct {
	Scale    Scale
	Dir      string
	Steps    int
	K        int // discriminator steps per generator step (Algorithm 1's k), the setting critic_steps
	Seed     uint64
	EMAFrom  int
	EMAEvery int
}

// NewGoodfellowRun is notebook 04's run at scale s: seed 2 (seed 1 collapses with the paper's learning rate), k = 1,
// the mean of G's weights over the last two fifths of the run (from step 120,000 of the paper's 200,000).
func NewGoodfellowRun(s Scale) GoodfellowRun {
	steps := GoodfellowBudget.At(s)
	return GoodfellowRun{Scale: s, Dir: s.RunDir("04_goodfellow_experiments"), Steps: steps, K: 1, Seed: 2,
		EMAFrom: steps * 3 / 5, EMAEvery: 10}
}

// Session is the run's training session on MNIST train (the first 50,000 images are the paper's training split).
// The settings (k, and the paper's batch and optimizer, which the variant holds) go through gan.Config.Settings
// and are stored in the checkpoints; Params keep the two facts that are no settings: the data and G's noise.
func (r GoodfellowRun) Session(train *data.Images) (*lab.Session, error) {
	d := train.ImageSize()
	if train.N < vanilla.GoodfellowTrainN || d != 784 {
		return nil, fmt.Errorf("GoodfellowRun: want MNIST train (≥ %d images of 28×28), got %d images of %d pixels", vanilla.GoodfellowTrainN, train.N, d)
	}
	px := train.Pixels[:vanilla.GoodfellowTrainN*d]
	bias, err := vanilla.MarginalBias(px, vanilla.GoodfellowTrainN, d)
	if err != nil {
		return nil, err
	}
	cfg := vanilla.GoodfellowConfig(r.Seed)
	cfg.Settings = gan.Settings{gan.SettingCriticSteps: r.K}
	s := &lab.Session{
		Dir:             r.Dir,
		Variant:         vanilla.GoodfellowNoise(r.K, bias, gan.Normal),
		Config:          cfg,
		Data:            &data.Images{Name: train.Name, Split: "train", Pixels: px, N: vanilla.GoodfellowTrainN, H: 28, W: 28, C: 1},
		Steps:           r.Steps,
		GridRows:        10,
		GridCols:        10,
		ShowEpochs:      []int{1, 10, 50},
		CheckpointEvery: 1000,
		Keep:            2,
		Params:          map[string]string{"data": "mnist[0:50000]", "noise": "normal"},
	}
	switch r.Scale {
	case Quick:
		s.StepsPerEpoch, s.ShowEpochs, s.Fresh = 100, []int{3}, true
	case Lesson:
		s.ShowEpochs = []int{1, 5, 20}
	}
	return s, nil
}

// Train trains the run to its Steps (resuming its folder; quick mode starts afresh) while folding G's weights
// into their mean, saved beside every checkpoint as vanilla.EMAFile so that the two resume together. It prints
// where the mean starts or resumes and the measured speed.
func (r GoodfellowRun) Train(train *data.Images) (*gan.Trainer, Timing, error) {
	s, err := r.Session(train)
	if err != nil {
		return nil, Timing{}, err
	}
	step := -1 // a fresh run has no checkpoint to resume
	if meta, _, err := gan.ReadMeta(s.Dir); err == nil && !s.Fresh {
		step = meta.Step
	}
	ema, note := vanilla.ResumeEMAFrom(s.Dir, 1, r.EMAEvery, r.EMAFrom, step)
	fmt.Println(note)
	epoch := vanilla.GoodfellowTrainN / vanilla.GoodfellowBatch
	if s.StepsPerEpoch > 0 {
		epoch = s.StepsPerEpoch
	}
	saveEvery := gcd(epoch, s.CheckpointEvery) // at every checkpoint (epoch ends and every CheckpointEvery steps)
	s.Callbacks = append(s.Callbacks, ema.SavingCallback(s.Dir, saveEvery, s.Steps))
	return TrainTimed(s)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Open loads the run's newest checkpoint.
func (r GoodfellowRun) Open(train *data.Images) (*gan.Trainer, error) {
	s, err := r.Session(train)
	if err != nil {
		return nil, err
	}
	return lab.Open(s.Dir, s.Variant)
}

// WithAveragedG runs fn with tr's generator set to the mean of its weights saved in the run folder, which must
// be the mean at tr's step.
func (r GoodfellowRun) WithAveragedG(tr *gan.Trainer, fn func() error) error {
	e, err := vanilla.LoadEMA(filepath.Join(r.Dir, vanilla.EMAFile))
	if err != nil {
		return err
	}
	if e.Step != tr.Step() {
		return fmt.Errorf("%s holds the mean of G's weights at step %d, the checkpoint is at step %d: run the training cell to step %d",
			filepath.Join(r.Dir, vanilla.EMAFile), e.Step, tr.Step(), r.Steps)
	}
	return vanilla.WithGeneratorValues(tr, e.Values, fn)
}

// AveragedSamples is SamplesUnit with the mean of G's weights (WithAveragedG).
func (r GoodfellowRun) AveragedSamples(tr *gan.Trainer, n int, seed uint64) (px []float32, err error) {
	err = r.WithAveragedG(tr, func() error {
		px, err = SamplesUnit(tr, n, seed)
		return err
	})
	return px, err
}

// Figure2 is the paper's Figure 2 for samples (rows·(cols−1) images in [0, 1]): each row's last image is the
// training image nearest (pixel L2) to the sample beside it (GoodfellowFigure2PNG). It also returns the median
// distance from a sample to its nearest training image, and the same for as many test images, which G never saw:
// a G that copied its training images would have samples much nearer to them than test images are.
func Figure2(b compute.Backend, samples []float32, rows, cols int, train, test *data.Images) (png []byte, sampleMedian, testMedian float64, err error) {
	const d = 784
	n := rows * (cols - 1)
	if train.N < vanilla.GoodfellowTrainN || test.N < n || train.ImageSize() != d || test.ImageSize() != d {
		return nil, 0, 0, fmt.Errorf("Figure2: want MNIST train (≥ %d images) and test (≥ %d), got %d and %d images", vanilla.GoodfellowTrainN, n, train.N, test.N)
	}
	trainPx := train.Pixels[:vanilla.GoodfellowTrainN*d]
	idx, dist, err := metrics.NearestL2(b, samples, n, trainPx, vanilla.GoodfellowTrainN, d)
	if err != nil {
		return nil, 0, 0, err
	}
	_, testDist, err := metrics.NearestL2(b, test.Pixels[:n*d], n, trainPx, vanilla.GoodfellowTrainN, d)
	if err != nil {
		return nil, 0, 0, err
	}
	nearest := make([]float32, 0, rows*d)
	for row := range rows {
		i := idx[row*(cols-1)+cols-2]
		nearest = append(nearest, trainPx[i*d:(i+1)*d]...)
	}
	png, err = GoodfellowFigure2PNG(samples, nearest, rows, cols, 28, 28, 3)
	return png, MedianDistance(dist), MedianDistance(testDist), err
}

// MedianDistance is the median of distances given squared (as metrics.NearestL2 returns them).
func MedianDistance(dist2 []float64) float64 {
	if len(dist2) == 0 {
		return math.NaN()
	}
	c := slices.Clone(dist2)
	slices.Sort(c)
	return math.Sqrt(c[len(c)/2])
}
