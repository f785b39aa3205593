package metrics

import (
	"fmt"
	"html"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/compute"
)

// Report holds the classifier-based scores of a set of generated images against a set of real ones.
type Report struct {
	// Dataset is the classifier's dataset; ClassNames its class names.
	Dataset    string
	ClassNames []string
	// N is the number of generated samples, NReal the number of real images they were compared with.
	N, NReal int
	// FD is the Fréchet distance between the classifier features of the samples and of the real images (lower is
	// better). FDFloor is the FD of N train images against the classifier's test set: what real data scores at
	// this sample size, the best a generator can hope for (see Classifier.FDFloorAt).
	FD, FDFloor float64
	// Score is the classifier score of the samples (the Inception Score analogue, in [1, 10]; higher is better);
	// RealScore that of the real images.
	Score, RealScore float64
	// Histogram counts the samples per predicted class; Entropy is its entropy in nats (log 10 = 2.303 when every
	// class is equally frequent); RealHistogram and RealEntropy the same for the real images.
	Histogram     []int
	Entropy       float64
	RealHistogram []int
	RealEntropy   float64
	// Precision (fraction of samples on the real manifold) and Recall (fraction of real images on the samples'
	// manifold), Kynkäänniemi et al. 2019 with K nearest neighbours, on the features scaled to unit length (see
	// UnitRows).
	Precision, Recall float64
	// Density and Coverage (Naeem et al. 2020; see Manifold): the outlier-robust counterparts of precision and
	// recall, from the same balls.
	Density, Coverage float64
	K                 int
	// Seconds is how long Evaluate took.
	Seconds float64
}

// RealSet is a set of real images analysed once by the classifier, to compare many sample sets with (as the
// training callback does).
type RealSet struct {
	N      int
	labels []int
	probs  []float32
	feats  []float32
	unit   []float32 // feats, each row scaled to unit length

	mu    sync.Mutex
	radii map[int][]float32 // k-NN radii (squared) of the features, by k
}

// AnalyzeReal runs the classifier over n real images (NHWC 28×28×1 in [-1, 1]).
func AnalyzeReal(c *Classifier, real []float32, n int) (*RealSet, error) {
	labels, probs, feats, err := c.Analyze(real, n)
	if err != nil {
		return nil, err
	}
	return &RealSet{N: n, labels: labels, probs: probs, feats: feats, unit: UnitRows(feats, c.FeatureDim())}, nil
}

// Evaluate scores nFake generated images against nReal real ones (both NHWC 28×28×1 with values in [-1, 1], the
// generators' tanh range; usually the real ones are the dataset's 10,000 test images): Fréchet distance of the
// classifier's features with its floor, classifier score, class histogram and precision/recall (k = DefaultK).
// The pairwise distances of precision/recall are computed on backend (nil: in pure Go, which takes about 10 s
// more for 10,000 images on 2 cores).
func Evaluate(backend compute.Backend, c *Classifier, real []float32, nReal int, fake []float32, nFake int) (Report, error) {
	rs, err := AnalyzeReal(c, real, nReal)
	if err != nil {
		return Report{}, err
	}
	return EvaluateAgainst(backend, c, rs, fake, nFake)
}

// EvaluateAgainst is Evaluate with the real images already analysed.
func EvaluateAgainst(backend compute.Backend, c *Classifier, rs *RealSet, fake []float32, nFake int) (Report, error) {
	start := time.Now()
	labels, probs, feats, err := c.Analyze(fake, nFake)
	if err != nil {
		return Report{}, err
	}
	for _, v := range feats {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return Report{}, fmt.Errorf("metrics: the classifier's features of the samples are not finite (are the samples?)")
		}
	}
	dim := c.FeatureDim()
	r := Report{Dataset: c.Dataset, ClassNames: c.ClassNames, N: nFake, NReal: rs.N, K: DefaultK}
	if r.FD, err = Frechet(feats, nFake, rs.feats, rs.N, dim); err != nil {
		return r, err
	}
	r.FDFloor = c.FDFloorAt(nFake)
	r.Score = ClassifierScore(probs, nFake, classifierClasses)
	r.RealScore = ClassifierScore(rs.probs, rs.N, classifierClasses)
	r.Histogram, r.Entropy = ClassHistogram(labels, classifierClasses)
	r.RealHistogram, r.RealEntropy = ClassHistogram(rs.labels, classifierClasses)
	// The k-NN balls are drawn on the features' directions: with their lengths, the balls of outlying real images
	// are large enough to hold images of noise (precision 0.1–0.5 on uniform noise, depending on the classifier's
	// seed and the machine it was trained on); on the directions it is below 0.01 (docs/metrics.md).
	unit := UnitRows(feats, dim)
	dist := c.distances(backend)
	// The real set's k-NN radii are computed once per RealSet (the 10,000² distances of the test set are the
	// largest part of the work).
	rs.mu.Lock()
	radii := rs.radii[r.K]
	if radii == nil && rs.N > r.K {
		if radii, err = knnRadii(dist, rs.unit, rs.N, dim, r.K); err != nil {
			rs.mu.Unlock()
			return r, err
		}
		if rs.radii == nil {
			rs.radii = map[int][]float32{}
		}
		rs.radii[r.K] = radii
	}
	rs.mu.Unlock()
	m, err := manifoldScores(dist, rs.unit, rs.N, radii, unit, nFake, dim, r.K)
	if err != nil {
		return r, err
	}
	r.Precision, r.Recall, r.Density, r.Coverage = m.Precision, m.Recall, m.Density, m.Coverage
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// UnitRows returns the n rows of x (n×dim) each scaled to unit Euclidean length (a zero row stays zero).
func UnitRows(x []float32, dim int) []float32 {
	out := make([]float32, len(x))
	for i := 0; i+dim <= len(x); i += dim {
		var ss float64
		for _, v := range x[i : i+dim] {
			ss += float64(v) * float64(v)
		}
		if ss == 0 {
			continue
		}
		inv := 1 / math.Sqrt(ss)
		for j, v := range x[i : i+dim] {
			out[i+j] = float32(float64(v) * inv)
		}
	}
	return out
}

// String is the report as one readable block, e.g.
//
//	mnist, 10000 samples vs 10000 real images
//	  FD         12.345   (floor 0.757: train vs test images at the same size)
//	  score      8.91     (real images 9.78; max 10)
//	  precision  0.812    recall 0.543 (k = 3)
//	  density    0.902    coverage 0.611
//	  classes    0:985 1:1201 ... entropy 2.291 nats (real 2.302, even = 2.303)
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %d samples vs %d real images\n", r.Dataset, r.N, r.NReal)
	fmt.Fprintf(&b, "  FD         %-8.3f (floor %.3f: train vs test images at the same size)\n", r.FD, r.FDFloor)
	fmt.Fprintf(&b, "  score      %-8.3f (real images %.3f; max %d)\n", r.Score, r.RealScore, len(r.Histogram))
	fmt.Fprintf(&b, "  precision  %-8.3f recall %.3f (k = %d)\n", r.Precision, r.Recall, r.K)
	fmt.Fprintf(&b, "  density    %-8.3f coverage %.3f\n", r.Density, r.Coverage)
	fmt.Fprintf(&b, "  classes   ")
	for k, c := range r.Histogram {
		fmt.Fprintf(&b, " %s:%d", r.className(k), c)
	}
	fmt.Fprintf(&b, "\n             entropy %.3f nats (real %.3f, even = %.3f)", r.Entropy, r.RealEntropy,
		math.Log(float64(max(len(r.Histogram), 1))))
	return b.String()
}

// Line is the report in one line, for training logs.
func (r Report) Line() string {
	return fmt.Sprintf("FD %.3f (floor %.3f) score %.2f (real %.2f) P %.3f R %.3f D %.3f C %.3f classes H %.3f/%.3f", r.FD,
		r.FDFloor, r.Score, r.RealScore, r.Precision, r.Recall, r.Density, r.Coverage, r.Entropy,
		math.Log(float64(max(len(r.Histogram), 1))))
}

// HTML is the report as a small table (notebooks: gonbui.DisplayHTML).
func (r Report) HTML() string {
	var b strings.Builder
	b.WriteString(`<table style="font-family:monospace">`)
	row := func(name, value, ref string) {
		fmt.Fprintf(&b, "<tr><td>%s</td><td style=\"text-align:right\">%s</td><td>%s</td></tr>", html.EscapeString(name),
			html.EscapeString(value), html.EscapeString(ref))
	}
	row("dataset", r.Dataset, fmt.Sprintf("%d samples vs %d real", r.N, r.NReal))
	row("FD", fmt.Sprintf("%.3f", r.FD), fmt.Sprintf("floor %.3f (train vs test)", r.FDFloor))
	row("score", fmt.Sprintf("%.3f", r.Score), fmt.Sprintf("real %.3f", r.RealScore))
	row("precision", fmt.Sprintf("%.3f", r.Precision), fmt.Sprintf("k = %d", r.K))
	row("recall", fmt.Sprintf("%.3f", r.Recall), "")
	row("density", fmt.Sprintf("%.3f", r.Density), "≈ 1 when like the data")
	row("coverage", fmt.Sprintf("%.3f", r.Coverage), "")
	row("class entropy", fmt.Sprintf("%.3f", r.Entropy), fmt.Sprintf("real %.3f, even %.3f", r.RealEntropy, math.Log(float64(max(len(r.Histogram), 1)))))
	var h []string
	for k, c := range r.Histogram {
		h = append(h, fmt.Sprintf("%s:%d", r.className(k), c))
	}
	row("classes", "", strings.Join(h, " "))
	b.WriteString("</table>")
	return b.String()
}

func (r Report) className(k int) string {
	if k < len(r.ClassNames) {
		return r.ClassNames[k]
	}
	return fmt.Sprint(k)
}
