package gan_test

import (
	"maps"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/cgan"
	"github.com/ganlab/ganlab/ganlib/models/infogan"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// The variants below are built from parts under names the trainer has never heard of: the trainer must use each
// part because it is set, not because of the name.

const plumbK = 3 // classes (and categories) of the plumbing tests

// labelValue maps label k of plumbK to a pixel value in [-1, 1]: −1, 0, 1.
func labelValue(y *Node) *Node {
	values := Const(y.Graph(), []float32{-1, 0, 1})
	return ReduceSum(Mul(y, ExpandAxes(values, 0)), -1) // [B]
}

// meanPixel is the mean of each image [B].
func meanPixel(x *Node) *Node { return ReduceMean(nn.Flatten(x), -1) }

// scale is a trainable scalar (starting at 1) so that the optimizers have something to update.
func scale(scope *model.Scope, g *Graph) *Node {
	return scope.WithInitializer(initializer.One).VariableWithShape("scale", shapes.Make(dtypes.Float32)).NodeValue(g)
}

// labelledData: 4×4 images whose pixels all equal labelValue(label) (in the data's range [0, 1]: 0, 0.5, 1).
func labelledData(n int) (px []float32, labels []int) {
	px = make([]float32, n*16)
	labels = make([]int, n)
	for i := range n {
		labels[i] = (i * 7) % plumbK
		for j := range 16 {
			px[i*16+j] = float32(labels[i]) / float32(plumbK-1)
		}
	}
	return px, labels
}

// plumbingVariant: G paints the image in its label's value (ignoring z but for a trainable zero weight), D scores
// −|mean(x) − value(y)|, which is 0 exactly when an image is shown with its own label. Wasserstein losses, so
// D's scores are the logits as they are.
func plumbingVariant() gan.Variant {
	return gan.Variant{
		Name: "plumbing-under-any-name", Height: 4, Width: 4, Channels: 1,
		Prior: gan.Prior{LatentDim: 2, Condition: cgan.Labels{K: plumbK}},
		Generator: func(scope *model.Scope, z *Node, c gan.Cond) *Node {
			s := scale(scope, z.Graph())
			zero := Mul(ReduceSum(z, -1), Sub(s, s))  // [B], zero but depends on G's variable
			v := Add(labelValue(c[cgan.Label]), zero) // one-hot(label)
			return BroadcastToDims(Reshape(v, -1, 1, 1, 1), z.Shape().Dimensions[0], 4, 4, 1)
		},
		Discriminator: func(scope *model.Scope, x *Node, c gan.Cond) (*Node, gan.Cond) {
			return Mul(Neg(Abs(Sub(meanPixel(x), labelValue(c[cgan.Label])))), scale(scope, x.Graph())), nil
		},
		Loss:     gan.Wasserstein(),
		Settings: gan.Settings{gan.SettingCriticSteps: 2},
	}
}

func newPlumbing(t *testing.T, b compute.Backend, v gan.Variant) *gan.Trainer {
	tr, err := gan.New(b, v, gan.Config{Seed: 5, Settings: gan.Settings{gan.SettingBatchSize: 8}})
	if err != nil {
		t.Fatal(err)
	}
	px, labels := labelledData(40)
	if err := tr.SetData(px, 40, 4, 4, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := tr.SetLabels(labels); err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestConditionalPlumbing: D sees each real image with its own label and each fake with the label G was given
// (every score 0, so D(x) = D(G(z)) = sigmoid(0) = 0.5 and the Wasserstein losses are 0); a penalty is added to
// D's loss and its reported norm recorded.
func TestConditionalPlumbing(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		v := plumbingVariant()
		v.DTerms = []gan.Term{{Name: "grad_norm", Loss: func(p *gan.Pass) (*Node, *Node) {
			// 3 + 0·(D on real and fake with the real labels): the pass must carry the real labels.
			zero := MulScalar(Add(ReduceAllSum(p.D(p.Real, p.RealCond)), ReduceAllSum(p.D(p.Fake, p.RealCond))), 0)
			return AddScalar(zero, 3), Const(p.Real.Graph(), float32(0.75))
		}}}
		tr := newPlumbing(t, b, v)
		if err := tr.Train(3); err != nil {
			t.Fatal(err)
		}
		for _, r := range tr.History {
			if r.DReal != 0.5 || r.DFake != 0.5 || r.WEstimate != 0 || r.GLoss != 0 {
				t.Errorf("step %d: D(x) %g, D(G(z)) %g, W %g, G loss %g; want 0.5, 0.5, 0, 0 (labels mismatched)", r.Step, r.DReal, r.DFake, r.WEstimate, r.GLoss)
			}
			if math.Abs(r.DLoss-3) > 1e-6 || r.Term("grad_norm") != 0.75 {
				t.Errorf("step %d: D loss %g, grad norm %g; want 3 (the penalty) and 0.75", r.Step, r.DLoss, r.Term("grad_norm"))
			}
		}
		// Wrong labels are noticed: shift them all by one.
		px, labels := labelledData(40)
		for i := range labels {
			labels[i] = (labels[i] + 1) % plumbK
		}
		if err := tr.SetData(px, 40, 4, 4, 1, 0, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := tr.TrainStep(); err == nil {
			t.Fatal("a conditional variant trained without labels")
		}
		if err := tr.SetLabels(labels); err != nil {
			t.Fatal(err)
		}
		r, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		if r.DReal >= 0.45 {
			t.Errorf("with wrong labels D(x) = %g, want < 0.45", r.DReal)
		}
		// G paints each label's value.
		img, err := cgan.Generate(tr, make([]float32, 3*2), []int{2, 0, 1})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []float32{1, -1, 0} {
			if img[i*16] != want || img[i*16+15] != want {
				t.Errorf("GenerateWith label image %d: %g, want %g", i, img[i*16], want)
			}
		}
		if _, err := cgan.Generate(tr, make([]float32, 2), []int{3}); err == nil {
			t.Error("GenerateWith accepted label 3 of 3 classes")
		}
		if err := tr.SetLabels([]int{0, 1}); err == nil {
			t.Error("SetLabels accepted 2 labels for 40 images")
		}
		if err := tr.SetLabels(nil); err == nil || !strings.Contains(err.Error(), "conditioned on class labels") {
			t.Errorf("SetLabels without labels: %v", err)
		}
	})
}

// infoVariant: InfoGAN's condition (infogan.Codes), no classes. G writes its categorical code's value into every
// pixel of the top row and its continuous code into the rest; Q reads them back (qCat logits −100·(row mean −
// value_k)², qCont the mean of the rest); the MI term is cross-entropy + squared error, so it is ≈ 0 exactly when
// Q sees the codes the trainer gave G. Its weight is 2.
func infoVariant() gan.Variant {
	return gan.Variant{
		Name: "info-under-any-name", Height: 4, Width: 4, Channels: 1,
		Prior: gan.Prior{LatentDim: 2, Condition: infogan.Codes{Categorical: plumbK, Continuous: 1}},
		Generator: func(scope *model.Scope, z *Node, cond gan.Cond) *Node {
			g := z.Graph()
			c := cond[infogan.Code]
			s := scale(scope, g)
			zero := Mul(ReduceSum(z, -1), Sub(s, s))
			catOneHot := MatMul(c, Const(g, [][]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, 0}})) // first 3 of c
			cat := Add(labelValue(catOneHot), zero)
			cont := ReduceSum(Mul(c, Const(g, [][]float32{{0, 0, 0, 1}})), -1) // the 4th entry of c
			top := Const(g, [][][][]float32{{{{1}, {1}, {1}, {1}}, {{0}, {0}, {0}, {0}}, {{0}, {0}, {0}, {0}}, {{0}, {0}, {0}, {0}}}})
			bottom := OneMinus(top)
			return Add(Mul(Reshape(cat, -1, 1, 1, 1), top), Mul(Reshape(cont, -1, 1, 1, 1), bottom))
		},
		Discriminator: func(scope *model.Scope, x *Node, _ gan.Cond) (*Node, gan.Cond) {
			g := x.Graph()
			flat := nn.Flatten(x)
			topMask := Const(g, [][]float32{{1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}})
			top := Div(ReduceSum(Mul(flat, topMask), -1), Const(g, float32(4)))
			rest := Div(ReduceSum(Mul(flat, OneMinus(topMask)), -1), Const(g, float32(12)))
			values := Const(g, [][]float32{{-1, 0, 1}})
			d := Sub(ExpandAxes(top, -1), values)
			qCat := MulScalar(Mul(d, d), -100)
			logits := Mul(top, scale(scope, g))
			return logits, gan.Cond{infogan.QCat: qCat, infogan.QCont: ExpandAxes(rest, -1)}
		},
		DTerms: []gan.Term{infoTerm(plumbMI, true)},
		GTerms: []gan.Term{infoTerm(plumbMI, false)},
		Loss:   gan.NonSaturating(),
	}
}

// plumbMI is the test's mutual-information loss: cross-entropy of the category plus squared error of the code.
func plumbMI(qCat, qCont, cat, cont *Node) *Node {
	ce := Neg(ReduceAllMean(ReduceSum(Mul(OneHot(cat, qCat.Shape().Dimensions[1], dtypes.Float32), LogSoftmax(qCat)), -1)))
	d := Sub(qCont, cont)
	return Add(ce, ReduceAllMean(Mul(d, d)))
}

// infoTerm adds 2 × mi on the fakes' heads and codes, recording mi in D's step.
func infoTerm(mi func(qCat, qCont, cat, cont *Node) *Node, record bool) gan.Term {
	return gan.Term{Name: "mi_loss", Loss: func(p *gan.Pass) (*Node, *Node) {
		raw := mi(p.FakeHeads[infogan.QCat], p.FakeHeads[infogan.QCont], p.FakeCond[infogan.CodeCat], p.FakeCond[infogan.CodeCont])
		if !record {
			return MulScalar(raw, 2), nil
		}
		return MulScalar(raw, 2), raw
	}}
}

// TestInfoPlumbing: Q sees the fakes made from the codes the trainer gives to InfoLoss (MI loss ≈ 0), the
// weighted MI loss is added to G's loss, and InferCodes reads the codes back from GenerateWith's images.
func TestInfoPlumbing(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		tr := newPlumbing(t, b, infoVariant())
		if err := tr.Train(2); err != nil {
			t.Fatal(err)
		}
		for _, r := range tr.History {
			if r.Term("mi_loss") < 0 || r.Term("mi_loss") > 1e-5 {
				t.Errorf("step %d: MI loss %g, want ≈ 0 (codes mismatched)", r.Step, r.Term("mi_loss"))
			}
		}
		cats, cont := []int{2, 0, 1, 1}, []float32{0.5, -0.25, 0.75, -1}
		img, err := infogan.Generate(tr, make([]float32, 4*2), cats, cont)
		if err != nil {
			t.Fatal(err)
		}
		gotCat, gotCont, err := infogan.InferCodes(tr, img)
		if err != nil {
			t.Fatal(err)
		}
		for i := range cats {
			if gotCat[i] != cats[i] || math.Abs(float64(gotCont[i]-cont[i])) > 1e-6 {
				t.Errorf("image %d: Q reads category %d, code %g; G was given %d, %g", i, gotCat[i], gotCont[i], cats[i], cont[i])
			}
		}
		// G's loss includes its term, 2 × MI: a loss that Q cannot meet shows it.
		v := infoVariant()
		stuck := func(qCat, qCont, cat, cont *Node) *Node { return AddScalar(MulScalar(ReduceAllSum(qCont), 0), 1.5) }
		v.DTerms, v.GTerms = []gan.Term{infoTerm(stuck, true)}, []gan.Term{infoTerm(stuck, false)}
		tr2 := newPlumbing(t, b, v)
		r, err := tr2.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		if r.Term("mi_loss") != 1.5 {
			t.Errorf("MI loss recorded %g, want 1.5", r.Term("mi_loss"))
		}
		// Non-saturating G loss on logits = mean of the top row (codes −1, 0, 1 → softplus(−top)), plus 2 × 1.5.
		if r.GLoss < 3 {
			t.Errorf("G loss %g does not include 2 × MI = 3", r.GLoss)
		}
	})
}

// TestClipWeights: with a constraint that clips D's weights to c, every trainable D variable lies in [−c, c] after a step (and some sit on
// the bound), G's are not clipped.
func TestClipWeights(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		v := tinyVariant()
		v.Name = "clipped"
		v.DConstraints = []gan.Constraint{func(scope *model.Scope, g *Graph) {
			gan.ClipVariables(scope, g, gan.DiscriminatorScope, 0.01)
		}}
		v.Loss = gan.Wasserstein()
		v.Settings = gan.Settings{gan.SettingCriticSteps: 2}
		tr := newTiny(t, b, v)
		if err := tr.Train(2); err != nil {
			t.Fatal(err)
		}
		onBound := 0
		for name, vals := range tr.VariableValues(gan.DiscriminatorScope) {
			for _, x := range vals {
				if math.Abs(float64(x)) > 0.01+1e-9 {
					t.Fatalf("D variable %s holds %g outside [-0.01, 0.01]", name, x)
				}
				if math.Abs(float64(x)) == float64(float32(0.01)) {
					onBound++
				}
			}
		}
		if onBound == 0 {
			t.Error("no D weight sits on the clipping bound: was anything clipped?")
		}
		big := false
		for _, vals := range tr.VariableValues(gan.GeneratorScope) {
			for _, x := range vals {
				big = big || math.Abs(float64(x)) > 0.05
			}
		}
		if !big {
			t.Error("G's weights look clipped too")
		}
	})
}

// TestConditionalResume: a conditional variant with codes and a penalty resumes exactly (labels, codes and the
// context RNG used by the penalty all come back).
func TestConditionalResume(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		mk := func() gan.Variant {
			return gan.Variant{
				Name: "learned-cond", Height: 4, Width: 4, Channels: 1,
				Prior: gan.Prior{LatentDim: 3, Condition: labelsAndCodes{cgan.Labels{K: plumbK}, infogan.Codes{Categorical: 2, Continuous: 1}}},
				Generator: func(scope *model.Scope, z *Node, c gan.Cond) *Node {
					h := Add(nn.Dense(scope.At("z"), z, 8), nn.Dense(scope.At("y"), c[cgan.Label], 8))
					h = nn.LeakyReLU(Add(h, nn.Dense(scope.At("c"), c[infogan.Code], 8)), 0.2)
					return nn.Reshape(Tanh(nn.Dense(scope.At("out"), h, 16)), 4, 4, 1)
				},
				Discriminator: func(scope *model.Scope, x *Node, c gan.Cond) (*Node, gan.Cond) {
					h := nn.LeakyReLU(Add(nn.Dense(scope.At("x"), nn.Flatten(x), 8), nn.Dense(scope.At("y"), c[cgan.Label], 8)), 0.2)
					h = nn.Dropout(scope.At("drop"), h, 0.25)
					return nn.Dense(scope.At("d"), h, 1), gan.Cond{infogan.QCat: nn.Dense(scope.At("qcat"), h, 2), infogan.QCont: nn.Dense(scope.At("qcont"), h, 1)}
				},
				DTerms: []gan.Term{infoTerm(plumbMI, true), {Name: "grad_norm", Loss: func(p *gan.Pass) (*Node, *Node) {
					critic := func(x *Node) *Node { return p.D(x, p.RealCond) }
					return gan.GradientPenalty(critic, p.Real, p.Fake, gan.DrawAlpha(p.Scope, p.Real), 10)
				}}},
				GTerms:   []gan.Term{infoTerm(plumbMI, false)},
				Loss:     gan.Wasserstein(),
				Settings: gan.Settings{gan.SettingCriticSteps: 2},
			}
		}
		straight := newPlumbing(t, b, mk())
		if err := straight.Train(4); err != nil {
			t.Fatal(err)
		}
		first := newPlumbing(t, b, mk())
		if err := first.Train(2); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := first.Save(dir, 2, nil); err != nil {
			t.Fatal(err)
		}
		second := newPlumbing(t, b, mk())
		if _, err := second.Load(dir); err != nil {
			t.Fatal(err)
		}
		if err := second.Train(4); err != nil {
			t.Fatal(err)
		}
		for i, want := range straight.History {
			got := second.History[i]
			if math.Abs(got.DLoss-want.DLoss) > 1e-5 || math.Abs(got.GLoss-want.GLoss) > 1e-5 ||
				math.Abs(got.Term("grad_norm")-want.Term("grad_norm")) > 1e-5 || math.Abs(got.Term("mi_loss")-want.Term("mi_loss")) > 1e-5 {
				t.Errorf("step %d: resumed %+v, uninterrupted %+v", want.Step, got, want)
			}
			if want.Term("grad_norm") <= 0 || want.Term("mi_loss") <= 0 {
				t.Errorf("step %d: grad norm %g, MI loss %g not recorded", want.Step, want.Term("grad_norm"), want.Term("mi_loss"))
			}
		}
		a, _ := straight.RandomSamples(6, 1)
		c, _ := second.RandomSamples(6, 1)
		for i := range a {
			if math.Abs(float64(a[i]-c[i])) > 1e-5 {
				t.Fatalf("samples differ at %d: %g vs %g", i, a[i], c[i])
			}
		}
	})
}

// labelsAndCodes is a condition made of two: class labels and InfoGAN's codes (labels drawn first). The trainer
// needs nothing to take it.
type labelsAndCodes struct {
	labels cgan.Labels
	codes  infogan.Codes
}

func (c labelsAndCodes) Draw(rng *rand.Rand, b int) gan.Values {
	v := c.labels.Draw(rng, b)
	maps.Copy(v, c.codes.Draw(rng, b))
	return v
}

func (c labelsAndCodes) Real(labels []int, b int) (gan.Values, error) {
	return c.labels.Real(labels, b)
}

func (c labelsAndCodes) Fixed(count int) gan.Values {
	v := c.labels.Fixed(count)
	maps.Copy(v, c.codes.Fixed(count))
	return v
}

// TestPartsChecked: a variant missing a player is refused with its name.
func TestPartsChecked(t *testing.T) {
	b := backendtest.Go(t)
	v := plumbingVariant()
	v.Generator = nil
	if _, err := gan.New(b, v, gan.Config{}); err == nil || !strings.Contains(err.Error(), v.Name) {
		t.Errorf("a variant without Generator: %v", err)
	}
}
