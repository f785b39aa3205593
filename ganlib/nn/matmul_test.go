package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// TestContract checks contract's value and its first- and second-order gradients for every pair of contracted
// axes, at shapes where the pure-Go backend transposes the operands (a·b) and where it computes (bᵀ·aᵀ)ᵀ instead
// (a long operand beside a short one, as in a kernel gradient colsᵀ·dy).
func TestContract(t *testing.T) {
	// Per (ca, cb): the shapes of a and b, the first pair transposed into matrix-product order on the pure-Go
	// backend, the second computed as (bᵀ·aᵀ)ᵀ (none for (1, 0), already in that order).
	type pair struct{ a, b [2]int }
	cases := map[[2]int][]pair{
		{0, 0}: {{[2]int{6, 2}, [2]int{6, 3}}, {[2]int{3, 9}, [2]int{3, 2}}},
		{0, 1}: {{[2]int{2, 8}, [2]int{5, 2}}, {[2]int{3, 9}, [2]int{2, 3}}},
		{1, 1}: {{[2]int{2, 6}, [2]int{3, 6}}, {[2]int{2, 3}, [2]int{9, 3}}},
		{1, 0}: {{[2]int{2, 6}, [2]int{6, 3}}},
	}
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(3, 5))
		for axes, pairs := range cases {
			ca, cb := axes[0], axes[1]
			for _, p := range pairs {
				t.Run(fmt.Sprintf("a%v_b%v_ca%d_cb%d", p.a, p.b, ca, cb), func(t *testing.T) {
					na, nb := p.a[0]*p.a[1], p.b[0]*p.b[1]
					prod := func(x *graph.Node) *graph.Node {
						return contract(graph.Reshape(sliceAxis(x, 0, 0, na), p.a[0], p.a[1]),
							graph.Reshape(sliceAxis(x, 0, na, nb), p.b[0], p.b[1]), ca, cb)
					}
					x := randTensor(rng, na+nb)
					// The value against a direct sum.
					exec := graph.MustNewExec(b, func(x *graph.Node) *graph.Node { return prod(x) })
					got := flat(exec.MustCall(x)[0])
					exec.Finalize()
					xs := flat(x)
					at := func(i, j int) float64 { return xs[i*p.a[1]+j] }
					bt := func(i, j int) float64 { return xs[na+i*p.b[1]+j] }
					m, n, k := p.a[1-ca], p.b[1-cb], p.a[ca]
					for i := range m {
						for j := range n {
							want := 0.0
							for l := range k {
								ia, ja := i, l
								if ca == 0 {
									ia, ja = l, i
								}
								ib, jb := l, j
								if cb == 1 {
									ib, jb = j, l
								}
								want += at(ia, ja) * bt(ib, jb)
							}
							if g := got[i*n+j]; math.Abs(g-want) > 1e-12 {
								t.Fatalf("contract[%d,%d] = %g, want %g", i, j, g, want)
							}
						}
					}
					requireGrads(t, b, projected(func(_ *model.Scope, x *graph.Node) *graph.Node {
						return prod(x)
					}), x, defaultGradOpts())
					requireGrads(t, b, func(_ *model.Scope, x *graph.Node) *graph.Node {
						y := prod(x)
						gx := graph.Gradient(graph.ReduceAllSum(graph.Mul(y, projection(y))), x)[0]
						return graph.ReduceAllSum(graph.Mul(gx, gx))
					}, x, defaultGradOpts())
				})
			}
		}
	})
}
