package optim_test

import (
	"math"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/optim"

	. "github.com/gomlx/gomlx/core/graph"
)

// rmsRef is PyTorch's torch.optim.RMSprop step (momentum 0, centered False, weight_decay 0) written out in
// float64: v ← α·v + (1−α)·g²; θ ← θ − lr·g/(√v + ε).
type rmsRef struct{ v []float64 }

func (r *rmsRef) step(theta, grad []float64, lr, alpha, eps float64) {
	if r.v == nil {
		r.v = make([]float64, len(theta))
	}
	for i := range theta {
		r.v[i] = alpha*r.v[i] + (1-alpha)*grad[i]*grad[i]
		theta[i] -= lr * grad[i] / (math.Sqrt(r.v[i]) + eps)
	}
}

// quadratic problem: loss = Σ ½·a⊙w² + c⊙w + Σ (b − 1)⁴, so ∂/∂w = a⊙w + c and ∂/∂b = 4(b − 1)³.
var (
	rmsA  = []float64{1, 2, 0.5, 3, 0.1, 1.5}
	rmsC  = []float64{0.3, -0.2, 0, 1, -1, 0.05}
	rmsW0 = []float64{1, -1, 2, 0.5, -0.3, 0}
	rmsB0 = []float64{0.2, 1.5, -0.7}
)

func rmsGrads(w, b []float64) (gw, gb []float64) {
	for i := range w {
		gw = append(gw, rmsA[i]*w[i]+rmsC[i])
	}
	for _, v := range b {
		gb = append(gb, 4*math.Pow(v-1, 3))
	}
	return
}

func rmsLoss(scope *model.Scope, g *Graph) *Node {
	m := scope.At("model")
	w := m.VariableWithValue("w", tensors.FromFlatDataAndDimensions(append([]float64(nil), rmsW0...), 2, 3)).NodeValue(g)
	bv := m.VariableWithValue("b", append([]float64(nil), rmsB0...)).NodeValue(g)
	a := Const(g, tensors.FromFlatDataAndDimensions(rmsA, 2, 3))
	c := Const(g, tensors.FromFlatDataAndDimensions(rmsC, 2, 3))
	lw := ReduceAllSum(Add(MulScalar(Mul(a, Square(w)), 0.5), Mul(c, w)))
	return Add(lw, ReduceAllSum(PowScalar(AddScalar(bv, -1), 4)))
}

func varFloat64s(t *testing.T, scope *model.Scope, scopeAndName string) []float64 {
	t.Helper()
	v := scope.Store().GetVariable(scopeAndName)
	if v == nil {
		t.Fatalf("no variable %s", scopeAndName)
	}
	return tensors.MustCopyFlatData[float64](v.MustValue())
}

func requireClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*(1+math.Abs(want[i])) {
			t.Errorf("%s[%d] = %.12g, reference %.12g", what, i, got[i], want[i])
		}
	}
}

// TestRMSPropAgainstReference: 6 steps on a quadratic (and a quartic) match PyTorch's RMSprop formula computed in
// float64; the state sits under the scope the optimizer is given (the variables' scope).
func TestRMSPropAgainstReference(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		const lr = 0.01
		scope := model.NewStore().RootScope()
		opt := optim.RMSProp(lr)
		e := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, g *Graph) *Node {
			loss := rmsLoss(scope, g)
			opt.UpdateGraph(scope.At("model"), g, loss)
			return loss
		})
		defer e.Finalize()
		w, bb := append([]float64(nil), rmsW0...), append([]float64(nil), rmsB0...)
		var rw, rb rmsRef
		for step := 1; step <= 6; step++ {
			e.MustCall()
			gw, gb := rmsGrads(w, bb)
			rw.step(w, gw, lr, 0.99, 1e-8)
			rb.step(bb, gb, lr, 0.99, 1e-8)
			requireClose(t, "w", varFloat64s(t, scope, "/model/w"), w, 1e-12)
			requireClose(t, "b", varFloat64s(t, scope, "/model/b"), bb, 1e-12)
			requireClose(t, "v(w)", varFloat64s(t, scope, "/model/rmsprop/model/w_square_avg"), rw.v, 1e-12)
		}
		if steps := optimizer.GetGlobalStep(scope); steps != 6 {
			t.Errorf("the store's global step is %d, want 6", steps)
		}
		if lrv := varFloat64s(t, scope, "/model/optimizers/learning_rate"); lrv[0] != lr {
			t.Errorf("learning rate variable %g, want %g", lrv[0], lr)
		}
		// Clear removes the averages: the next step is a first step again (v = 0.01·g²).
		if err := opt.Clear(scope.At("model")); err != nil {
			t.Fatal(err)
		}
		if v := scope.Store().GetVariable(model.JoinPath("/model/rmsprop/model", "w_square_avg")); v != nil {
			t.Fatalf("Clear left %s", v.Path())
		}
	})
}

// TestRMSPropFirstStepByHand: v = 0.01·g², so the first step is lr·g/(0.1·|g| + 1e-8) ≈ 10·lr·sign(g).
func TestRMSPropFirstStepByHand(t *testing.T) {
	b := backendtest.Go(t)
	scope := model.NewStore().RootScope()
	model.MustCallOnce(b, scope.Store(), func(scope *model.Scope, g *Graph) *Node {
		loss := rmsLoss(scope, g)
		optim.RMSProp(1e-3).UpdateGraph(scope.At("model"), g, loss)
		return loss
	})
	// ∂/∂w[0] = 1·1 + 0.3 = 1.3 > 0; ∂/∂w[5] = 1.5·0 + 0.05 > 0; ∂/∂b[1] = 4·0.5³ > 0; ∂/∂b[0] < 0.
	first := func(theta, g float64) float64 { return theta - 1e-3*g/(math.Sqrt(0.01*g*g)+1e-8) } // ≈ θ − 0.01·sign(g)
	want := []float64{first(1, 1.3), first(0, 0.05)}
	got := varFloat64s(t, scope, "/model/w")
	if math.Abs(got[0]-want[0]) > 1e-12 || math.Abs(got[5]-want[1]) > 1e-12 || math.Abs(want[1]+0.01) > 1e-6 {
		t.Errorf("w[0], w[5] after one step: %.10g, %.10g; want %.10g, %.10g", got[0], got[5], want[0], want[1])
	}
	if gotB, wantB := varFloat64s(t, scope, "/model/b"), first(0.2, 4*math.Pow(0.2-1, 3)); math.Abs(gotB[0]-wantB) > 1e-12 || math.Abs(wantB-0.21) > 1e-6 {
		t.Errorf("b[0] after one step: %.10g, want %.10g ≈ 0.21", gotB[0], wantB)
	}
}

// TestRMSPropScopesDoNotShareState: two RMSProp optimizers in one graph, each given its own player's scope (as
// the trainer does), update only that player's variables, each with its own learning rate and running average.
func TestRMSPropScopesDoNotShareState(t *testing.T) {
	b := backendtest.Go(t)
	scope := model.NewStore().RootScope()
	optA, optB := optim.RMSProp(0.01), optim.RMSProp(0.003)
	e := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, g *Graph) *Node {
		loss := Add(rmsLoss(scope.At("a"), g), rmsLoss(scope.At("b"), g))
		optA.UpdateGraph(scope.At("a"), g, loss)
		optB.UpdateGraph(scope.At("b"), g, loss)
		return loss
	})
	defer e.Finalize()
	wa, ba := append([]float64(nil), rmsW0...), append([]float64(nil), rmsB0...)
	wb, bb := append([]float64(nil), rmsW0...), append([]float64(nil), rmsB0...)
	var rwa, rba, rwb, rbb rmsRef
	for range 3 {
		e.MustCall()
		gw, gb := rmsGrads(wa, ba)
		rwa.step(wa, gw, 0.01, 0.99, 1e-8)
		rba.step(ba, gb, 0.01, 0.99, 1e-8)
		gw, gb = rmsGrads(wb, bb)
		rwb.step(wb, gw, 0.003, 0.99, 1e-8)
		rbb.step(bb, gb, 0.003, 0.99, 1e-8)
	}
	requireClose(t, "a: w", varFloat64s(t, scope, "/a/model/w"), wa, 1e-12)
	requireClose(t, "a: b", varFloat64s(t, scope, "/a/model/b"), ba, 1e-12)
	requireClose(t, "b: w", varFloat64s(t, scope, "/b/model/w"), wb, 1e-12)
	requireClose(t, "b: b", varFloat64s(t, scope, "/b/model/b"), bb, 1e-12)
	requireClose(t, "v_a(w)", varFloat64s(t, scope, "/a/rmsprop/a/model/w_square_avg"), rwa.v, 1e-12)
	requireClose(t, "v_b(w)", varFloat64s(t, scope, "/b/rmsprop/b/model/w_square_avg"), rwb.v, 1e-12)
}
