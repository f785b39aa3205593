package nn

import (
	"github.com/ganlab/ganlab/ganlib/nn/internal/vjp"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/support/exceptions"
)

// The select route: on GoMLX's pure-Go backend, im2col and col2im of a small image as products with 0/1
// selection matrices instead of Gather and ScatterSum.
//
// That backend's Gather and ScatterSum copy one float at a time (4–8 ns per float32 on this project's CPU) on one
// core, while its packed GEMM runs on every core. The patch matrix of a k×k, stride-s convolution factors per
// axis: cols[b, oy, ox, ki, kj, c] = Σ_y Σ_x SH[oy·k+ki, y] · SW[ox·k+kj, x] · img[b, y, x, c], with SH[oy·k+ki, y]
// = 1 where y = oy·s + ki - pt (zero rows for taps outside the image, which is the padding). So im2col is two
// batched products, first over y (SH, per image), then over x (SW, per output row), with one Transpose between
// them that brings x before the row tap ki. The taps come out in (kj, ki, c) order, so the kernel is used with
// its spatial axes swapped (kernelKJ, k·k·c·f elements, fewer than the image's). col2im, the adjoint, is the same
// products with the selection matrices transposed, in the reverse order. Each product's gradient is the product with the other selection matrix (selMul), so both are
// differentiable to any order.
//
// A product costs 2·w (or 2·h) FLOP per element it writes against Gather's one copy, so it pays on small
// images only (selectPays): dcgan28's 14×14 layers.

// selMatrix returns the constant [n, out·k, in] (transposed: [n, in, out·k]) of dtype dt, the same 0/1 matrix for
// every batch index: row o·k + t selects pixel o·s + t - pad of an axis of in pixels (none if outside).
func selMatrix(g *graph.Graph, dt dtypes.DType, n, out, k, in, s, pad int, transposed bool) *graph.Node {
	rows, cols := out*k, in
	if transposed {
		rows, cols = in, out*k
	}
	one := make([]float64, rows*cols)
	for o := range out {
		for t := range k {
			p := o*s + t - pad
			if p < 0 || p >= in {
				continue
			}
			if transposed {
				one[p*cols+o*k+t] = 1
			} else {
				one[(o*k+t)*cols+p] = 1
			}
		}
	}
	var tensor *tensors.Tensor
	switch dt {
	case dtypes.Float64:
		tensor = tensors.FromFlatDataAndDimensions(repeat(one, n), n, rows, cols)
	default:
		f32 := make([]float32, len(one))
		for i, v := range one {
			f32[i] = float32(v)
		}
		tensor = tensors.FromFlatDataAndDimensions(repeat(f32, n), n, rows, cols)
	}
	m := graph.ConstTensor(g, tensor)
	if m.DType() != dt {
		m = graph.ConvertDType(m, dt)
	}
	return m
}

func repeat[T any](block []T, n int) []T {
	out := make([]T, 0, n*len(block))
	for range n {
		out = append(out, block...)
	}
	return out
}

// selAxis is one axis of a selection: out output pixels, k taps, in input pixels, stride s, pad before.
type selAxis struct{ out, k, in, s, pad int }

// selMul returns the batched product m·x, m = sel [n, out·k, in] and x [n, in, q] → [n, out·k, q], or with
// transposed set mᵀ·x, x [n, out·k, q] → [n, in, q]. Its gradient in x is the product with the other one, so it
// is differentiable to any order; m is a constant.
func selMul(x *graph.Node, a selAxis, transposed bool) *graph.Node {
	n := x.Shape().Dimensions[0]
	m := selMatrix(x.Graph(), x.DType(), n, a.out, a.k, a.in, a.s, a.pad, transposed)
	out := graph.DotGeneral(m, []int{2}, []int{0}, x, []int{1}, []int{0})
	if in := out.Inputs(); len(in) != 2 || in[0] != m || in[1] != x {
		exceptions.Panicf("nn: GoMLX's DotGeneral did not return a single DotGeneral node over its operands")
	}
	vjp.Set(out, func(_, v *graph.Node) []*graph.Node {
		return []*graph.Node{nil, selMul(v, a, !transposed)}
	})
	return out
}

// axes returns the selections of g along its rows and its columns.
func (g convGeom) axes() (rows, cols selAxis) {
	return selAxis{g.ho, g.k, g.h, g.s, g.pt}, selAxis{g.wo, g.k, g.w, g.s, g.pl}
}

// selIm2col is im2col by selection products: x [b, h, w, c] → [b·ho·wo, k·k·c], each row the window of one
// output pixel with its taps in (kj, ki, c) order, i.e. for the kernel with its two spatial axes swapped
// (kernelKJ).
func (g convGeom) selIm2col(x *graph.Node) *graph.Node {
	c := x.Shape().Dimensions[3]
	ay, ax := g.axes()
	t := selMul(graph.Reshape(x, g.b, g.h, g.w*c), ay, false)          // [b, ho·k, w·c]: (b, oy, ki, x, c)
	t = graph.Transpose(graph.Reshape(t, g.b*g.ho, g.k, g.w, c), 1, 2) // [b·ho, w, ki, c]
	t = selMul(graph.Reshape(t, g.b*g.ho, g.w, g.k*c), ax, false)      // [b·ho, wo·k, ki·c]: (b, oy, ox, kj, ki, c)
	return graph.Reshape(t, g.b*g.ho*g.wo, g.k*g.k*c)
}

// selCol2im is col2im by selection products, the adjoint of selIm2col: cols [b·ho·wo, k·k·c] with taps in
// (kj, ki, c) order → [b, h, w, c].
func (g convGeom) selCol2im(cols *graph.Node, c int) *graph.Node {
	ay, ax := g.axes()
	t := selMul(graph.Reshape(cols, g.b*g.ho, g.wo*g.k, g.k*c), ax, true) // [b·ho, w, ki·c]
	t = graph.Transpose(graph.Reshape(t, g.b*g.ho, g.w, g.k, c), 1, 2)    // [b·ho, ki, w, c]
	t = selMul(graph.Reshape(t, g.b, g.ho*g.k, g.w*c), ay, true)          // [b, h, w·c]
	return graph.Reshape(t, g.b, g.h, g.w, c)
}

// kernelKJ returns the kernel [k, k, ·, ·] with its two spatial axes swapped, flattened to [k·k·p, q]: the
// layout of selIm2col's and selCol2im's taps.
func kernelKJ(k *graph.Node) *graph.Node {
	d := k.Shape().Dimensions
	return graph.Reshape(graph.Transpose(k, 0, 1), d[0]*d[1]*d[2], d[3])
}

// selectPays tells whether route "auto" computes im2col and col2im on the pure-Go backend by selection products
// (selIm2col, selCol2im) rather than by Gather and ScatterSum: when the image has at most selectMaxSide pixels
// per side and at least 16 channels are gathered. dcgan28's 14×14 Conv2D and 7×7 → 14×14 Conv2DTranspose take it
// (their layer forward and backward 64 → 48 and 68 → 50 ms; the GAN step 401, 413 → 284, 273 ms;
// docs/benchmarks.md, run X). Its one-channel 28×28 layers are no faster by selection in a step (282, 280, 265 ms
// without, 275, 268, 271 ms with), and the lecture's 32×32 Conv2D went from 22 to 20 ms alone, but the lecture
// step at batch 4 was no faster (1,926, 1,896, 1,951 → 1,985, 1,898, 1,965 ms).
func selectPays(g convGeom, c int) bool { return c >= 16 && max(g.h, g.w) <= selectMaxSide }

const selectMaxSide = 28
