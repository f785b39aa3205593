package gan_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// tinyVariant is a small MLP GAN on 4×4 images, with dropout in D so the context's RNG matters for resume.
func tinyVariant() gan.Variant {
	return gan.Variant{
		Name: "tiny", Prior: gan.Prior{LatentDim: 3}, Height: 4, Width: 4, Channels: 1,
		Generator: gan.PlainG(func(scope *model.Scope, z *Node) *Node {
			x := nn.LeakyReLU(nn.Dense(scope.At("000_dense"), z, 8), 0.2)
			x = Tanh(nn.Dense(scope.At("001_dense"), x, 16))
			return nn.Reshape(x, 4, 4, 1)
		}),
		Discriminator: gan.PlainD(func(scope *model.Scope, x *Node) *Node {
			x = nn.LeakyReLU(nn.Dense(scope.At("000_dense"), nn.Flatten(x), 8), 0.2)
			x = nn.Dropout(scope.At("001_dropout"), x, 0.25)
			return nn.Dense(scope.At("002_dense"), x, 1)
		}),
	}
}

// blobs: 64 images 4×4 in [0,1]: a bright square at a random corner.
func blobs() []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	px := make([]float32, 64*16)
	for i := range 64 {
		cy, cx := rng.IntN(3), rng.IntN(3)
		for y := range 2 {
			for x := range 2 {
				px[i*16+(cy+y)*4+cx+x] = 0.8 + 0.2*rng.Float32()
			}
		}
	}
	return px
}

func newTiny(t *testing.T, b compute.Backend, v gan.Variant) *gan.Trainer {
	tr, err := gan.New(b, v, gan.Config{Seed: 42, Settings: gan.Settings{gan.SettingBatchSize: 8}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetData(blobs(), 64, 4, 4, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	return tr
}

func changed(before, after map[string][]float32) []string {
	var names []string
	for k, b := range before {
		a := after[k]
		for i := range b {
			if a[i] != b[i] {
				names = append(names, k)
				break
			}
		}
	}
	return names
}

// TestFreeze: a D step leaves every G variable unchanged (and moves D), a G step leaves every D variable unchanged
// (and moves G) — also through Adam's momentum, after several steps.
func TestFreeze(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		tr := newTiny(t, b, tinyVariant())
		// A few full steps first, so that both optimizers have momentum.
		if err := tr.Train(3); err != nil {
			t.Fatal(err)
		}
		g0, d0 := tr.VariableValues(gan.GeneratorScope), tr.VariableValues(gan.DiscriminatorScope)
		if len(g0) != 4 || len(d0) != 4 {
			t.Fatalf("want 4 variables per player, got G %d, D %d", len(g0), len(d0))
		}
		if _, err := tr.RunDiscriminatorStep(); err != nil {
			t.Fatal(err)
		}
		g1, d1 := tr.VariableValues(gan.GeneratorScope), tr.VariableValues(gan.DiscriminatorScope)
		if c := changed(g0, g1); len(c) != 0 {
			t.Errorf("a D step changed G variables %v", c)
		}
		if c := changed(d0, d1); len(c) != 4 {
			t.Errorf("a D step should change all 4 D variables, changed %v", c)
		}
		if _, err := tr.RunGeneratorStep(); err != nil {
			t.Fatal(err)
		}
		g2, d2 := tr.VariableValues(gan.GeneratorScope), tr.VariableValues(gan.DiscriminatorScope)
		if c := changed(d1, d2); len(c) != 0 {
			t.Errorf("a G step changed D variables %v", c)
		}
		if c := changed(g1, g2); len(c) != 4 {
			t.Errorf("a G step should change all 4 G variables, changed %v", c)
		}
	})
}

func TestNaNGuardNamesLossAndStep(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		// D loss: real data with a NaN pixel poisons D at the first step.
		tr := newTiny(t, b, tinyVariant())
		px := blobs()
		for i := range px {
			px[i] = float32(math.NaN())
		}
		if err := tr.SetData(px, 64, 4, 4, 1, 0, 1); err != nil {
			t.Fatal(err)
		}
		err := tr.Train(5)
		var nf *gan.NonFiniteError
		if err == nil || !strings.Contains(err.Error(), "discriminator loss") || !strings.Contains(err.Error(), "step 1") {
			t.Fatalf("want an error naming the discriminator loss and step 1, got %v", err)
		}
		_ = nf
		// G loss: a generator loss that becomes NaN from step 3 (when the step counter passed in is > 2).
		v := tinyVariant()
		v.Loss = gan.NonSaturating()
		base := v.Loss.Generator
		calls := 0
		v.Loss.Generator = func(l *Node) *Node {
			calls++
			// log of a negative number once D is confident enough is hard to time; instead 0/0 from the start.
			return Add(base(l), Div(ScalarZero(l.Graph(), l.DType()), ScalarZero(l.Graph(), l.DType())))
		}
		tr = newTiny(t, b, v)
		err = tr.Train(5)
		if err == nil || !strings.Contains(err.Error(), "generator loss") || !strings.Contains(err.Error(), "step 1") {
			t.Fatalf("want an error naming the generator loss and step 1, got %v", err)
		}
		if tr.Step() != 0 || len(tr.History) != 0 {
			t.Fatalf("a NaN step must not be counted: step %d, history %d", tr.Step(), len(tr.History))
		}
	})
}

// TestResume: 3 steps + checkpoint + fresh trainer loading it + 3 steps gives the same history and samples as 6
// uninterrupted steps.
func TestResume(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		straight := newTiny(t, b, tinyVariant())
		if err := straight.Train(6); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		first := newTiny(t, b, tinyVariant())
		if err := first.Train(3); err != nil {
			t.Fatal(err)
		}
		if _, err := first.Save(dir, 2, map[string]string{"model": "tiny"}); err != nil {
			t.Fatal(err)
		}
		second := newTiny(t, b, tinyVariant())
		params, err := second.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if params["model"] != "tiny" || second.Step() != 3 {
			t.Fatalf("loaded params %v step %d", params, second.Step())
		}
		if err := second.Train(6); err != nil {
			t.Fatal(err)
		}
		if len(second.History) != 6 {
			t.Fatalf("resumed history has %d records, want 6", len(second.History))
		}
		for i, want := range straight.History {
			got := second.History[i]
			if math.Abs(got.DLoss-want.DLoss) > 1e-5 || math.Abs(got.GLoss-want.GLoss) > 1e-5 {
				t.Errorf("step %d: resumed D %.7f G %.7f, uninterrupted D %.7f G %.7f", want.Step, got.DLoss, got.GLoss, want.DLoss, want.GLoss)
			}
		}
		// D agrees too, on the same inputs.
		probe := blobs()[:16*5]
		da, err := straight.Discriminate(probe)
		if err != nil {
			t.Fatal(err)
		}
		db, err := second.Discriminate(probe)
		if err != nil {
			t.Fatal(err)
		}
		for i := range da {
			if da[i] < 0 || da[i] > 1 || math.Abs(float64(da[i]-db[i])) > 1e-5 {
				t.Fatalf("D(x) differs or is not a probability at %d: %g vs %g", i, da[i], db[i])
			}
		}
		a, err := straight.Samples()
		if err != nil {
			t.Fatal(err)
		}
		bb, err := second.Samples()
		if err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if math.Abs(float64(a[i]-bb[i])) > 1e-5 {
				t.Fatalf("samples differ at %d: %g vs %g", i, a[i], bb[i])
			}
		}
	})
}

// TestCheckpointFallsBackWhenNewestIsBroken: a checkpoint truncated by a crash is skipped for the previous one.
func TestCheckpointFallsBackWhenNewestIsBroken(t *testing.T) {
	b := backendtest.Go(t)
	dir := t.TempDir()
	tr := newTiny(t, b, tinyVariant())
	if err := tr.Train(2); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Save(dir, 5, nil); err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(4); err != nil {
		t.Fatal(err)
	}
	newest, err := tr.Save(dir, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(newest, "vars.bin"), 10); err != nil {
		t.Fatal(err)
	}
	meta, _, err := gan.ReadMeta(dir)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Step != 2 {
		t.Fatalf("want fallback to the step-2 checkpoint, got step %d", meta.Step)
	}
	fresh := newTiny(t, b, tinyVariant())
	if _, err := fresh.Load(dir); err != nil || fresh.Step() != 2 {
		t.Fatalf("load: step %d err %v", fresh.Step(), err)
	}
	// A checkpoint of another variant is refused with a message.
	other := tinyVariant()
	other.Name, other.LatentDim = "other", 5
	o, _ := gan.New(b, other, gan.Config{Settings: gan.Settings{gan.SettingBatchSize: 8}})
	if _, err := o.Load(dir); err == nil || !strings.Contains(err.Error(), "tiny") {
		t.Fatalf("loading a checkpoint of another variant: want error naming it, got %v", err)
	}
}

func TestLossesAgainstHandComputedValues(t *testing.T) {
	b := backendtest.Go(t)
	realL, fakeL := []float32{2, -1}, []float32{0.5, -3}
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	var wantD, wantDBug, wantDSwap, wantGmm, wantGns float64
	for i := range 2 {
		r, f := float64(realL[i]), float64(fakeL[i])
		wantD += (-math.Log(sig(r)) - math.Log(1-sig(f))) / 4
		wantDBug += (-math.Log(sig(r)) - math.Log(sig(f))) / 4
		wantDSwap += (-math.Log(1-sig(r)) - math.Log(sig(f))) / 4
		wantGmm += math.Log(1-sig(f)) / 2
		wantGns += -math.Log(sig(f)) / 2
	}
	eval := func(fn func(r, f *Node) *Node) float64 {
		e := MustNewExec(b, fn)
		return float64(e.MustCall(realL, fakeL)[0].Value().(float32))
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"D minimax", eval(gan.Minimax().Discriminator), wantD},
		{"D non-saturating", eval(gan.NonSaturating().Discriminator), wantD},
		{"D with everything labelled real", eval(gan.NonSaturatingWithLabels(1, 1).Discriminator), wantDBug},
		{"D with the second slide's swapped labels", eval(gan.NonSaturatingWithLabels(0, 1).Discriminator), wantDSwap},
		{"G minimax", eval(func(_, f *Node) *Node { return gan.Minimax().Generator(f) }), wantGmm},
		{"G non-saturating", eval(func(_, f *Node) *Node { return gan.NonSaturating().Generator(f) }), wantGns},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-5 {
			t.Errorf("%s = %.6f, want %.6f", c.name, c.got, c.want)
		}
	}
}

// TestCriticStepsSeedsAndCallbacks: k D steps per G step (each optimizer counts its own updates), the same seed
// reproduces a run and another seed does not, and a callback can stop training.
func TestCriticStepsSeedsAndCallbacks(t *testing.T) {
	b := backendtest.Go(t)
	v := tinyVariant()
	v.Settings = gan.Settings{gan.SettingCriticSteps: 3}
	tr := newTiny(t, b, v)
	calls := 0
	err := tr.Train(10, func(_ *gan.Trainer, r gan.Record) error {
		calls++
		if r.Step == 2 {
			return gan.ErrStop
		}
		return nil
	})
	if err != nil || calls != 2 || tr.Step() != 2 {
		t.Fatalf("ErrStop at step 2: err %v, calls %d, step %d", err, calls, tr.Step())
	}
	steps := func(player string) float32 { // Adam's step counter, under the player's scope
		path := model.JoinPath("/"+player, optimizer.AdamDefaultScope, "step")
		v := tr.Scope.Store().GetVariable(path)
		if v == nil {
			t.Fatalf("no %s", path)
		}
		return v.MustValue().Value().(float32)
	}
	if d, g := steps(gan.DiscriminatorScope), steps(gan.GeneratorScope); d != 6 || g != 2 {
		t.Errorf("with k=3 after 2 steps: D optimizer made %g updates (want 6), G %g (want 2)", d, g)
	}
	// Epochs count real batches seen: 2 steps × 3 D steps × 8 images / 64 images.
	if e := tr.History[1].Epoch; math.Abs(e-0.75) > 1e-9 {
		t.Errorf("epoch after 2 steps with k=3 = %g, want 0.75", e)
	}

	run := func(seed uint64) []gan.Record {
		tr, err := gan.New(b, tinyVariant(), gan.Config{Seed: seed, Settings: gan.Settings{gan.SettingBatchSize: 8}})
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.SetData(blobs(), 64, 4, 4, 1, 0, 1); err != nil {
			t.Fatal(err)
		}
		if err := tr.Train(3); err != nil {
			t.Fatal(err)
		}
		return tr.History
	}
	a, a2, other := run(5), run(5), run(6)
	for i := range a {
		if !reflect.DeepEqual(a[i], a2[i]) {
			t.Errorf("same seed, step %d differs: %+v vs %+v", i+1, a[i], a2[i])
		}
	}
	if reflect.DeepEqual(a[2], other[2]) {
		t.Errorf("different seeds gave the same step 3: %+v", a[2])
	}
	// Bad data is an error that says what is wrong.
	if err := tr.SetData(blobs(), 64, 5, 5, 1, 0, 1); err == nil || !strings.Contains(err.Error(), "4x4x1") {
		t.Errorf("mismatched image size: %v", err)
	}
	if err := tr.SetData(blobs()[:16*4], 4, 4, 4, 1, 0, 1); err == nil || !strings.Contains(err.Error(), "batch size") {
		t.Errorf("fewer images than a batch: %v", err)
	}
}

// TestSaveRightAfterLoadKeepsEverything: a trainer that loads a checkpoint and saves again before any step (its
// graphs, and so most of its variables, do not exist yet) writes every checkpointed value, byte for byte; resuming
// from that checkpoint gives the same losses as resuming from the first.
func TestSaveRightAfterLoadKeepsEverything(t *testing.T) {
	b := backendtest.Go(t)
	first := newTiny(t, b, tinyVariant())
	if err := first.Train(3); err != nil {
		t.Fatal(err)
	}
	dirA, dirB := t.TempDir(), t.TempDir()
	if _, err := first.Save(dirA, 2, nil); err != nil {
		t.Fatal(err)
	}
	second := newTiny(t, b, tinyVariant())
	if _, err := second.Load(dirA); err != nil {
		t.Fatal(err)
	}
	if len(second.UnclaimedCheckpointVariables()) == 0 {
		t.Fatal("before any step the loader should hold the networks' values")
	}
	if _, err := second.Save(dirB, 2, nil); err != nil {
		t.Fatal(err)
	}
	values := func(dir string) map[string]string {
		meta, ckpt, err := gan.ReadMeta(dir)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(ckpt, "vars.bin"))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, v := range meta.Variables {
			out[model.JoinPath(v.Scope, v.Name)] = fmt.Sprint(v.DType, v.Dims, raw[v.Offset:v.Offset+v.Length])
		}
		return out
	}
	a, c := values(dirA), values(dirB)
	if len(a) != len(c) {
		t.Fatalf("checkpoint saved right after Load has %d variables, the original %d", len(c), len(a))
	}
	for k, v := range a {
		if c[k] != v {
			t.Errorf("variable %s differs after Load + Save", k)
		}
	}
	third := newTiny(t, b, tinyVariant())
	if _, err := third.Load(dirB); err != nil {
		t.Fatal(err)
	}
	fourth := newTiny(t, b, tinyVariant())
	if _, err := fourth.Load(dirA); err != nil {
		t.Fatal(err)
	}
	if err := third.Train(5); err != nil {
		t.Fatal(err)
	}
	if err := fourth.Train(5); err != nil {
		t.Fatal(err)
	}
	for i := range third.History {
		if !reflect.DeepEqual(third.History[i], fourth.History[i]) {
			t.Errorf("step %d after Load + Save + Load: %+v, from the original: %+v", i+1, third.History[i], fourth.History[i])
		}
	}
}
