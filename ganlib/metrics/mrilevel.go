package metrics

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"golang.org/x/image/draw"

	"github.com/ganlab/ganlab/ganlib/nn"
)

// The MRI level network: a feature network for brain-MRI slices, trained on the slices themselves with a label
// that comes free, each slice's level in its head (data.MRISlice.Level: 0 at the lowest slice that cuts the
// cerebrum, 1 at the highest, outside [0, 1] for the skull base, neck and vertex caps). To tell the level the
// network must see anatomy: the orbits and cerebellum low, the ventricles in the middle, small gyri-filled ovals at
// the top. Its penultimate layer is the feature space of the MRI measures (KID, precision and recall), as the
// domain classifiers' are for MNIST:
//
//	64×64×1 in [-1, 1]
//	Conv2D(16, 5, stride 2) → LeakyReLU(0.2) → 32×32×16
//	Conv2D(32, 5, stride 2) → LeakyReLU(0.2) → 16×16×32
//	Conv2D(64, 5, stride 2) → LeakyReLU(0.2) → 8×8×64
//	Conv2D(64, 3, stride 2) → LeakyReLU(0.2) → 4×4×64
//	Flatten → Dense(MRIFeatureDim) → LeakyReLU(0.2)   (the features)
//	Dense(1)                                          (the level)
//
// Trained with Adam (1e-3) on the mean squared error of the level, batches of mriBatch, each slice at random zoomed
// by 0.8 to 1.25, shifted by up to 4 pixels, flipped left-right (a head's two halves are alike) and made 0.7 to
// 1.3 times as bright: the heads differ in size, field of view and contrast, and the level must not depend on
// these.
const (
	// MRINetSide is the side of the network's input: images of other sizes are resized to it (Catmull-Rom).
	MRINetSide    = 64
	MRIFeatureDim = 64
	mriNetScope   = "mri_level"
	mriBatch      = 32
	mriShift      = 4    // pixels
	mriZoom       = 1.25 // zoom factors from 1/1.25 to 1.25
	mriGain       = 0.3  // brightness factors from 0.7 to 1.3
)

// MRILevelNet is a trained MRI level network.
type MRILevelNet struct {
	// HeldOut names the volumes left out of training; HeldOutMAE is the mean absolute error of the predicted
	// level on their slices, BaselineMAE that of predicting the training slices' mean level for every one of them,
	// TrainMAE the error on the training slices.
	HeldOut                           []string
	HeldOutMAE, BaselineMAE, TrainMAE float64
	// NTrain and NHeldOut count the slices.
	NTrain, NHeldOut int
	Steps            int
	TrainSeconds     float64

	mu    sync.Mutex
	scope *model.Scope
	exec  *model.Exec
}

// mriNetModel builds the network on x [B, 64, 64, 1]: the level [B] and the features [B, MRIFeatureDim].
func mriNetModel(scope *model.Scope, x *graph.Node) (level, feats *graph.Node) {
	scope = scope.At(mriNetScope)
	h := x
	for i, c := range []struct{ filters, kernel int }{{16, 5}, {32, 5}, {64, 5}, {64, 3}} {
		h = nn.LeakyReLU(nn.Conv2D(scope.At("conv%d", i+1), h, c.filters, c.kernel, 2, nn.Same), 0.2)
	}
	feats = nn.LeakyReLU(nn.Dense(scope.At("features"), nn.Flatten(h), MRIFeatureDim), 0.2)
	level = graph.Reshape(nn.Dense(scope.At("level"), feats, 1), -1)
	return level, feats
}

// TrainMRILevelNet trains the level network on n images (side×side×1, pixels in [0, 1]) with their levels and
// volume names, leaving out the slices of the volumes named in heldOut (at least one volume must remain on each
// side), for steps steps from seed, and measures its error on the held-out volumes.
func TrainMRILevelNet(backend compute.Backend, images []float32, n, side int, levels []float64, volumes, heldOut []string, steps int, seed uint64, logf func(string, ...any)) (net *MRILevelNet, err error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if n < 2 || len(images) != n*side*side || len(levels) != n || len(volumes) != n || steps < 1 {
		return nil, fmt.Errorf("metrics.TrainMRILevelNet: %d values, %d levels, %d volume names for %d images of %d×%d, %d steps", len(images), len(levels), len(volumes), n, side, side, steps)
	}
	x, err := resizeSquare(images, n, side, MRINetSide)
	if err != nil {
		return nil, err
	}
	size := MRINetSide * MRINetSide
	for i := range x {
		x[i] = 2*x[i] - 1
	}
	var trainIdx, testIdx []int
	for i, v := range volumes {
		if slices.Contains(heldOut, v) {
			testIdx = append(testIdx, i)
		} else {
			trainIdx = append(trainIdx, i)
		}
	}
	if len(trainIdx) < 2 || len(testIdx) < 1 {
		return nil, fmt.Errorf("metrics.TrainMRILevelNet: holding out %v leaves %d training and %d held-out slices", heldOut, len(trainIdx), len(testIdx))
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("metrics: training the MRI level network: %v", r)
		}
	}()
	start := time.Now()
	scope := model.NewStore().RootScope()
	if err := scope.Store().SetRNGStateFromSeed(int64(seed)); err != nil {
		return nil, err
	}
	opt := optimizer.Adam().LearningRate(1e-3).Done()
	step, err := model.NewExec(backend, scope.Store(), func(scope *model.Scope, xb, yb *graph.Node) *graph.Node {
		g := xb.Graph()
		scope.Store().SetTraining(g, true)
		pred, _ := mriNetModel(scope, xb)
		loss := graph.ReduceAllMean(graph.Square(graph.Sub(pred, yb)))
		opt.UpdateGraph(scope.At(mriNetScope), g, loss)
		return loss
	})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x1E7E1))
	xb := make([]float32, mriBatch*size)
	yb := make([]float32, mriBatch)
	var recent float64
	for s := range steps {
		for i := range mriBatch {
			j := trainIdx[rng.IntN(len(trainIdx))]
			zoom := math.Exp((2*rng.Float64() - 1) * math.Log(mriZoom))
			jitter(xb[i*size:(i+1)*size], x[j*size:(j+1)*size], MRINetSide, zoom, (2*rng.Float64()-1)*mriShift,
				(2*rng.Float64()-1)*mriShift, rng.IntN(2) == 1, float32(1+(2*rng.Float64()-1)*mriGain))
			yb[i] = float32(levels[j])
		}
		out, err := step.Call(tensors.FromFlatDataAndDimensions(xb, mriBatch, MRINetSide, MRINetSide, 1), tensors.FromFlatDataAndDimensions(yb, mriBatch))
		if err != nil {
			return nil, err
		}
		loss := float64(tensors.ToScalar[float32](out[0]))
		out[0].FinalizeAll()
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, fmt.Errorf("metrics: MRI level network loss is %v at step %d", loss, s+1)
		}
		recent = 0.98*recent + 0.02*loss
		if (s+1)%100 == 0 {
			logf("metrics: MRI level network step %d/%d: loss (moving mean) %.4f (%.0f s)", s+1, steps, recent/(1-math.Pow(0.98, float64(s+1))), time.Since(start).Seconds())
		}
	}
	step.Finalize()
	net = &MRILevelNet{HeldOut: slices.Clone(heldOut), Steps: steps, scope: scope, NTrain: len(trainIdx), NHeldOut: len(testIdx)}
	net.exec, err = model.NewExec(backend, scope.Store(), func(scope *model.Scope, xb *graph.Node) []*graph.Node {
		scope.Store().SetTraining(xb.Graph(), false)
		level, feats := mriNetModel(scope, xb)
		return []*graph.Node{level, feats}
	})
	if err != nil {
		return nil, err
	}
	pred, _, err := net.run(x, n)
	if err != nil {
		return nil, err
	}
	var mean float64
	for _, i := range trainIdx {
		mean += levels[i]
	}
	mean /= float64(len(trainIdx))
	mae := func(idx []int, f func(i int) float64) float64 {
		var s float64
		for _, i := range idx {
			s += math.Abs(f(i) - levels[i])
		}
		return s / float64(len(idx))
	}
	net.HeldOutMAE = mae(testIdx, func(i int) float64 { return float64(pred[i]) })
	net.TrainMAE = mae(trainIdx, func(i int) float64 { return float64(pred[i]) })
	net.BaselineMAE = mae(testIdx, func(int) float64 { return mean })
	net.TrainSeconds = time.Since(start).Seconds()
	logf("metrics: MRI level network: %s", net)
	return net, nil
}

func (m *MRILevelNet) String() string {
	return fmt.Sprintf("level error (mean absolute) %.3f on %d held-out slices of %v (predicting the mean: %.3f), %.3f on its %d training slices; %d steps, %.0f s",
		m.HeldOutMAE, m.NHeldOut, m.HeldOut, m.BaselineMAE, m.TrainMAE, m.NTrain, m.Steps, m.TrainSeconds)
}

// jitter writes src (side×side, values in [-1, 1], background -1) into dst zoomed by zoom about the centre,
// shifted by (dx, dy) pixels, flipped left-right when flip, and with its brightness above the background
// multiplied by gain (bilinear sampling; outside the image is background).
func jitter(dst, src []float32, side int, zoom, dx, dy float64, flip bool, gain float32) {
	c := float64(side-1) / 2
	at := func(x, y int) float32 {
		if x < 0 || x >= side || y < 0 || y >= side {
			return -1
		}
		return src[y*side+x]
	}
	for y := range side {
		for x := range side {
			fx := (float64(x)-dx-c)/zoom + c
			fy := (float64(y)-dy-c)/zoom + c
			if flip {
				fx = float64(side-1) - fx
			}
			x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
			ax, ay := float32(fx-float64(x0)), float32(fy-float64(y0))
			v := (1-ay)*((1-ax)*at(x0, y0)+ax*at(x0+1, y0)) + ay*((1-ax)*at(x0, y0+1)+ax*at(x0+1, y0+1))
			dst[y*side+x] = min(1, (v+1)*gain-1)
		}
	}
}

// run evaluates n images (64×64 in [-1, 1]) in batches of mriBatch: levels and features.
func (m *MRILevelNet) run(x []float32, n int) (levels, feats []float32, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("metrics: MRI level network: %v", r)
		}
	}()
	size := MRINetSide * MRINetSide
	levels = make([]float32, n)
	feats = make([]float32, n*MRIFeatureDim)
	buf := make([]float32, mriBatch*size)
	for lo := 0; lo < n; lo += mriBatch {
		hi := min(lo+mriBatch, n)
		clear(buf)
		copy(buf, x[lo*size:hi*size])
		out, err := m.exec.Call(tensors.FromFlatDataAndDimensions(buf, mriBatch, MRINetSide, MRINetSide, 1))
		if err != nil {
			return nil, nil, err
		}
		l, f := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
		for _, t := range out {
			t.FinalizeAll()
		}
		copy(levels[lo:hi], l[:hi-lo])
		copy(feats[lo*MRIFeatureDim:], f[:(hi-lo)*MRIFeatureDim])
	}
	return levels, feats, nil
}

// Analyze returns the predicted level and the features (n×MRIFeatureDim) of n side×side×1 images with pixels in
// [0, 1], resized to 64×64 first.
func (m *MRILevelNet) Analyze(images []float32, n, side int) (levels, feats []float32, err error) {
	x, err := resizeSquare(images, n, side, MRINetSide)
	if err != nil {
		return nil, nil, err
	}
	for i := range x {
		x[i] = 2*x[i] - 1
	}
	return m.run(x, n)
}

// resizeSquare resizes n side×side single-channel images (pixels in [0, 1]) to to×to with Catmull-Rom, as
// data.LoadFolder resizes (a copy when the size is already to).
func resizeSquare(images []float32, n, side, to int) ([]float32, error) {
	if n < 1 || side < 1 || len(images) != n*side*side {
		return nil, fmt.Errorf("metrics: want %d images of %d×%d (%d values), got %d values", n, side, side, n*side*side, len(images))
	}
	if side == to {
		return slices.Clone(images), nil
	}
	out := make([]float32, n*to*to)
	src := image.NewGray16(image.Rect(0, 0, side, side))
	dst := image.NewGray16(image.Rect(0, 0, to, to))
	for i := range n {
		for k, v := range images[i*side*side : (i+1)*side*side] {
			u := uint16(min(1, max(0, v))*65535 + 0.5)
			src.Pix[2*k], src.Pix[2*k+1] = uint8(u>>8), uint8(u)
		}
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		for k := range to * to {
			out[i*to*to+k] = float32(uint16(dst.Pix[2*k])<<8|uint16(dst.Pix[2*k+1])) / 65535
		}
	}
	return out, nil
}
