package gan

import (
	"strings"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	. "github.com/gomlx/gomlx/core/graph"
)

// ClipVariables is WGAN's weight clipping (Arjovsky, Chintala & Bottou 2017, Algorithm 1 line 7, c = 0.01,
// https://arxiv.org/abs/1701.07875): in graph g it assigns clip(w, −c, c) to every trainable variable under scope
// (e.g. DiscriminatorScope; with or without the leading "/"), like PyTorch's
// `for p in netD.parameters(): p.data.clamp_(-c, c)`. Non-trainable variables (BatchNorm's moving statistics,
// optimizer state) are left alone.
//
// The assignment is Variable.SetValueGraph on the variable's latest value in g, so called after the optimizer's
// UpdateGraph in the same step graph it clips the updated weights, as the paper does; the executor writes the
// clipped values back after the step. It returns the variables it clipped, and panics if there are none (a wrong
// scope, or called before the network was built) or if c ≤ 0.
func ClipVariables(scope *model.Scope, g *Graph, scopeName string, c float64) []*model.Variable {
	if !(c > 0) {
		exceptions.Panicf("gan.ClipVariables: the clipping bound c must be > 0, got %g", c)
	}
	prefix := model.ScopeSeparator + strings.TrimPrefix(scopeName, model.ScopeSeparator)
	var clipped []*model.Variable
	for v := range scope.IterVariables() {
		if !v.Trainable || !(v.Scope() == prefix || strings.HasPrefix(v.Scope(), prefix+model.ScopeSeparator)) {
			continue
		}
		if !v.Shape().DType.IsFloat() {
			continue
		}
		v.SetNodeValue(ClipScalar(v.NodeValue(g), -c, c))
		clipped = append(clipped, v)
	}
	if len(clipped) == 0 {
		exceptions.Panicf("gan.ClipVariables: no trainable variable under scope %q", prefix)
	}
	return clipped
}
