package optim

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"

	. "github.com/gomlx/gomlx/core/graph"
)

// quadraticUpdate compiles one opt update of the quadratic loss ½‖w − target‖² (gradient w − target) of a variable
// "w" (zeros) in the "model" scope; the optimizer is given that scope and keeps its state there.
func quadraticUpdate(t *testing.T, b compute.Backend, scope *model.Scope, opt optimizer.Interface, target []float32) *model.Exec {
	t.Helper()
	exec, err := model.NewExec(b, scope.Store(), func(scope *model.Scope, g *Graph) *Node {
		scope = scope.At("model")
		w := scope.VariableWithValue("w", make([]float32, len(target))).NodeValue(g)
		loss := MulScalar(ReduceAllSum(Square(Sub(w, Const(g, target)))), 0.5)
		opt.UpdateGraph(scope, g, loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	return exec
}

// checkW fails t unless the variable "/model/w" equals the hand-computed w within 1e-6.
func checkW(t *testing.T, scope *model.Scope, w []float64, what string) {
	t.Helper()
	got := tensors.MustCopyFlatData[float32](scope.Store().GetVariable(model.JoinPath("/model", "w")).MustValue())
	for i := range w {
		if math.Abs(float64(got[i])-w[i]) > 1e-6 {
			t.Fatalf("%s: w = %v, by hand %v", what, got, w)
		}
	}
}

// TestMomentumAgainstHandComputation runs six updates of a quadratic loss ½‖w − t‖² (gradient w − t) and compares
// every step with the update rule written out in float64: learning rate decayed by 2 per update down to a floor,
// momentum ramping from 0.5 to 0.9 between epochs 1 and 3 of 2 updates each.
func TestMomentumAgainstHandComputation(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		cfg := MomentumConfig{LearningRate: 0.4, Decay: 2, MinLearningRate: 0.06, InitialMomentum: 0.5, FinalMomentum: 0.9,
			MomentumStart: 1, MomentumSaturate: 3, StepsPerEpoch: 2}
		// Rates by hand: lr 0.4, 0.2, 0.1, 0.06 (floor), …; epochs before update s: 0,0,1,1,2,2 → momentum 0.5,
		// 0.5, 0.5, 0.5, 0.7, 0.7.
		wantLR := []float64{0.4, 0.2, 0.1, 0.06, 0.06, 0.06}
		wantM := []float64{0.5, 0.5, 0.5, 0.5, 0.7, 0.7}
		for s := range wantLR {
			lr, m := cfg.Rate(s + 1)
			if math.Abs(lr-wantLR[s]) > 1e-15 || math.Abs(m-wantM[s]) > 1e-15 {
				t.Fatalf("Rate(%d) = %g, %g; want %g, %g", s+1, lr, m, wantLR[s], wantM[s])
			}
		}

		target := []float32{1, -2, 0.5}
		scope := model.NewStore().RootScope()
		opt := Momentum(cfg)
		exec := quadraticUpdate(t, b, scope, opt, target)
		w := []float64{0, 0, 0}
		v := []float64{0, 0, 0}
		for s := range wantLR {
			if _, err := exec.Call(); err != nil {
				t.Fatal(err)
			}
			for i := range w {
				grad := w[i] - float64(target[i])
				v[i] = wantM[s]*v[i] - wantLR[s]*grad
				w[i] += v[i]
			}
			checkW(t, scope, w, fmt.Sprintf("update %d", s+1))
		}
		if st := scope.Store().GetVariable(model.JoinPath("/model", MomentumStepName)); st == nil || st.MustValue().Value().(int64) != 6 {
			t.Errorf("update counter: %v, want 6", st)
		}
		if err := opt.Clear(scope.At("model")); err != nil {
			t.Fatal(err)
		}
		if scope.Store().GetVariable(model.JoinPath("/model", MomentumStepName)) != nil {
			t.Error("Clear left the update counter")
		}
	})
}

// TestMomentumMaxColNorm: one plain SGD step (momentum 0) on W [2,2] followed by the column-norm cap: a column
// with norm 5 is scaled to norm 1, a column with norm 0.5 is left alone.
func TestMomentumMaxColNorm(t *testing.T) {
	b := backendtest.Go(t)
	scope := model.NewStore().RootScope()
	opt := Momentum(MomentumConfig{LearningRate: 1, MaxColNorm: 1})
	// loss = −Σ W·C, gradient −C: the step adds C to W = 0, so W becomes C before the cap.
	c := [][]float32{{3, 0.3}, {4, 0.4}}
	exec, err := model.NewExec(b, scope.Store(), func(scope *model.Scope, g *Graph) *Node {
		w := scope.VariableWithValue("w", [][]float32{{0, 0}, {0, 0}}).NodeValue(g)
		loss := Neg(ReduceAllSum(Mul(w, Const(g, c))))
		opt.UpdateGraph(scope, g, loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.Call(); err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](scope.Store().GetVariable(model.JoinPath("/", "w")).MustValue())
	want := []float64{0.6, 0.3, 0.8, 0.4} // column 0: (3,4)/5·1; column 1 unchanged
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > 1e-5 {
			t.Fatalf("W = %v, want %v", got, want)
		}
	}
}

func TestMomentumRejectsBadConfig(t *testing.T) {
	for _, cfg := range []MomentumConfig{{}, {LearningRate: 0.1, Decay: 0.5}, {LearningRate: 0.1, FinalMomentum: 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Momentum(%+v) did not panic", cfg)
				}
			}()
			Momentum(cfg)
		}()
	}
}

// TestMomentumAnneal checks the late anneal against a hand computation: constant learning rate 0.4, momentum 0.5,
// anneal after 1 update over 2 updates to 0.25, so a_s = 0.25^clip((s−2)/2, 0, 1) = 1, 1, 0.5, 0.25, 0.25 and
// lr_s = 0.4, 0.4, 0.2, 0.1, 0.1. It runs once from update 1 and once "resumed" with the update counter at 2 (as a
// checkpoint restores it), which must continue at lr 0.2.
func TestMomentumAnneal(t *testing.T) {
	cfg := MomentumConfig{LearningRate: 0.4, InitialMomentum: 0.5, FinalMomentum: 0.5, AnnealFrom: 1, AnnealSteps: 2, AnnealTo: 0.25}
	wantLR := []float64{0.4, 0.4, 0.2, 0.1, 0.1}
	for s := range wantLR {
		lr, m := cfg.Rate(s + 1)
		if math.Abs(lr-wantLR[s]) > 1e-15 || m != 0.5 {
			t.Fatalf("Rate(%d) = %g, %g; want %g, 0.5", s+1, lr, m, wantLR[s])
		}
	}
	if lr, _ := (MomentumConfig{LearningRate: 0.4}).Rate(7); lr != 0.4 {
		t.Fatalf("without an anneal Rate(7) = %g, want 0.4", lr)
	}
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		for _, first := range []int{1, 3} {
			target := []float32{1, -2, 0.5}
			scope := model.NewStore().RootScope()
			if first > 1 {
				scope.At("model").VariableWithValue(MomentumStepName, int64(first-1)).SetTrainable(false)
			}
			opt := Momentum(cfg)
			exec := quadraticUpdate(t, b, scope, opt, target)
			w := []float64{0, 0, 0}
			v := []float64{0, 0, 0}
			for s := first; s <= len(wantLR); s++ {
				if _, err := exec.Call(); err != nil {
					t.Fatal(err)
				}
				for i := range w {
					v[i] = 0.5*v[i] - wantLR[s-1]*(w[i]-float64(target[i]))
					w[i] += v[i]
				}
				checkW(t, scope, w, fmt.Sprintf("first update %d, update %d", first, s))
			}
		}
	})
}

// TestMomentumAnnealInvalid: an anneal factor outside (0, 1] is rejected.
func TestMomentumAnnealInvalid(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("optim.Momentum accepted AnnealTo = 0")
		}
	}()
	Momentum(MomentumConfig{LearningRate: 0.1, AnnealSteps: 5, AnnealTo: 0})
}
