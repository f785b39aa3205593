package vjp

import (
	"testing"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestSet checks that Set replaces a two-input node's gradient (here Mul's, by 10·v for both inputs).
func TestSet(t *testing.T) {
	b, err := compute.NewWithConfig("go:ops_sequential") // see backend.GoConfig: avoids a worker-pool deadlock
	if err != nil {
		t.Fatal(err)
	}
	out := graph.MustExecOnceN(b, func(x, y *graph.Node) []*graph.Node {
		z := graph.Mul(x, y)
		Set(z, func(_, v *graph.Node) []*graph.Node {
			return []*graph.Node{graph.MulScalar(v, 10), graph.MulScalar(v, 10)}
		})
		return graph.Gradient(graph.ReduceAllSum(z), x, y)
	}, 2.0, 3.0)
	gx, gy := tensors.ToScalar[float64](out[0]), tensors.ToScalar[float64](out[1])
	if gx != 10 || gy != 10 {
		t.Fatalf("gradients %g, %g, want the custom 10, 10 (GoMLX's own would be 3, 2)", gx, gy)
	}
}
