package gan

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/internal/purego"

	. "github.com/gomlx/gomlx/core/graph"
)

// The NaN/Inf guard names the first layer whose output was not finite. Each training step graph carries a probe
// (a graph parameter); ProbeLayer, called by models.Stack after every layer, adds to it the sum of that layer's
// output values, so one extra small vector per step comes back, computed in the same forward pass as the loss
// (before the update that a NaN would spoil). A NaN or ±Inf anywhere in a tensor makes its sum NaN or ±Inf (IEEE
// arithmetic, on every backend), so a non-finite sum marks the layer. The sum is a plain reduction of the
// activation: an earlier probe, ReduceAllSum(ConvertDType(IsFinite(x), Int32)), counted the finite values, but XLA's
// CPU backend did not fuse the conversion into the reduction and wrote an int32 copy of every activation (128 MiB
// for one layer of the lecture's DCGAN at batch 16), which raised the peak memory of a training step by hundreds of
// MiB. The sum never misses a NaN or Inf; it can only raise a false alarm, when finite values sum past float32's
// range (|Σ| > 3.4·10³⁸), and it is only read once a loss is already non-finite. Networks that are not a models.Stack
// are not probed: the error then names the loss only.
const layerProbeParam = "gan_layer_probe"

type layerProbe struct {
	pass  string // "G(z)", "D(x)" or "D(G(z))": which call of which player is being built
	names []string
	sizes []int
	sums  []*Node
}

// ProbeLayer records, when the graph being built is one of the Trainer's training steps, whether the output x
// of the layer in scope is finite (models.Stack calls it after every layer; other networks may too). It adds no
// node to other graphs.
func ProbeLayer(scope *model.Scope, scopeName string, x *Node) {
	v, _ := scope.GetGraphParam(x.Graph(), layerProbeParam)
	p, ok := v.(*layerProbe)
	if !ok || p == nil || !x.DType().IsFloat() {
		return
	}
	p.names = append(p.names, fmt.Sprintf("%s in %s", scopeName, p.pass))
	p.sizes = append(p.sizes, x.Shape().Size())
	p.sums = append(p.sums, ConvertDType(probeSum(x), dtypes.Float32))
}

// probeSum is Σx. GoMLX's pure-Go backend runs ReduceAllSum one element at a time, and a product with a vector of
// ones (its packed GEMM) sums faster, so there a tensor of at least 64 Ki values whose size a power of two from 64
// to 4096 divides is summed as ones[1, n/w]·[n/w, w], then summed. The ones are the left operand: as the right one
// ([n/w, w]·[w, 1]) the GEMM pads the single column to 32. Elsewhere (XLA fuses the reduction) it is
// ReduceAllSum. The measurements are in docs/benchmarks.md ("The NaN probe's sum").
func probeSum(x *Node) *Node {
	n := x.Shape().Size()
	if purego.On(x.Graph()) && n >= 1<<16 {
		for w := 4096; w >= 64; w /= 2 {
			if n%w == 0 {
				ones := Ones(x.Graph(), shapes.Make(x.DType(), 1, n/w))
				return ReduceAllSum(DotGeneral(ones, []int{1}, nil, Reshape(x, n/w, w), []int{0}, nil))
			}
		}
	}
	return ReduceAllSum(x)
}

// startProbe attaches a new probe to g's graph parameters.
func startProbe(scope *model.Scope, g *Graph) *layerProbe {
	p := &layerProbe{}
	scope.SetGraphParam(g, layerProbeParam, p)
	return p
}

// output is the probe's vector of per-layer sums (a [1] zero when nothing was probed).
func (p *layerProbe) output(g *Graph) *Node {
	if len(p.sums) == 0 {
		return Const(g, []float32{0})
	}
	return Stack(p.sums, 0)
}

// firstNonFinite names the first probed layer output that held a NaN or Inf, or "" when there is none (or no
// probe).
func (p *layerProbe) firstNonFinite(out *tensors.Tensor) string {
	if p == nil || len(p.names) == 0 {
		return ""
	}
	sums, ok := out.Value().([]float32)
	if !ok || len(sums) != len(p.names) {
		return ""
	}
	for i, s := range sums {
		if v := float64(s); math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Sprintf("%s (%d values, their sum %v)", p.names[i], p.sizes[i], v)
		}
	}
	return ""
}
