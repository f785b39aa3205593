package gan

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// The NaN/Inf guard names the first layer whose output was not finite. Each training step graph carries a probe
// (a graph parameter); ProbeLayer, called by models.Stack after every layer, adds to it the count of finite
// values of that layer's output, so one extra small vector per step comes back, computed in the same forward pass
// as the loss (before the update that a NaN would spoil). Networks that are not a models.Stack are not probed:
// the error then names the loss only.
const layerProbeParam = "gan_layer_probe"

type layerProbe struct {
	pass   string // "G(z)", "D(x)" or "D(G(z))": which call of which player is being built
	names  []string
	sizes  []int
	counts []*Node
}

// ProbeLayer records, when the graph being built is one of the Trainer's training steps, whether the output x
// of the layer in scope is finite (models.Stack calls it after every layer; other networks may too). It adds no
// node to other graphs.
func ProbeLayer(ctx *context.Context, scope string, x *Node) {
	v, _ := ctx.GetGraphParam(x.Graph(), layerProbeParam)
	p, ok := v.(*layerProbe)
	if !ok || p == nil || !x.DType().IsFloat() {
		return
	}
	p.names = append(p.names, fmt.Sprintf("%s in %s", scope, p.pass))
	p.sizes = append(p.sizes, x.Shape().Size())
	p.counts = append(p.counts, ReduceAllSum(ConvertDType(IsFinite(x), dtypes.Int32)))
}

// startProbe attaches a new probe to g's graph parameters.
func startProbe(ctx *context.Context, g *Graph) *layerProbe {
	p := &layerProbe{}
	ctx.SetGraphParam(g, layerProbeParam, p)
	return p
}

// output is the probe's vector of finite counts (a [1] zero when nothing was probed).
func (p *layerProbe) output(g *Graph) *Node {
	if len(p.counts) == 0 {
		return Const(g, []int32{0})
	}
	return Stack(p.counts, 0)
}

// firstNonFinite names the first probed layer output that held a NaN or Inf, or "" when there is none (or no
// probe).
func (p *layerProbe) firstNonFinite(out *tensors.Tensor) string {
	if p == nil || len(p.names) == 0 {
		return ""
	}
	counts, ok := out.Value().([]int32)
	if !ok || len(counts) != len(p.names) {
		return ""
	}
	for i, c := range counts {
		if bad := p.sizes[i] - int(c); bad > 0 {
			return fmt.Sprintf("%s (%d of %d values not finite)", p.names[i], bad, p.sizes[i])
		}
	}
	return ""
}
