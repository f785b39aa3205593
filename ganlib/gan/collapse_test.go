package gan_test

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

func TestDiversity(t *testing.T) {
	// Three 2-pixel images: (0,0), (3,4), (0,0): distances 5, 0, 5 → mean 10/3.
	if d := gan.Diversity([]float32{0, 0, 3, 4, 0, 0}, 3, 2); d < 3.3333 || d > 3.3334 {
		t.Errorf("Diversity = %v, want 10/3", d)
	}
	if d := gan.Diversity([]float32{1, 2}, 1, 2); d != 0 {
		t.Errorf("one image: %v", d)
	}
}

// TestCollapseMonitor: a generator that ignores z (every sample the same image) is flagged, with a message that
// says what to try; the tiny MLP generator, untrained and after a few steps, is not.
func TestCollapseMonitor(t *testing.T) {
	b := backendtest.Go(t) // CPU arithmetic only: the check itself runs in Go
	constant := tinyVariant()
	constant.Name = "constant"
	constant.Generator = gan.PlainG(func(scope *model.Scope, z *Node) *Node {
		x := nn.Dense(scope.At("000_dense"), MulScalar(z, 0), 16) // z is ignored: the bias alone
		return nn.Reshape(Tanh(x), 4, 4, 1)
	})
	for _, c := range []struct {
		v         gan.Variant
		collapsed bool
	}{{tinyVariant(), false}, {constant, true}} {
		tr := newTiny(t, b, c.v)
		var reports []gan.Collapse
		if err := tr.Train(6, gan.CollapseMonitor(3, 0, func(r gan.Collapse) { reports = append(reports, r) })); err != nil {
			t.Fatal(err)
		}
		now, err := tr.CheckCollapse(0)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: diversity ratio %.3f after %d steps", c.v.Name, now.Ratio, tr.Step())
		if now.Collapsed != c.collapsed {
			t.Errorf("%s: collapsed = %v (ratio %.3f), want %v", c.v.Name, now.Collapsed, now.Ratio, c.collapsed)
		}
		if !c.collapsed {
			if len(reports) != 0 {
				t.Errorf("%s: healthy generator reported: %+v", c.v.Name, reports)
			}
			continue
		}
		// Reported once (at step 3), not again at step 6 while still collapsed.
		if len(reports) != 1 || reports[0].Step != 3 || reports[0].Ratio > 1e-6 {
			t.Fatalf("%s: reports %+v, want one at step 3 with ratio 0", c.v.Name, reports)
		}
		for _, want := range []string{"step 3", "collapsed", "lower D's learning rate", "non-saturating", "noise"} {
			if !strings.Contains(reports[0].Message, want) {
				t.Errorf("message lacks %q: %s", want, reports[0].Message)
			}
		}
	}
}
