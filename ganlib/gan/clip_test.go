package gan_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/optim"

	. "github.com/gomlx/gomlx/core/graph"
)

// TestClipVariables: trainable variables under the scope are clipped to [−c, c] after the optimizer's update in the
// same graph; the other network and non-trainable variables are untouched.
func TestClipVariables(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		scope := model.NewStore().RootScope()
		d := scope.At(gan.DiscriminatorScope)
		d.At("000_dense").VariableWithValue("weights", []float64{-0.5, 0.005, 0.02, -0.01, 0.009})
		d.VariableWithValue("moving_mean", []float64{3, -3}).SetTrainable(false)
		scope.At(gan.GeneratorScope).VariableWithValue("weights", []float64{0.7, -2})
		var names []string
		e := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, g *Graph) *Node {
			w := scope.Store().GetVariable(model.JoinPath("/discriminator/000_dense", "weights")).NodeValue(g)
			// loss = −w[4] + Σ_{i<4} 0·w[i]: only w[4] gets a gradient; RMSProp's first step adds ≈ 10·lr = 0.01 to it.
			loss := Neg(ReduceAllSum(Mul(w, Const(g, []float64{0, 0, 0, 0, 1}))))
			optim.RMSProp(1e-3).UpdateGraph(scope.At(gan.DiscriminatorScope), g, loss)
			for _, v := range gan.ClipVariables(scope, g, gan.DiscriminatorScope, 0.01) {
				names = append(names, v.Path())
			}
			return loss
		})
		defer e.Finalize()
		e.MustCall()
		if fmt.Sprint(names) != "[/discriminator/000_dense/weights]" {
			t.Errorf("clipped %v, want only /discriminator/000_dense/weights", names)
		}
		got := varFloat64s(t, scope, "/discriminator/000_dense/weights")
		// w[4]: 0.009 + 0.01 = 0.019 after the update, clipped to 0.01 (clipping acts on the updated value).
		want := []float64{-0.01, 0.005, 0.01, -0.01, 0.01}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-15 {
				t.Errorf("D weights[%d] = %g, want %g", i, got[i], want[i])
			}
		}
		if fmt.Sprint(varFloat64s(t, scope, "/discriminator/moving_mean")) != "[3 -3]" {
			t.Errorf("non-trainable variable changed: %v", varFloat64s(t, scope, "/discriminator/moving_mean"))
		}
		if fmt.Sprint(varFloat64s(t, scope, "/generator/weights")) != "[0.7 -2]" {
			t.Errorf("generator changed: %v", varFloat64s(t, scope, "/generator/weights"))
		}
	})
}

func TestClipVariablesBadInput(t *testing.T) {
	b := backendtest.Go(t)
	for name, c := range map[string]float64{"no variables": 0.01, "c = 0": 0} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "gan.ClipVariables") {
					t.Errorf("panic %v, want one naming gan.ClipVariables", r)
				}
			}()
			scope := model.NewStore().RootScope()
			scope.At("generator").VariableWithValue("w", []float32{1})
			model.MustCallOnce(b, scope.Store(), func(scope *model.Scope, g *Graph) *Node {
				gan.ClipVariables(scope, g, "/discriminator", c)
				return Const(g, float32(0))
			})
		})
	}
}

// varFloat64s returns the float64 values of the variable at scopeAndName (e.g. "/discriminator/000_dense/weights").
func varFloat64s(t *testing.T, scope *model.Scope, scopeAndName string) []float64 {
	t.Helper()
	v := scope.Store().GetVariable(scopeAndName)
	if v == nil {
		t.Fatalf("no variable %s", scopeAndName)
	}
	return tensors.MustCopyFlatData[float64](v.MustValue())
}
