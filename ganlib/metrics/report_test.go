package metrics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// tinyGAN is a small MLP GAN making h×w×1 images (models/vanilla imports this package, so tests cannot use it).
func tinyGAN(h, w int) gan.Variant {
	return gan.Variant{
		Name: "tiny", LatentDim: 8, Height: h, Width: w, Channels: 1,
		Generator: func(ctx *context.Context, z *graph.Node) *graph.Node {
			x := nn.LeakyReLU(nn.Dense(ctx.In("h"), z, 32), 0.2)
			return nn.Reshape(graph.Tanh(nn.Dense(ctx.In("out"), x, h*w)), h, w, 1)
		},
		Discriminator: func(ctx *context.Context, x *graph.Node) *graph.Node {
			return nn.Dense(ctx.In("out"), nn.LeakyReLU(nn.Dense(ctx.In("h"), nn.Flatten(x), 32), 0.2), 1)
		},
	}
}

// TestEvaluateReferenceSets scores sets whose answer is known, with the real MNIST classifier: real train images
// (FD at the floor, precision and recall high, classes even), one class only (entropy 0, recall low), and noise
// (FD huge, precision 0).
func TestEvaluateReferenceSets(t *testing.T) {
	c, test := requireClassifier(t, "mnist")
	train, err := data.Load("mnist", "train", data.Offline())
	if err != nil {
		t.Fatal(err)
	}
	b := backendtest.XLA(t)
	const n = 2000
	idx := rand.New(rand.NewPCG(1, 1)).Perm(train.N)[:n]
	real := train.Gather(idx, -1, 1, nil)
	testPx := test.Scaled(-1, 1)
	rs, err := AnalyzeReal(c, testPx, test.N)
	if err != nil {
		t.Fatal(err)
	}
	r, err := EvaluateAgainst(b, c, rs, real, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("train images:\n%s", r)
	if r.FD > 1.5*r.FDFloor+0.5 || r.Precision < 0.7 || r.Recall < 0.7 || r.Entropy < 0.99*math.Log(10) ||
		math.Abs(r.Score-r.RealScore) > 0.5 || r.RealScore < 9 {
		t.Errorf("train images should score like the test set: %s", r.Line())
	}
	// Only the digit 1.
	var ones []int
	for i, l := range train.Labels {
		if l == 1 && len(ones) < n {
			ones = append(ones, i)
		}
	}
	r1, err := EvaluateAgainst(b, c, rs, train.Gather(ones, -1, 1, nil), len(ones))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("only ones: %s", r1.Line())
	if r1.Histogram[1] < len(ones)*99/100 || r1.Entropy > 0.1 || r1.Recall > 0.3 || r1.Coverage > 0.3 || r1.Score > 1.2 || r1.FD < 20*r.FD {
		t.Errorf("a set of ones should be collapsed: %s, histogram %v", r1.Line(), r1.Histogram)
	}
	// Uniform noise in [-1, 1].
	rng := rand.New(rand.NewPCG(2, 2))
	noise := make([]float32, n*28*28)
	for i := range noise {
		noise[i] = float32(2*rng.Float64() - 1)
	}
	rn, err := EvaluateAgainst(b, c, rs, noise, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("noise: %s", rn.Line())
	// Precision is not 0: the k-NN balls of outlying real images are large (measured 0.15); recall is 0.
	if rn.Precision > 0.3 || rn.Recall > 0.01 || rn.Density > 0.2 || rn.Coverage > 0.01 || rn.FD < 20*r.FD || rn.Score > 2 {
		t.Errorf("noise should be far from the data: %s", rn.Line())
	}
	if s := r.String(); !strings.Contains(s, "floor") || !strings.Contains(s, "entropy") || !strings.Contains(r.HTML(), "<table") {
		t.Errorf("report text:\n%s", s)
	}
}

// TestCallback: reports every 2 steps during Train, on the same noise each time.
func TestCallback(t *testing.T) {
	c, test := requireClassifier(t, "mnist")
	b := backendtest.XLA(t)
	tr, err := gan.New(b, tinyGAN(28, 28), gan.Config{BatchSize: 16, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetData(test.Pixels, test.N, 28, 28, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	var steps []int
	var reports []Report
	cb := Callback(c, test.Scaled(-1, 1)[:2000*784], 2000, 2, 500, func(step int, r Report) {
		steps = append(steps, step)
		reports = append(reports, r)
		t.Logf("step %d: %s", step, r.Line())
	})
	if err := tr.Train(4, cb); err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0] != 2 || steps[1] != 4 {
		t.Fatalf("callback reported at steps %v, want [2 4]", steps)
	}
	for _, r := range reports {
		if r.N != 500 || r.NReal != 2000 || r.FD <= r.FDFloor || math.IsNaN(r.FD) || r.FDFloor != c.FDFloorAt(500) {
			t.Errorf("report %+v", r)
		}
	}
	// A variant of another size is refused with a clear error (before it samples anything).
	other, err := gan.New(b, tinyGAN(32, 32), gan.Config{BatchSize: 4, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := Callback(c, nil, 0, 1, 10, nil)(other, gan.Record{Step: 1}); err == nil || !strings.Contains(err.Error(), "28×28×1") {
		t.Errorf("a 32×32 generator: error %v", err)
	}
}
