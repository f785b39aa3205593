package nn

import (
	"github.com/ganlab/ganlab/ganlib/internal/purego"
	"github.com/ganlab/ganlab/ganlib/nn/internal/vjp"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
)

// MatMul returns a·b for a [m, k] and b [k, n], shaped [m, n].
//
// Its gradient is the two matrix products v·bᵀ and aᵀ·v, built with contract again (so second-order gradients work
// the same way). GoMLX v0.28's own DotGeneral gradient is right and made of products too (v0.27's built an m×k×n
// tensor), but on the pure-Go backend its operand layouts miss ganlib's GEMM, and a pure-Go GAN step is
// measurably slower with it (XLA is unchanged; docs/benchmarks.md, "GoMLX v0.28").
func MatMul(a, b *graph.Node) *graph.Node {
	if a.Rank() != 2 || b.Rank() != 2 || a.Shape().Dimensions[1] != b.Shape().Dimensions[0] {
		exceptions.Panicf("nn.MatMul: want a [m, k] and b [k, n], got a %s and b %s", a.Shape(), b.Shape())
	}
	return contract(a, b, 1, 0)
}

// contract returns the product of the rank-2 tensors a and b contracting a's axis ca with b's axis cb: its shape
// is [a's other axis, b's other axis]. Its gradient is made of contract calls again.
//
// On the pure-Go backend the product is first brought into matrix-product order ([m, k]·[k, n]): compute sends
// only that layout to ganlib's GEMM (backend.setupGEMM, on CPUs with AVX-512), every other one to its own slower
// kernels (with GoMLX v0.27.0's blocked kernel the gradients aᵀ·v and v·bᵀ were a large part of a dcgan28 step). A transpose costs one
// copy, element by element, so of a·b = (bᵀ·aᵀ)ᵀ it builds the form that copies fewer
// elements: for a convolution's kernel gradient colsᵀ·dy that is (dyᵀ·cols)ᵀ, which transposes dy and the small
// result instead of the k·k times larger cols. XLA picks its own layouts, so there the product is left as it is.
func contract(a, b *graph.Node, ca, cb int) *graph.Node {
	if (ca != 1 || cb != 0) && purego.On(a.Graph()) {
		sa, sb := a.Shape().Size(), b.Shape().Size()
		direct := sa*boolInt(ca != 1) + sb*boolInt(cb != 0)
		m, n := a.Shape().Dimensions[1-ca], b.Shape().Dimensions[1-cb]
		swapped := sb*boolInt(cb != 1) + sa*boolInt(ca != 0) + m*n
		if swapped < direct {
			// bᵀ·aᵀ with bᵀ as [n, k] and aᵀ as [k, m], then the [n, m] result transposed.
			return graph.Transpose(contract(b, a, cb, ca), 0, 1)
		}
		if ca != 1 {
			a = graph.Transpose(a, 0, 1)
		}
		if cb != 0 {
			b = graph.Transpose(b, 0, 1)
		}
		ca, cb = 1, 0
	}
	out := graph.DotGeneral(a, []int{ca}, nil, b, []int{cb}, nil)
	if in := out.Inputs(); len(in) != 2 || in[0] != a || in[1] != b {
		exceptions.Panicf("nn.MatMul: GoMLX's DotGeneral did not return a single DotGeneral node over its operands")
	}
	vjp.Set(out, func(_, v *graph.Node) []*graph.Node {
		var da, db *graph.Node
		if ca == 1 { // a [p, k]
			da = contract(v, b, 1, 1-cb)
		} else { // a [k, p]
			da = contract(b, v, 1-cb, 1)
		}
		if cb == 0 { // b [k, q]
			db = contract(a, v, 1-ca, 0)
		} else { // b [q, k]
			db = contract(v, a, 0, 1-ca)
		}
		return []*graph.Node{da, db}
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
