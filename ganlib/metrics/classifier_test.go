package metrics

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/gomlx/gomlx/backends"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
)

// requireClassifier returns the cached (or, the first time, freshly trained) classifier for dataset on XLA. Its
// data must be present: skipped when absent unless GANLAB_REQUIRE_DATA=1 (as make test sets). Training takes a
// few minutes the first time; `ganlab data classifiers` does it ahead.
//
// The classifiers and their XLA backend are shared by the tests of the package (loading one takes a second or
// two).
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
	b := shared.backend
	root := data.DefaultDataRoot()
	var opts []data.Option
	if os.Getenv("GANLAB_REQUIRE_DATA") != "1" {
		opts = append(opts, data.Offline())
	}
	test, err := data.Load(dataset, "test", append(opts, data.DataRoot(root))...)
	if err != nil {
		if os.Getenv("GANLAB_REQUIRE_DATA") == "1" {
			t.Fatal(err)
		}
		t.Skipf("%s absent (set GANLAB_REQUIRE_DATA=1 to fail instead): %v", dataset, err)
	}
	start := time.Now()
	c, err := LoadClassifier(b, dataset, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s classifier ready in %v (%s): test accuracy %.2f%%, FD floor %.3f, trained in %.0f s",
		dataset, time.Since(start), c.Path, 100*c.TestAccuracy(), c.FDFloor(), c.TrainSeconds)
	shared.classifiers[dataset], shared.tests[dataset] = c, test
	return c, test
}

var shared struct {
	mu          sync.Mutex
	backend     backends.Backend
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
			if acc != c.TestAccuracy() {
				t.Errorf("Predict gives accuracy %.4f, the cache says %.4f", acc, c.TestAccuracy())
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

// TestClassifierCacheCorrupt: a damaged cache file is reported by name, never a crash; LoadClassifier then
// retrains (checked here on the reader alone, training is covered by TestClassifierAccuracy).
func TestClassifierCacheCorrupt(t *testing.T) {
	b := backendtest.XLA(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "mnist.bin")
	for name, content := range map[string][]byte{
		"empty":     {},
		"garbage":   []byte("hello world, this is not a classifier at all, just some text of sufficient length"),
		"truncated": append([]byte(cacheMagic+"\n\x01\x00\x00\x00"), make([]byte, 40)...),
	} {
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readClassifier(b, path, "mnist")
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v does not name %s", name, err, path)
		}
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

// TestClassifierOnGoBackend: the cached classifier loads on the pure-Go backend and computes the same outputs.
func TestClassifierOnGoBackend(t *testing.T) {
	c, test := requireClassifier(t, "mnist")
	g, err := readClassifier(backendtest.Go(t), c.Path, "mnist")
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

// TestClassifierLockWaits: while another process holds the training lock, LoadClassifier waits, then reads the
// cache the other one wrote instead of training a second classifier.
func TestClassifierLockWaits(t *testing.T) {
	c, _ := requireClassifier(t, "mnist")
	raw, err := os.ReadFile(c.Path)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	path := ClassifierPath(root, "mnist")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	lock := flock.New(path + ".lock")
	if err := lock.Lock(); err != nil {
		t.Fatal(err)
	}
	type result struct {
		c   *Classifier
		err error
	}
	done := make(chan result, 1)
	var mu sync.Mutex
	var logs []string
	go func() {
		got, err := LoadClassifierFrom(shared.backend, "mnist", root, func(format string, args ...any) {
			mu.Lock()
			logs = append(logs, fmt.Sprintf(format, args...))
			mu.Unlock()
		})
		done <- result{got, err}
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case r := <-done:
		t.Fatalf("LoadClassifier returned while the lock was held: %v", r.err)
	default:
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := lock.Unlock(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.c.Path != path || r.c.TestAccuracy() != c.TestAccuracy() {
			t.Errorf("got the classifier of %s (accuracy %g), want the one written to %s", r.c.Path, r.c.TestAccuracy(), path)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("LoadClassifier did not return 30 s after the lock was released (training instead of reading the cache?)")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logs) == 0 || !strings.Contains(logs[0], "waiting") {
		t.Errorf("logs %q should say it waits for the other process", logs)
	}
}
