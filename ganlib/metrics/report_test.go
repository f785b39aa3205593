package metrics

import (
	"math"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// tinyGAN is a small MLP GAN making h×w×1 images (models/vanilla imports this package, so tests cannot use it).
func tinyGAN(h, w int) gan.Variant {
	return gan.Variant{
		Name: "tiny", Prior: gan.Prior{LatentDim: 8}, Height: h, Width: w, Channels: 1,
		Generator: func(scope *model.Scope, z *graph.Node, _ gan.Cond) *graph.Node {
			x := nn.LeakyReLU(nn.Dense(scope.At("h"), z, 32), 0.2)
			return nn.Reshape(graph.Tanh(nn.Dense(scope.At("out"), x, h*w)), h, w, 1)
		},
		Discriminator: func(scope *model.Scope, x *graph.Node, _ gan.Cond) (*graph.Node, gan.Cond) {
			return nn.Dense(scope.At("out"), nn.LeakyReLU(nn.Dense(scope.At("h"), nn.Flatten(x), 32), 0.2), 1), nil
		},
	}
}

// TestEvaluateReferenceSets scores the reference sets, whose answer is known, with the shipped MNIST classifier.
func TestEvaluateReferenceSets(t *testing.T) {
	c, test := requireClassifier(t, "mnist")
	train := requireData(t, "mnist", "train")
	reports := referenceReports(t, backendtest.XLA(t), c, train, test)
	checkReferenceReports(t, reports)
	if s := reports[0].String(); !strings.Contains(s, "floor") || !strings.Contains(s, "entropy") || !strings.Contains(reports[0].HTML(), "<table") {
		t.Errorf("report text:\n%s", s)
	}
}

// referenceReports evaluates c on ReferenceSets(train) against the test set.
func referenceReports(t *testing.T, b compute.Backend, c *Classifier, train, test *data.Images) []Report {
	t.Helper()
	rs, err := AnalyzeReal(c, test.Scaled(-1, 1), test.N)
	if err != nil {
		t.Fatal(err)
	}
	sets := ReferenceSets(train)
	reports, err := scoreSets(b, c, rs, sets)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range reports {
		t.Logf("%-9s %s", sets[i].Name, r.Line())
	}
	return reports
}

// checkReferenceReports checks the sanity properties of an MNIST classifier's scores on the reference sets, with
// a margin over what 5 training seeds gave (docs/metrics.md; e.g. noise's precision 0.002–0.021 and density
// 0.001–0.007 against a bound of 0.05, train precision 0.849–0.860 against 0.7):
// train images score like the test set (FD near the floor, precision and recall high, classes even); a set of ones
// is collapsed (entropy near 0, recall and coverage low); noise is far from the data (FD huge, precision, recall,
// density and coverage near 0).
func checkReferenceReports(t *testing.T, reports []Report) {
	t.Helper()
	r, r1, rn := reports[0], reports[1], reports[2]
	if r.FD > 1.5*r.FDFloor+0.5 || r.Precision < 0.7 || r.Recall < 0.7 || r.Entropy < 0.99*math.Log(10) ||
		math.Abs(r.Score-r.RealScore) > 0.5 || r.RealScore < 9 {
		t.Errorf("train images should score like the test set: %s", r.Line())
	}
	if r1.Histogram[1] < r1.N*99/100 || r1.Entropy > 0.1 || r1.Recall > 0.3 || r1.Coverage > 0.3 || r1.Score > 1.2 || r1.FD < 20*r.FD {
		t.Errorf("a set of ones should be collapsed: %s, histogram %v", r1.Line(), r1.Histogram)
	}
	if rn.Precision > 0.05 || rn.Recall > 0.01 || rn.Density > 0.05 || rn.Coverage > 0.01 || rn.FD < 20*r.FD || rn.Score > 2 {
		t.Errorf("noise should be far from the data: %s", rn.Line())
	}
}

// TestCallback: reports every 2 steps during Train, on the same noise each time.
func TestCallback(t *testing.T) {
	c, test := requireClassifier(t, "mnist")
	b := backendtest.XLA(t)
	tr, err := gan.New(b, tinyGAN(28, 28), gan.Config{Seed: 3, Settings: gan.Settings{gan.SettingBatchSize: 16}})
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
	other, err := gan.New(b, tinyGAN(32, 32), gan.Config{Seed: 3, Settings: gan.Settings{gan.SettingBatchSize: 4}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Callback(c, nil, 0, 1, 10, nil)(other, gan.Record{Step: 1}); err == nil || !strings.Contains(err.Error(), "28×28×1") {
		t.Errorf("a 32×32 generator: error %v", err)
	}
}
