package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

func TestDropout(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		const n, rate = 20000, 0.4
		ones := make([]float64, n)
		for i := range ones {
			ones[i] = 1
		}
		x := tensors.FromFlatDataAndDimensions(ones, 100, n/100)
		run := func(training bool) (y, grad []float64) {
			scope := model.NewStore().RootScope()
			scope.SetParam(model.ParamInitialSeed, int64(3))
			out := model.MustCallOnceN(b, scope.Store(), func(scope *model.Scope, x *graph.Node) []*graph.Node {
				scope.Store().SetTraining(x.Graph(), training)
				y := Dropout(scope, x, rate)
				return []*graph.Node{y, graph.Gradient(graph.ReduceAllSum(y), x)[0]}
			}, x)
			return flat(out[0]), flat(out[1])
		}
		y, grad := run(false)
		for i := range y {
			if y[i] != 1 || grad[i] != 1 {
				t.Fatalf("inference: Dropout changed x[%d]: y=%g, dy/dx=%g, want 1, 1", i, y[i], grad[i])
			}
		}
		y, grad = run(true)
		zeros := 0
		for i := range y {
			switch {
			case y[i] == 0:
				zeros++
				if grad[i] != 0 {
					t.Fatalf("training: dropped x[%d] has gradient %g", i, grad[i])
				}
			case math.Abs(y[i]-1/(1-rate)) > 1e-12 || math.Abs(grad[i]-1/(1-rate)) > 1e-12:
				t.Fatalf("training: kept x[%d]: y=%g, dy/dx=%g, want %g", i, y[i], grad[i], 1/(1-rate))
			}
		}
		// 20000 Bernoulli(0.4) draws: std of the fraction is 0.0035.
		if frac := float64(zeros) / n; math.Abs(frac-rate) > 0.02 {
			t.Errorf("training: fraction zeroed %.4f, want %.2f ± 0.02", frac, rate)
		}
	})
}

func TestBatchNorm(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		// 11,000·2·3 = 66,000 values: above spread's 64 Ki, where the pure-Go backend spreads by products.
		for _, batch := range []int{16, 11000} {
			t.Run(fmt.Sprint(batch), func(t *testing.T) { testBatchNorm(t, b, batch) })
		}
	})
}

func testBatchNorm(t *testing.T, b compute.Backend, batch int) {
	rng := rand.New(rand.NewPCG(2, 2))
	const c = 3
	data := make([]float64, batch*2*c)
	for i := range data {
		data[i] = 3 + 2*rng.NormFloat64() + float64(i%c)
	}
	x := tensors.FromFlatDataAndDimensions(data, batch, 2, c)
	scope := model.NewStore().RootScope()
	exec := func(training bool) []float64 {
		return flat(model.MustCallOnce(b, scope.Store(), func(scope *model.Scope, x *graph.Node) *graph.Node {
			scope.Store().SetTraining(x.Graph(), training)
			return BatchNorm(scope, x)
		}, x))
	}
	// Batch statistics, per channel.
	mean, variance := make([]float64, c), make([]float64, c)
	for i, v := range data {
		mean[i%c] += v / float64(batch*2)
	}
	for i, v := range data {
		variance[i%c] += (v - mean[i%c]) * (v - mean[i%c]) / float64(batch*2)
	}
	y := exec(true)
	for i, v := range data {
		want := (v - mean[i%c]) / math.Sqrt(variance[i%c]+BatchNormEpsilon)
		if math.Abs(y[i]-want) > 1e-9 {
			t.Fatalf("training: y[%d]=%g, want %g", i, y[i], want)
		}
	}
	mm := flat(scope.Store().GetVariable(model.JoinPath("/", "moving_mean")).MustValue())
	mv := flat(scope.Store().GetVariable(model.JoinPath("/", "moving_variance")).MustValue())
	for ch := range c {
		if wantM, wantV := 0.01*mean[ch], 0.99+0.01*variance[ch]; math.Abs(mm[ch]-wantM) > 1e-12 || math.Abs(mv[ch]-wantV) > 1e-12 {
			t.Fatalf("moving stats of channel %d: mean %g variance %g, want %g %g", ch, mm[ch], mv[ch], wantM, wantV)
		}
	}
	y = exec(false)
	for i, v := range data {
		want := (v - mm[i%c]) / math.Sqrt(mv[i%c]+BatchNormEpsilon)
		if math.Abs(y[i]-want) > 1e-9 {
			t.Fatalf("inference: y[%d]=%g, want %g (moving statistics)", i, y[i], want)
		}
	}
	// Gradients in training mode (input, gamma, beta).
	o := defaultGradOpts()
	o.training = true
	requireGrads(t, b, projected(func(scope *model.Scope, x *graph.Node) *graph.Node {
		return BatchNorm(scope, x)
	}), randTensor(rng, 4, 3, c), o)
}
