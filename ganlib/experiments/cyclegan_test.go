package experiments_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/experiments"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/lab"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/cyclegan"
)

// digitSet returns n 28×28 images in [0, 1], labelled i%10, image i bright (its label/10) in its top rows.
func digitSet(name string, n int, rng *rand.Rand) *data.Images {
	im := &data.Images{Name: name, Split: "test", N: n, H: 28, W: 28, C: 1, Pixels: make([]float32, n*784), Labels: make([]int, n)}
	for i := range n {
		im.Labels[i] = i % 10
		for p := range 784 {
			im.Pixels[i*784+p] = 0.1 * rng.Float32()
			if p < 280 {
				im.Pixels[i*784+p] += float32(im.Labels[i]) / 10
			}
		}
	}
	return im
}

// byBrightness names an image by the mean of its top rows: the label of digitSet's images.
func byBrightness(images []float32, n int) ([]int, error) {
	out := make([]int, n)
	for i := range n {
		var s float64
		for p := range 280 {
			s += float64(images[i*784+p]+1) / 2
		}
		out[i] = min(int(math.Round((s/280-0.05)*10)), 9)
	}
	return out, nil
}

// TestCycleGANMeasureMechanics: with an untrained CycleGAN and a classifier that reads the label off the image,
// the baselines "no translation" and "own domain" are exact (1), every rate is a fraction, the pair errors are
// positive, and the grid holds 6 rows.
func TestCycleGANMeasureMechanics(t *testing.T) {
	b := backendtest.Go(t)
	rng := rand.New(rand.NewPCG(1, 1))
	a, bb := digitSet("a", 20, rng), digitSet("b", 30, rng)
	v := cyclegan.NewWith(&cyclegan.Domains{A: a, B: bb}, 28, 1)
	tr, err := gan.New(b, v, gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := experiments.CycleGANMeasure(tr, a, bb, byBrightness, byBrightness, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.NoTransAB != 1 || r.NoTransBA != 1 || r.OwnA != 1 || r.OwnB != 1 || r.NA != 20 || r.NB != 30 {
		t.Errorf("baselines: %+v", r)
	}
	for _, x := range []float64{r.KeptAB, r.KeptBA} {
		if x < 0 || x > 1 {
			t.Errorf("kept rate %g", x)
		}
	}
	if r.CycleA <= 0 || r.CycleA > 1 || r.CycleB <= 0 || r.PairA <= 0.05 || r.PairB <= 0.05 || r.PairA > 1 {
		t.Errorf("errors: cycle %g %g, pairs %g %g", r.CycleA, r.CycleB, r.PairA, r.PairB)
	}
	grid, err := experiments.CycleGANGrid(tr, a, bb, 5)
	if err != nil || len(grid) != 6*5*784 {
		t.Fatalf("grid: %v, %d values", err, len(grid))
	}
	// The first row is a itself, in [-1, 1].
	if got, want := grid[100], 2*a.Pixels[100]-1; got != want {
		t.Errorf("grid[100] = %v, want %v", got, want)
	}
	if same := experiments.StretchCentre(a, 28); !slices.Equal(same.Pixels, a.Pixels) {
		t.Errorf("StretchCentre with the whole image changed it")
	}
	// The central 14×14 of an image whose columns are 0..27 stretched back to 28 columns spans columns 7..20.
	ramp := &data.Images{N: 1, H: 28, W: 28, C: 1, Pixels: make([]float32, 784)}
	for p := range ramp.Pixels {
		ramp.Pixels[p] = float32(p % 28)
	}
	if st := experiments.StretchCentre(ramp, 14); st.Pixels[0] != 7 || st.Pixels[27] != 20 || st.Pixels[1] <= 7 {
		t.Errorf("StretchCentre(ramp, 14) row 0 = %v", st.Pixels[:28])
	}
	if experiments.Agreement([]int{1, 2, 3, 4}, []int{1, 0, 3, 0}) != 0.5 {
		t.Errorf("Agreement")
	}
}

// TestCycleGANMeasure measures a CycleGAN run folder (ganlab train -model cyclegan -data sklearn-digits): trains
// the sklearn-digits classifier (30 epochs on the train split), then translates MNIST's test images (the first
// CYCLEGAN_N, default 10,000) with G and sklearn-digits' 360 test images with F and logs how often each keeps its
// digit, the baselines and the cycle errors; writes cycle-grid.png (rows a, G(a), F(G(a)), b, F(b), G(F(b))) to
// CYCLEGAN_OUT (default: the run folder). Off unless CYCLEGAN_RUN names the run folder.
//
//	CYCLEGAN_RUN=/tmp/cg-run CYCLEGAN_OUT=/tmp go test -run CycleGANMeasure -timeout 1h -v ./ganlib/experiments
func TestCycleGANMeasure(t *testing.T) {
	dir := os.Getenv("CYCLEGAN_RUN")
	if dir == "" {
		t.Skip("set CYCLEGAN_RUN to a cyclegan run folder to measure it")
	}
	out := os.Getenv("CYCLEGAN_OUT")
	if out == "" {
		out = dir
	}
	tr, err := lab.Open(dir, cyclegan.New(28, 1))
	if err != nil {
		t.Fatal(err)
	}
	mnist, err := data.Load("mnist", "test")
	if err != nil {
		t.Fatal(err)
	}
	n := mnist.N
	if s := os.Getenv("CYCLEGAN_N"); s != "" {
		if n, err = strconv.Atoi(s); err != nil || n < 10 {
			t.Fatalf("CYCLEGAN_N=%q: want a number of images >= 10", s)
		}
	}
	if n < mnist.N {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		mnist = mnist.Select(idx)
	}
	dTrain, err := data.Load(data.SKDigitsName, "train")
	if err != nil {
		t.Fatal(err)
	}
	dTest, err := data.Load(data.SKDigitsName, "test")
	if err != nil {
		t.Fatal(err)
	}
	clfA, err := metrics.LoadClassifier(tr.Backend, "mnist")
	if err != nil {
		t.Fatal(err)
	}
	clfB, err := experiments.TrainDigitClassifier(tr.Backend, dTrain, dTest, 30, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sklearn-digits classifier: %.1f %% on its %d test digits", 100*clfB.TestAccuracy, dTest.N)
	predictA := func(x []float32, n int) ([]int, error) { l, _, err := clfA.Predict(x, n); return l, err }
	r, err := experiments.CycleGANMeasure(tr, mnist, dTest, predictA, clfB.Predict, 7)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("step %d: A→B (MNIST→sklearn-digits, %d images) keeps the digit %.1f %% (no translation %.1f %%, random 10 %%)",
		tr.Step(), r.NA, 100*r.KeptAB, 100*r.NoTransAB)
	t.Logf("step %d: B→A (sklearn-digits→MNIST, %d images) keeps the digit %.1f %% (no translation %.1f %%, random 10 %%)",
		tr.Step(), r.NB, 100*r.KeptBA, 100*r.NoTransBA)
	t.Logf("classifiers on their own domain: MNIST %.1f %%, sklearn-digits %.1f %%", 100*r.OwnA, 100*r.OwnB)
	t.Logf("cycle error mean|F(G(a)) − a| %.4f, mean|G(F(b)) − b| %.4f (pixels in [0,1]; a random other image of the domain: %.4f, %.4f)",
		r.CycleA, r.CycleB, r.PairA, r.PairB)
	// Diagnostic of the framing: MNIST's central 20×20 stretched to fill the frame (as sklearn-digits' digits did before
	// data.SKDigitsFrame) against the untranslated baseline; with B framed as MNIST it should read worse, not better.
	stretched := experiments.StretchCentre(mnist, 20)
	if p, err := clfB.Predict(stretched.Scaled(-1, 1), stretched.N); err == nil {
		t.Logf("sklearn-digits classifier on MNIST's central 20×20 stretched to 28×28 (no translation): %.1f %%", 100*experiments.Agreement(p, mnist.Labels))
	}
	grid, err := experiments.CycleGANGrid(tr, mnist, dTest, 10)
	if err != nil {
		t.Fatal(err)
	}
	png, err := lab.GridOf(tr.Variant, grid, 6, 10, 3).PNG()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "cycle-grid.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
