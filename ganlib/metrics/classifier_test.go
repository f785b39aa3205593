package metrics

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
)

// requireClassifier returns the shipped classifier for dataset on XLA, with the dataset's test split. Its data
// must be present: skipped when absent unless GANLAB_REQUIRE_DATA=1 (as make test sets).
//
// The classifiers and their XLA backend are shared by the tests of the package.
func requireClassifier(t *testing.T, dataset string) (*Classifier, *data.Images) {
	t.Helper()
	backendtest.XLA(t) // skips (or fails) the test without a PJRT plugin
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.backend == nil {
		b, err := backend.NewCPU()
		if err != nil {
			t.Fatal(err)
		}
		shared.backend = b
		shared.classifiers = map[string]*Classifier{}
		shared.tests = map[string]*data.Images{}
	}
	if c := shared.classifiers[dataset]; c != nil {
		return c, shared.tests[dataset]
	}
	test := requireData(t, dataset, "test")
	c, err := LoadClassifier(shared.backend, dataset)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s classifier %s (seed %d): test accuracy %.2f%%, FD floor %.3f", dataset, c.Path, c.Seed,
		100*c.TestAccuracy(), c.FDFloor())
	shared.classifiers[dataset], shared.tests[dataset] = c, test
	return c, test
}

// requireData loads a split of dataset: skipped when absent unless GANLAB_REQUIRE_DATA=1.
func requireData(t *testing.T, dataset, split string) *data.Images {
	t.Helper()
	var opts []data.Option
	if os.Getenv("GANLAB_REQUIRE_DATA") != "1" {
		opts = append(opts, data.Offline())
	}
	im, err := data.Load(dataset, split, opts...)
	if err != nil {
		if os.Getenv("GANLAB_REQUIRE_DATA") == "1" {
			t.Fatal(err)
		}
		t.Skipf("%s absent (set GANLAB_REQUIRE_DATA=1 to fail instead): %v", dataset, err)
	}
	return im
}

var shared struct {
	mu          sync.Mutex
	backend     compute.Backend
	classifiers map[string]*Classifier
	tests       map[string]*data.Images
}

func TestClassifierAccuracy(t *testing.T) {
	for _, tc := range []struct {
		dataset string
		min     float64
	}{{"mnist", 0.99}, {"fashion-mnist", 0.90}} {
		t.Run(tc.dataset, func(t *testing.T) {
			c, test := requireClassifier(t, tc.dataset)
			if c.TestAccuracy() < tc.min {
				t.Errorf("stored test accuracy %.4f < %.2f", c.TestAccuracy(), tc.min)
			}
			// Re-measure on the test set through Predict: it must agree with the stored number.
			labels, probs, err := c.Predict(test.Scaled(-1, 1), test.N)
			if err != nil {
				t.Fatal(err)
			}
			correct := 0
			for i, l := range labels {
				if l == test.Labels[i] {
					correct++
				}
				var sum float64
				best := 0
				for k := range 10 {
					p := probs[i*10+k]
					sum += float64(p)
					if p > probs[i*10+best] {
						best = k
					}
				}
				if sum < 0.999 || sum > 1.001 || best != l {
					t.Fatalf("image %d: probabilities sum to %g, argmax %d, label %d", i, sum, best, l)
				}
			}
			acc := float64(correct) / float64(test.N)
			// Another CPU's arithmetic may tip an image or two lying on a class boundary.
			if math.Abs(acc-c.TestAccuracy()) > 0.001 {
				t.Errorf("Predict gives accuracy %.4f, the classifier file says %.4f", acc, c.TestAccuracy())
			}
			feats, err := c.Features(test.Scaled(-1, 1)[:100*784], 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(feats) != 100*c.FeatureDim() {
				t.Fatalf("Features: %d values, want %d", len(feats), 100*c.FeatureDim())
			}
			var nonzero int
			for _, f := range feats {
				if f < 0 {
					t.Fatalf("feature %g < 0 after ReLU", f)
				}
				if f > 0 {
					nonzero++
				}
			}
			if nonzero < len(feats)/20 {
				t.Errorf("only %d of %d features are non-zero", nonzero, len(feats))
			}
			// The floor is small but not zero; the FD of test images with themselves is 0.
			if c.FDFloor() <= 0 || c.FDFloor() > 10 {
				t.Errorf("FD floor %g out of the plausible range (0, 10]", c.FDFloor())
			}
		})
	}
}

// TestClassifierFileCorrupt: a damaged classifier file is reported by name, never a crash.
func TestClassifierFileCorrupt(t *testing.T) {
	b := backendtest.XLA(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "mnist.bin")
	good, err := shippedClassifiers.ReadFile("classifiers/mnist.bin")
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-10] ^= 1
	for name, content := range map[string][]byte{
		"empty":     {},
		"garbage":   []byte("hello world, this is not a classifier at all, just some text of sufficient length"),
		"truncated": append([]byte(cacheMagic+"\n\x03\x00\x00\x00"), make([]byte, 40)...),
		"flipped":   flipped,
		"old":       append([]byte(cacheMagic+"\n\x02\x00\x00\x00"), good[len(cacheMagic)+5:]...),
	} {
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadClassifierFile(b, path, "mnist")
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v does not name %s", name, err, path)
		}
	}
	if _, err := LoadClassifierFile(b, filepath.Join(dir, "absent.bin"), "mnist"); err == nil || !strings.Contains(err.Error(), "absent.bin") {
		t.Errorf("absent file: error %v", err)
	}
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadClassifierFile(b, path, "fashion-mnist"); err == nil || !strings.Contains(err.Error(), `"mnist"`) {
		t.Errorf("mnist's file loaded as fashion-mnist's: error %v", err)
	}
	if _, err := LoadClassifier(b, "cifar"); err == nil || !strings.Contains(err.Error(), "cifar") {
		t.Errorf("unknown dataset: error %v", err)
	}
}

// TestClassifierShipped: each shipped file matches its pinned SHA-256, and saving the loaded classifier writes the
// same bytes again (nothing is lost between the file and the Classifier).
func TestClassifierShipped(t *testing.T) {
	b := backendtest.XLA(t)
	for _, dataset := range ClassifierDatasets {
		c, err := LoadClassifier(b, dataset)
		if err != nil {
			t.Fatal(err)
		}
		if c.SHA256 != shippedSHA256[dataset] || c.Seed != ClassifierSeed || len(c.References()) != 3 {
			t.Errorf("%s: SHA-256 %s (pinned %s), seed %d, %d references", dataset, c.SHA256, shippedSHA256[dataset], c.Seed, len(c.References()))
		}
		path := filepath.Join(t.TempDir(), dataset+".bin")
		if err := c.Save(path); err != nil {
			t.Fatal(err)
		}
		if c.SHA256 != shippedSHA256[dataset] {
			t.Errorf("%s: saved again, SHA-256 %s, want the shipped %s", dataset, c.SHA256, shippedSHA256[dataset])
		}
	}
}

// TestClassifierReferences: the shipped classifiers give, on this machine, the scores of the reference sets that
// were measured when they were made (on another machine): FD and score within 1 %, precision, recall, density and
// coverage within 0.01.
func TestClassifierReferences(t *testing.T) {
	for _, dataset := range ClassifierDatasets {
		t.Run(dataset, func(t *testing.T) {
			c, test := requireClassifier(t, dataset)
			train := requireData(t, dataset, "train")
			want := c.References()
			sets := ReferenceSets(train)
			for i, r := range referenceReports(t, shared.backend, c, train, test) {
				w := want[i]
				t.Logf("%s stored: FD %.3f score %.3f P %.3f R %.3f D %.3f C %.3f", w.Set, w.FD, w.Score,
					w.Precision, w.Recall, w.Density, w.Coverage)
				rel := func(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1e-9) }
				if w.Set != sets[i].Name || rel(r.FD, w.FD) > 0.01 || rel(r.Score, w.Score) > 0.01 ||
					math.Abs(r.Precision-w.Precision) > 0.01 || math.Abs(r.Recall-w.Recall) > 0.01 ||
					math.Abs(r.Density-w.Density) > 0.01 || math.Abs(r.Coverage-w.Coverage) > 0.01 {
					t.Errorf("%s: this machine's scores differ from the stored ones %+v", sets[i].Name, w)
				}
			}
		})
	}
}

func TestShiftImage(t *testing.T) {
	src := make([]float32, 28*28)
	for i := range src {
		src[i] = float32(i)
	}
	dst := make([]float32, 28*28)
	shiftImage(dst, src, 2, -1) // right by 2, up by 1
	for y := range 28 {
		for x := range 28 {
			want := float32(-1)
			if sx, sy := x-2, y+1; sx >= 0 && sy < 28 {
				want = src[sy*28+sx]
			}
			if dst[y*28+x] != want {
				t.Fatalf("(%d,%d) = %g, want %g", x, y, dst[y*28+x], want)
			}
		}
	}
	shiftImage(dst, src, 0, 0)
	for i := range src {
		if dst[i] != src[i] {
			t.Fatal("shift (0,0) is not a copy")
		}
	}
}

// TestClassifierOnGoBackend: the shipped classifier loads on the pure-Go backend and computes the same outputs.
func TestClassifierOnGoBackend(t *testing.T) {
	c, test := requireClassifier(t, "mnist")
	g, err := LoadClassifier(backendtest.Go(t), "mnist")
	if err != nil {
		t.Fatal(err)
	}
	const n = 300 // more than one inference batch
	px := test.Scaled(-1, 1)[:n*784]
	l1, p1, f1, err := c.Analyze(px, n)
	if err != nil {
		t.Fatal(err)
	}
	l2, p2, f2, err := g.Analyze(px, n)
	if err != nil {
		t.Fatal(err)
	}
	for i := range l1 {
		if l1[i] != l2[i] {
			t.Errorf("image %d: XLA says %d, pure Go %d", i, l1[i], l2[i])
		}
	}
	for i := range p1 {
		if d := p1[i] - p2[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("probability %d: XLA %g, pure Go %g", i, p1[i], p2[i])
		}
	}
	for i := range f1 {
		if d := f1[i] - f2[i]; d > 1e-3*(1+f1[i]) || d < -1e-3*(1+f1[i]) {
			t.Fatalf("feature %d: XLA %g, pure Go %g", i, f1[i], f2[i])
		}
	}
}
