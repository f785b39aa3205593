package gan

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
)

// TestProbeSum: probeSum (a product with ones on the pure-Go backend for large tensors) is the sum of the values,
// and NaN or ±Inf anywhere (one value, at either end or inside) makes it non-finite, at sizes that take the
// product (2^16, 3·2^16: w = 4096) and sizes that do not (2^16+1: no power of two ≥ 64 divides it; 100).
func TestProbeSum(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		exec := graph.MustNewExec(b, probeSum)
		defer exec.Finalize()
		rng := rand.New(rand.NewPCG(5, 8))
		for _, n := range []int{1 << 16, 3 << 16, 1<<16 + 1, 100} {
			vals := make([]float32, n)
			want := 0.0
			for i := range vals {
				vals[i] = float32(rng.NormFloat64())
				want += float64(vals[i])
			}
			got := float64(exec.MustCall(tensors.FromFlatDataAndDimensions(vals, n))[0].Value().(float32))
			if math.Abs(got-want) > 1e-3*math.Sqrt(float64(n)) {
				t.Errorf("n=%d: probeSum %g, want %g", n, got, want)
			}
			for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
				for _, at := range []int{0, n / 3, n - 1} {
					poisoned := append([]float32(nil), vals...)
					poisoned[at] = bad
					s := float64(exec.MustCall(tensors.FromFlatDataAndDimensions(poisoned, n))[0].Value().(float32))
					if !math.IsNaN(s) && !math.IsInf(s, 0) {
						t.Errorf("n=%d, %v at %d: probeSum %g is finite", n, bad, at, s)
					}
				}
			}
		}
	})
}
