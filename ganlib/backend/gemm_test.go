package backend

import (
	"math"
	"os"
	"testing"

	"github.com/gomlx/gomlx/backends/simplego/packgemm"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestPackGEMMStaleOutput: a NaN left in the pure-Go backend's buffer pool must not reach a later matrix product's
// result. A graph returns an all-NaN [m, n] tensor, which goes back to the pool when freed; then a product of two
// finite matrices with an [m, n] result, large enough for a packed GEMM, must equal k·1·1 everywhere. With GoMLX's
// own packed GEMM unwrapped (GANLAB_TEST_RAW_PACKGEMM=1, in a GOEXPERIMENT=simd build) the product is NaN: see
// setupGEMM. It runs in every build: whichever product setupGEMM chose must pass.
func TestPackGEMMStaleOutput(t *testing.T) {
	t.Logf("pure-Go config %q; %s", GoConfig, gemmNote)
	if os.Getenv("GANLAB_TEST_RAW_PACKGEMM") == "1" {
		if rawGEMM == nil {
			t.Skip("no packed GEMM registered in this build")
		}
		regs := packgemm.DTypeToGEMM[packgemm.GetDTypePair[float32, float32]()]
		wrapped := regs[0].GEMMFn
		regs[0].GEMMFn = rawGEMM
		defer func() { regs[0].GEMMFn = wrapped }()
	}
	b, err := NewGo()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	const m, n, k = 256, 192, 64
	nanExec := graph.MustNewExec(b, func(g *graph.Graph) *graph.Node {
		zero := graph.Zeros(g, shapes.Make(dtypes.Float32, m, n))
		return graph.Div(zero, zero)
	})
	defer nanExec.Finalize()
	prodExec := graph.MustNewExec(b, func(g *graph.Graph) *graph.Node {
		ones := func(r, c int) *graph.Node { return graph.Ones(g, shapes.Make(dtypes.Float32, r, c)) }
		return graph.DotGeneral(ones(m, k), []int{1}, nil, ones(k, n), []int{0}, nil)
	})
	defer prodExec.Finalize()
	for round := range 5 {
		poison := nanExec.MustExec()[0]
		if v := poison.Value().([][]float32)[0][0]; !math.IsNaN(float64(v)) {
			t.Fatalf("the poison graph returned %g, not NaN", v)
		}
		poison.FinalizeAll() // its buffer goes back to the pool
		out := prodExec.MustExec()[0]
		bad := 0
		for _, row := range out.Value().([][]float32) {
			for _, v := range row {
				if v != k {
					bad++
				}
			}
		}
		out.FinalizeAll()
		if bad > 0 {
			t.Fatalf("round %d: %d of %d values of ones·ones are not %d (stale NaN from the buffer pool)", round, bad, m*n, k)
		}
	}
}
