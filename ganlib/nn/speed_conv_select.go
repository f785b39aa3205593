package nn

import (
	"sync"

	"github.com/ganlab/ganlab/ganlib/nn/internal/vjp"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/support/exceptions"
)

// The select route: on GoMLX's pure-Go backend, the convolutions of small images built from products with 0/1
// selection matrices instead of im2col's Gather and col2im's ScatterSum.
//
// That backend's Gather and ScatterSum copy one float at a time on one core, while its packed GEMM runs on every core. The patch matrix of a k×k, stride-s convolution factors per
// axis: cols[b, oy, ox, ki, kj, c] = Σ_y Σ_x SH[oy·k+ki, y] · SW[ox·k+kj, x] · img[b, y, x, c], with SH[oy·k+ki, y]
// = 1 where y = oy·s + ki - pt (zero rows for taps outside the image, which is the padding). Taken one kernel row
// ki at a time, the rows that row reads are one batched product over y (rowTap, per image), their k column taps
// a second over x (colAxis, per output row), which leaves the patches of kernel row ki in (b, oy, ox) × (kj, c)
// order, ready for a product with that kernel row; the k results are added (selConv2D). Taking all rows at once
// instead needed a Transpose between the two products, which cost more than the k separate products (docs/benchmarks.md,
// "Numbers from doc comments"). A transposed convolution is the adjoint (selConv2DTranspose): per kernel
// row, the product with the input, then the two selections transposed. Each product's gradient is the product
// with the other selection matrix (selMul), so both are differentiable to any order.
//
// A selection product costs 2·w (or 2·h) FLOP per value it writes against Gather's one copy, so it pays on small
// images (selectPays): up to 64×64 pixels.

// selMatrix returns the constant [n, a.out·a.k, a.in] (transposed: [n, a.in, a.out·a.k]) of dtype dt, the same 0/1
// matrix for every batch index: row o·k + t selects pixel o·s + t - pad of an axis of a.in pixels (none if
// outside). Each matrix is built once per process (selTensors) and once per graph (ConstCachedTensor).
func selMatrix(g *graph.Graph, dt dtypes.DType, n int, a selAxis, transposed bool) *graph.Node {
	key := selKey{dt == dtypes.Float64, n, a, transposed}
	t, ok := selTensors.Load(key)
	if !ok {
		t, _ = selTensors.LoadOrStore(key, newSelTensor(key))
	}
	m := graph.ConstCachedTensor(g, t.(*tensors.Tensor))
	if m.DType() != dt {
		m = graph.ConvertDType(m, dt)
	}
	return m
}

type selKey struct {
	f64        bool // float64, else float32
	n          int
	a          selAxis
	transposed bool
}

// selTensors holds every selection matrix built so far (selKey → *tensors.Tensor); a few per layer shape and
// batch size, each under 1 MB for dcgan28's layers.
var selTensors sync.Map

func newSelTensor(key selKey) *tensors.Tensor {
	if key.f64 {
		return selTensor[float64](key)
	}
	return selTensor[float32](key)
}

func selTensor[T float32 | float64](key selKey) *tensors.Tensor {
	a := key.a
	rows, cols := a.out*a.k, a.in
	if key.transposed {
		rows, cols = a.in, a.out*a.k
	}
	flat := make([]T, key.n*rows*cols)
	block := flat[:rows*cols]
	for o := range a.out {
		for t := range a.k {
			p := o*a.s + t - a.pad
			if p < 0 || p >= a.in {
				continue
			}
			if key.transposed {
				block[p*cols+o*a.k+t] = 1
			} else {
				block[(o*a.k+t)*cols+p] = 1
			}
		}
	}
	for i := 1; i < key.n; i++ {
		copy(flat[i*len(block):], block)
	}
	return tensors.FromFlatDataAndDimensions(flat, key.n, rows, cols)
}

// selAxis is one axis of a selection: out output pixels, k taps, in input pixels, stride s, pad before.
type selAxis struct{ out, k, in, s, pad int }

// selMul returns the batched product m·x, m = sel [n, out·k, in] and x [n, in, q] → [n, out·k, q], or with
// transposed set mᵀ·x, x [n, out·k, q] → [n, in, q]. Its gradient in x is the product with the other one, so it
// is differentiable to any order; m is a constant.
func selMul(x *graph.Node, a selAxis, transposed bool) *graph.Node {
	n := x.Shape().Dimensions[0]
	m := selMatrix(x.Graph(), x.DType(), n, a, transposed)
	out := graph.DotGeneral(m, []int{2}, []int{0}, x, []int{1}, []int{0})
	if in := out.Inputs(); len(in) != 2 || in[0] != m || in[1] != x {
		exceptions.Panicf("nn: GoMLX's DotGeneral did not return a single DotGeneral node over its operands")
	}
	vjp.Set(out, func(_, v *graph.Node) []*graph.Node {
		return []*graph.Node{nil, selMul(v, a, !transposed)}
	})
	return out
}

// colAxis is g's selection along the image's columns; rowTap(ki) selects, for each output row, the image row that
// the kernel's row ki reads (one tap).
func (g convGeom) colAxis() selAxis      { return selAxis{g.wo, g.k, g.w, g.s, g.pl} }
func (g convGeom) rowTap(ki int) selAxis { return selAxis{g.ho, 1, g.h, g.s, g.pt - ki} }

// kernelRow is row ki of a kernel [k, k, p, q], flattened to [k·p, q].
func kernelRow(k *graph.Node, ki int) *graph.Node {
	d := k.Shape().Dimensions
	return graph.Reshape(sliceAxis(k, 0, ki, 1), d[1]*d[2], d[3])
}

// sumRows returns Σ term(ki) over the kernel rows ki of g.
func (g convGeom) sumRows(term func(ki int) *graph.Node) *graph.Node {
	y := term(0)
	for ki := 1; ki < g.k; ki++ {
		y = graph.Add(y, term(ki))
	}
	return y
}

// selConv2D is Conv2D's product (without bias) by selection products: for each kernel row ki, the image rows it
// reads (SH, one tap), their k column taps (SW), and a product with that kernel row; the k products are added.
// x [b, h, w, c], k [k, k, c, f] → [b·ho·wo, f].
func (g convGeom) selConv2D(x, k *graph.Node) *graph.Node {
	c := x.Shape().Dimensions[3]
	return g.sumRows(func(ki int) *graph.Node {
		t := selMul(graph.Reshape(x, g.b, g.h, g.w*c), g.rowTap(ki), false) // [b, ho, w·c]
		t = selMul(graph.Reshape(t, g.b*g.ho, g.w, c), g.colAxis(), false)  // [b·ho, wo·k, c]
		return MatMul(graph.Reshape(t, g.b*g.ho*g.wo, g.k*c), kernelRow(k, ki))
	})
}

// selConv2DTranspose is Conv2DTranspose's product (without bias) by selection products, the adjoint of selConv2D
// in x: x [b, ho, wo, cin], k [k, k, f, cin] → [b, h, w, f].
func (g convGeom) selConv2DTranspose(x, k *graph.Node) *graph.Node {
	d := k.Shape().Dimensions
	f, cin := d[2], d[3]
	x2 := graph.Reshape(x, g.b*g.ho*g.wo, cin)
	y := g.sumRows(func(ki int) *graph.Node {
		p := contract(x2, kernelRow(k, ki), 1, 1)                               // [b·ho·wo, kj·f]
		t := selMul(graph.Reshape(p, g.b*g.ho, g.wo*g.k, f), g.colAxis(), true) // [b·ho, w, f]
		return selMul(graph.Reshape(t, g.b, g.ho, g.w*f), g.rowTap(ki), true)   // [b, h, w·f]
	})
	return graph.Reshape(y, g.b, g.h, g.w, f)
}

// selectPays tells whether route "auto" computes a convolution on the pure-Go backend by selection products
// (selConv2D, selConv2DTranspose) rather than by Gather and ScatterSum (or shifts, shiftPays): when the image has
// at most selectMaxSide pixels per side and at least 16 channels are gathered (docs/benchmarks.md, run X).
// dcgan28's 14×14 Conv2D and 7×7 → 14×14 Conv2DTranspose take it, not its one-channel 28×28 layers (slower by
// selection). On the lecture's model the D's 64×64 and 32×32 Conv2Ds and the G's 32×32 → 64×64 Conv2DTranspose take
// it. With the 128×128 layers too (bound 128) the step was slower but used less memory: ParamConvRoute "select"
// gives that. The timings: docs/benchmarks.md, "Numbers from doc comments".
//
// The column selection is a constant of b·ho·wo·k·w values (the same matrix for each image row, as GoMLX's batched
// product wants), so a layer whose constant would pass selectMaxValues (16 M values, 64 MB in float32; at batch 4 the
// lecture's largest is 1 M, at batch 16 4.2 M) keeps Gather and ScatterSum.
func selectPays(g convGeom, c int) bool {
	return c >= 16 && max(g.h, g.w) <= selectMaxSide && g.b*g.ho*g.wo*g.k*g.w <= selectMaxValues
}

const (
	selectMaxSide   = 64
	selectMaxValues = 1 << 24
)
