package gan_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// TestNonFiniteNamesTheLayer: a generator whose second layer makes NaN (log of a negative number) stops training
// in step 1 with an error naming the discriminator loss and that layer; with the poison in D's second layer the
// error names D's layer on the real batch (the first pass through D); a layer whose values all overflow to +Inf
// (no NaN in it; the NaN appears in the next layer) is the one named.
func TestNonFiniteNamesTheLayer(t *testing.T) {
	dense := func(units int) models.Layer {
		return models.Layer{Name: "dense", Fn: func(scope *model.Scope, x *Node) *Node { return nn.Dense(scope, x, units) }}
	}
	poison := models.Layer{Name: "poison", Fn: func(_ *model.Scope, x *Node) *Node { return Log(Neg(OnePlus(Abs(x)))) }}
	// +Inf in every value (exp overflows float32), no NaN: the probe must name this layer, not a later one.
	overflow := models.Layer{Name: "overflow", Fn: func(_ *model.Scope, x *Node) *Node { return Exp(AddScalar(Abs(x), 1000)) }}
	tanh := models.Layer{Name: "tanh", Fn: func(_ *model.Scope, x *Node) *Node { return nn.Reshape(Tanh(x), 4, 4, 1) }}
	flatten := models.Layer{Name: "flatten", Fn: func(_ *model.Scope, x *Node) *Node { return nn.Flatten(x) }}
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		for _, c := range []struct {
			g, d models.Stack
			want string
		}{
			{models.Stack{dense(8), poison, dense(16), tanh}, models.Stack{flatten, dense(8), dense(1)}, "/generator/001_poison in G(z)"},
			{models.Stack{dense(16), tanh}, models.Stack{flatten, poison, dense(1)}, "/discriminator/001_poison in D(x)"},
			{models.Stack{dense(8), overflow, dense(16), tanh}, models.Stack{flatten, dense(8), dense(1)}, "/generator/001_overflow in G(z)"},
		} {
			v := tinyVariant()
			v.Generator, v.Discriminator = gan.PlainG(c.g.Network()), gan.PlainD(c.d.Network())
			tr := newTiny(t, b, v)
			_, err := tr.TrainStep()
			var nf *gan.NonFiniteError
			if !errors.As(err, &nf) || nf.Step != 1 || nf.Loss != "discriminator loss" || !strings.HasPrefix(nf.Layer, c.want) {
				t.Fatalf("want a NonFiniteError at step 1 naming %q, got %v", c.want, err)
			}
			if !strings.Contains(err.Error(), "first non-finite layer output was "+c.want) {
				t.Errorf("message: %v", err)
			}
			t.Log(err)
		}
	})
}
