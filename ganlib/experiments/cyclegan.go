package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/cyclegan"

	. "github.com/gomlx/gomlx/core/graph"

	"github.com/ganlab/ganlab/ganlib/nn"
)

// DigitClassifier is a small CNN that names the digit of 28×28×1 images in [-1, 1] (CycleGAN's domain-B
// classifier, trained on sklearn-digits; MNIST has the shipped metrics classifier):
//
//	Conv2D(16, 5, stride 2) → ReLU → Conv2D(32, 5, stride 2) → ReLU → Flatten → Dense(64) → ReLU → Dense(10)
type DigitClassifier struct {
	exec *model.Exec
	// TestAccuracy is the fraction of the test images given to TrainDigitClassifier it names correctly.
	TestAccuracy float64
}

func digitNet(scope *model.Scope, x *Node) *Node {
	h := activation.Relu(nn.Conv2D(scope.At("conv1"), x, 16, 5, 2, nn.Same))
	h = activation.Relu(nn.Conv2D(scope.At("conv2"), h, 32, 5, 2, nn.Same))
	h = activation.Relu(nn.Dense(scope.At("dense1"), nn.Flatten(h), 64))
	return nn.Dense(scope.At("logits"), h, 10)
}

// TrainDigitClassifier trains a DigitClassifier on train (28×28×1, labels 0..9) with Adam(1e-3) for the given
// epochs in batches of 50, each image shifted by a random −1..1 pixels along each axis (seeded), and measures it on
// test.
func TrainDigitClassifier(backend compute.Backend, train, test *data.Images, epochs int, seed uint64) (c *DigitClassifier, err error) {
	for _, im := range []*data.Images{train, test} {
		if im.H != ClassifierSide || im.W != ClassifierSide || im.C != 1 || len(im.Labels) != im.N {
			return nil, fmt.Errorf("TrainDigitClassifier: %s/%s is %d×%d×%d with %d labels for %d images, want 28×28×1 labelled",
				im.Name, im.Split, im.H, im.W, im.C, len(im.Labels), im.N)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("TrainDigitClassifier: %v", r)
		}
	}()
	const batch = 50
	scope := model.NewStore().RootScope()
	scope.SetParam(model.ParamInitialSeed, int64(seed))
	opt := optimizer.Adam().LearningRate(1e-3).Done()
	step, err := model.NewExec(backend, scope.Store(), func(scope *model.Scope, x, y *Node) *Node {
		g := x.Graph()
		scope.Store().SetTraining(g, true)
		logits := digitNet(scope.At("digits"), x)
		loss := Neg(ReduceAllMean(ReduceSum(Mul(LogSoftmax(logits, -1), OneHot(y, 10, logits.DType())), -1)))
		opt.UpdateGraph(scope.At("digits"), g, loss)
		return loss
	})
	if err != nil {
		return nil, err
	}
	pix := train.Scaled(-1, 1)
	size := train.ImageSize()
	rng := rand.New(rand.NewPCG(seed, 2))
	xb := make([]float32, batch*size)
	yb := make([]int32, batch)
	for range epochs {
		perm := rng.Perm(train.N)
		for s := 0; s+batch <= train.N; s += batch {
			for i := range batch {
				j := perm[s+i]
				shift(xb[i*size:(i+1)*size], pix[j*size:(j+1)*size], rng.IntN(3)-1, rng.IntN(3)-1)
				yb[i] = int32(train.Labels[j])
			}
			out, err := step.Call(tensors.FromFlatDataAndDimensions(xb, batch, 28, 28, 1), tensors.FromFlatDataAndDimensions(yb, batch))
			if err != nil {
				return nil, err
			}
			if l := tensors.ToScalar[float32](out[0]); math.IsNaN(float64(l)) {
				return nil, fmt.Errorf("TrainDigitClassifier: loss NaN")
			}
			out[0].FinalizeAll()
		}
	}
	c = &DigitClassifier{}
	c.exec, err = model.NewExec(backend, scope.Store(), func(scope *model.Scope, x *Node) *Node {
		return ArgMax(digitNet(scope.At("digits"), x), -1)
	})
	if err != nil {
		return nil, err
	}
	pred, err := c.Predict(test.Scaled(-1, 1), test.N)
	if err != nil {
		return nil, err
	}
	c.TestAccuracy = Agreement(pred, test.Labels)
	return c, nil
}

// shift writes src (28×28, background −1) moved by (dx, dy) pixels into dst.
func shift(dst, src []float32, dx, dy int) {
	for y := range 28 {
		for x := range 28 {
			sx, sy := x-dx, y-dy
			if sx < 0 || sy < 0 || sx >= 28 || sy >= 28 {
				dst[y*28+x] = -1
			} else {
				dst[y*28+x] = src[sy*28+sx]
			}
		}
	}
}

// Predict names the digit of n images (NHWC 28×28×1 in [-1, 1]).
func (c *DigitClassifier) Predict(images []float32, n int) (labels []int, err error) {
	if len(images) != n*784 {
		return nil, fmt.Errorf("DigitClassifier.Predict: %d values for %d images of 28×28", len(images), n)
	}
	const chunk = 500
	for s := 0; s < n; s += chunk {
		m := min(chunk, n-s)
		out, err := c.exec.Call(tensors.FromFlatDataAndDimensions(images[s*784:(s+m)*784], m, 28, 28, 1))
		if err != nil {
			return nil, err
		}
		for _, v := range tensors.MustCopyFlatData[int32](out[0]) {
			labels = append(labels, int(v))
		}
		out[0].FinalizeAll()
	}
	return labels, nil
}

// Agreement is the fraction of positions where a and b hold the same label.
func Agreement(a, b []int) float64 {
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	return float64(same) / float64(max(len(a), 1))
}

// CycleGANReport is what CycleGANMeasure finds: for each direction, how often the translation keeps the digit
// (the target domain's classifier against the source image's label), against two baselines, and the cycle's
// reconstruction error.
type CycleGANReport struct {
	NA, NB int // test images of A (MNIST) and B (sklearn-digits) measured
	// KeptAB: the B classifier names G(a) as a's label; KeptBA: the A classifier names F(b) as b's label.
	KeptAB, KeptBA float64
	// NoTransAB and NoTransBA are the "no translation" baselines: the target domain's classifier on the
	// untranslated source images. The "random" baseline is 1/10.
	NoTransAB, NoTransBA float64
	// OwnA, OwnB: each classifier on its own domain's test images (the ceiling).
	OwnA, OwnB float64
	// CycleA = mean |F(G(a)) − a| and CycleB = mean |G(F(b)) − b|, in pixel units of [0, 1].
	CycleA, CycleB float64
	// PairA and PairB are the mean |x − x'| between each test image and another random one of its domain: the
	// error a reconstruction would have if it kept nothing of its image.
	PairA, PairB float64
}

// Classify names the digits of n images; metrics.Classifier.Predict fits after dropping its probabilities.
type Classify func(images []float32, n int) ([]int, error)

// CycleGANMeasure translates the test images a (MNIST) and b (sklearn-digits), both in [0, 1] with labels, with
// the run's G and F, classifies the translations with the other domain's classifier (clfA names MNIST digits,
// clfB sklearn digits), and measures the cycle reconstruction error. Pairs for PairA/PairB are drawn with seed.
func CycleGANMeasure(tr *gan.Trainer, a, b *data.Images, clfA, clfB Classify, seed uint64) (*CycleGANReport, error) {
	r := &CycleGANReport{NA: a.N, NB: b.N}
	xa, xb := a.Scaled(-1, 1), b.Scaled(-1, 1)
	ga, err := cyclegan.Translate(tr, cyclegan.AB, xa)
	if err != nil {
		return nil, err
	}
	fb, err := cyclegan.Translate(tr, cyclegan.BA, xb)
	if err != nil {
		return nil, err
	}
	fga, err := cyclegan.Translate(tr, cyclegan.BA, ga)
	if err != nil {
		return nil, err
	}
	gfb, err := cyclegan.Translate(tr, cyclegan.AB, fb)
	if err != nil {
		return nil, err
	}
	acc := func(clf Classify, x []float32, n int, labels []int) (float64, error) {
		p, err := clf(x, n)
		if err != nil {
			return 0, err
		}
		return Agreement(p, labels), nil
	}
	for _, m := range []struct {
		dst    *float64
		clf    Classify
		x      []float32
		n      int
		labels []int
	}{
		{&r.KeptAB, clfB, ga, a.N, a.Labels}, {&r.KeptBA, clfA, fb, b.N, b.Labels},
		{&r.NoTransAB, clfB, xa, a.N, a.Labels}, {&r.NoTransBA, clfA, xb, b.N, b.Labels},
		{&r.OwnA, clfA, xa, a.N, a.Labels}, {&r.OwnB, clfB, xb, b.N, b.Labels},
	} {
		if *m.dst, err = acc(m.clf, m.x, m.n, m.labels); err != nil {
			return nil, err
		}
	}
	r.CycleA, r.CycleB = meanAbs(fga, xa)/2, meanAbs(gfb, xb)/2
	rng := rand.New(rand.NewPCG(seed, 0xC7C))
	pair := func(x []float32, n int) float64 {
		size := len(x) / n
		y := make([]float32, len(x))
		for i := range n {
			j := (i + 1 + rng.IntN(n-1)) % n
			copy(y[i*size:(i+1)*size], x[j*size:(j+1)*size])
		}
		return meanAbs(x, y) / 2
	}
	r.PairA, r.PairB = pair(xa, a.N), pair(xb, b.N)
	return r, nil
}

func meanAbs(x, y []float32) float64 {
	var s float64
	for i := range x {
		s += math.Abs(float64(x[i] - y[i]))
	}
	return s / float64(max(len(x), 1))
}

// CycleGANGrid returns the images of the translation grid, n columns per row, NHWC in [-1, 1]: rows a, G(a),
// F(G(a)) for the first n images of a, then b, F(b), G(F(b)) for the first n of b (a and b in [0, 1]).
func CycleGANGrid(tr *gan.Trainer, a, b *data.Images, n int) ([]float32, error) {
	if n > a.N || n > b.N {
		return nil, fmt.Errorf("CycleGANGrid: %d columns, but A has %d images and B %d", n, a.N, b.N)
	}
	size := a.ImageSize()
	xa := a.Scaled(-1, 1)[:n*size]
	xb := b.Scaled(-1, 1)[:n*size]
	var out []float32
	for _, row := range []struct {
		x    []float32
		dirs []string
	}{{xa, []string{cyclegan.AB, cyclegan.BA}}, {xb, []string{cyclegan.BA, cyclegan.AB}}} {
		out = append(out, row.x...)
		x := row.x
		for _, dir := range row.dirs {
			y, err := cyclegan.Translate(tr, dir, x)
			if err != nil {
				return nil, err
			}
			out = append(out, y...)
			x = y
		}
	}
	return out, nil
}

// StretchCentre returns im's images (single-channel) cropped to their central box×box pixels and resized back to
// H×W bilinearly (data.Bilinear): MNIST's 20×20 digit box made to fill the frame as sklearn-digits' digits did
// before they were framed as MNIST's (the diagnostic of docs/family2.md's first CycleGAN run).
func StretchCentre(im *data.Images, box int) *data.Images {
	out := *im
	off := (im.H - box) / 2
	out.Pixels = make([]float32, 0, len(im.Pixels))
	crop := make([]float32, box*box)
	for i := range im.N {
		src := im.Image(i)
		for y := range box {
			copy(crop[y*box:(y+1)*box], src[(off+y)*im.W+off:])
		}
		out.Pixels = append(out.Pixels, data.Bilinear(crop, box, box, im.H, im.W)...)
	}
	return &out
}
