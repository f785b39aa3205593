package nn

import (
	"github.com/ganlab/ganlab/ganlib/nn/internal/vjp"
	"github.com/gomlx/gomlx/core/graph"
)

// The shift route for transposed convolutions: on GoMLX's pure-Go backend, Conv2DTranspose computed without
// col2im's ScatterSum and its gradients without im2col's Gather.
//
// That backend copies data element by element in Gather, ScatterSum, Slice and Transpose, but Concatenate copies
// whole blocks, an order of magnitude faster per element. Seen as the adjoint of a stride-s Conv2D, output pixel s·m + ri of a transposed convolution (counted
// in the padded image, per axis) is Σ over qi of y[m - qi] · K[s·qi + ri]: for each output phase ri, a stride-1
// correlation of the input y with (q+1) taps per axis, q = (k-1)/s. On y flattened to rows [b·H·W, f], the taps of
// a grid pixel are the rows at fixed offsets from its own row, so each tap's column block is y shifted by zero
// rows concatenated before and after it (shiftCols), and one matrix product with the kernel laid out per phase
// (kernelT) gives all s·s phases of every pixel; the phases are then interleaved (one Transpose) and the padding
// cropped. The grid has q more rows and columns than y; rows that are not pixels of the output are computed and
// dropped, which costs more than the ScatterSum saves on small images (shiftPays).
//
// The lecture's large G layer (4×64×64×128 → 4×128×128×128, kernel 4) is faster so (docs/benchmarks.md, run V).
// anchor attaches the gradients to the whole composite: the input gradient is the Conv2D of v, dy = cx·K
// with cx = colsX(v), the im2col matrix of v built by shifts of its phases the same way, and the kernel gradient is
// cxᵀ·y (y laid out on cx's rows). Both are built from ops with their own gradients, so they can be differentiated
// again. With fewer than 16 output channels cx's blocks would be single floats, so there cx is im2col's Gather.
// Tried and not kept (docs/benchmarks.md, run V): Conv2D's forward by shifts (no faster in a GAN step) and a route
// whose kernel gradients were built by shifts of the larger image too (much more memory for a little time).

// shiftGeom is a convGeom with its phase grid.
type shiftGeom struct {
	convGeom
	q      int // (k-1)/s: the largest tap offset within a phase
	hq, wq int // phase grid; the image padded to [b, s·hq, s·wq, c] holds the input at (pt, pl)
}

func newShiftGeom(g convGeom) shiftGeom {
	q := (g.k - 1) / g.s
	return shiftGeom{
		convGeom: g,
		q:        q,
		hq:       max(g.ho+q, (g.pt+g.h+g.s-1)/g.s),
		wq:       max(g.wo+q, (g.pl+g.w+g.s-1)/g.s),
	}
}

// shiftCols places the column blocks side by side: block t is src[t] ([b, hg, wg, c]) flattened to rows and
// shifted so that row D + r of the result holds src[t]'s row r + off[t], with D = q·wg + q and off[t] = di·wg + dj
// for the tap's offsets (di, dj) ∈ [0, q]² (zero past the images). The result has b·hg·wg + D rows: row
// D + (bi·hg + y)·wg + x is the window of grid pixel (bi, y, x) (see gridOut).
func shiftCols(src []*graph.Node, di, dj []int, q int) *graph.Node {
	d := src[0].Shape().Dimensions
	b, hg, wg, c := d[0], d[1], d[2], d[3]
	n, top := b*hg*wg, q*wg+q
	blocks := make([]*graph.Node, len(src))
	for t, s := range src {
		before := top - (di[t]*wg + dj[t])
		blocks[t] = padAxis(graph.Reshape(s, n, c), 0, before, top-before)
	}
	return concatAxis(blocks, 1)
}

// gridOut takes the rows of a product with shiftCols' matrix, [b·hg·wg + D, f...], and returns the windows of
// grid pixels (bi, y, x) for y < h, x < w: [b, h, w, f...]. With the rows padded to (b+1)·hg·wg, row
// D + (bi·hg + y)·wg + x is pixel (bi, y + q, x + q) of a [b+1, hg, wg] grid, so one Slice does it. Its gradient
// puts the pixels back (zeros concatenated around them; GoMLX's Slice gradient is a Pad, which the pure-Go backend
// lacks), so it is gridRows.
func gridOut(rows *graph.Node, b, hg, wg, q, h, w int) *graph.Node {
	d := rows.Shape().Dimensions
	rows = padAxis(rows, 0, 0, (b+1)*hg*wg-d[0])
	dims := append([]int{b + 1, hg, wg}, d[1:]...)
	rest := make([]graph.SliceAxisSpec, len(d)-1)
	for i := range rest {
		rest[i] = graph.AxisRange()
	}
	out := graph.Slice(graph.Reshape(rows, dims...),
		append([]graph.SliceAxisSpec{graph.AxisRange(0, b), graph.AxisRange(q, q+h), graph.AxisRange(q, q+w)}, rest...)...)
	vjp.Set(out, func(_, v *graph.Node) []*graph.Node {
		return []*graph.Node{padAxis(padAxis(padAxis(v, 0, 0, 1), 1, q, hg-q-h), 2, q, wg-q-w)}
	})
	return out
}

// gridRows is gridOut's adjoint: img [b, h, w, f] as the rows [b·hg·wg + D, f] that line up with shiftCols'
// matrix (pixel (bi, y, x) at row D + (bi·hg + y)·wg + x, zeros elsewhere).
func gridRows(img *graph.Node, hg, wg, q int) *graph.Node {
	d := img.Shape().Dimensions
	x := padRange(img, 0, hg, 0, wg)
	return padAxis(graph.Reshape(x, d[0]*hg*wg, d[3]), 0, q*wg+q, 0)
}

// colsX is the im2col matrix of x [b, h, w, c] (a Conv2D's input): [b·hq·wq + D, k·k·c], columns in (ki, kj, c)
// order, each tap a shift of the image's phase (ki mod s, kj mod s). Differentiable (concatenations, slices and
// pads with their own gradients), so a gradient built from it can be differentiated again.
func (g shiftGeom) colsX(x *graph.Node) *graph.Node {
	c, s := x.Shape().Dimensions[3], g.s
	p := padRange(x, g.pt, s*g.hq, g.pl, s*g.wq)
	phases := make(map[[2]int]*graph.Node)
	phase := func(ri, rj int) *graph.Node {
		if s == 1 {
			return p
		}
		if ph, ok := phases[[2]int{ri, rj}]; ok {
			return ph
		}
		ph := graph.Reshape(phaseSlice(graph.Reshape(p, g.b, g.hq, s, g.wq, s, c), ri, rj), g.b, g.hq, g.wq, c)
		phases[[2]int{ri, rj}] = ph
		return ph
	}
	var src []*graph.Node
	var di, dj []int
	for ki := range g.k {
		for kj := range g.k {
			src = append(src, phase(ki%s, kj%s))
			di, dj = append(di, ki/s), append(dj, kj/s)
		}
	}
	return shiftCols(src, di, dj, g.q)
}

// phaseSlice is phase (ri, rj) of p6 [b, hq, s, wq, s, c]: [b, hq, 1, wq, 1, c]. Its gradient puts it back in place.
func phaseSlice(p6 *graph.Node, ri, rj int) *graph.Node {
	s := p6.Shape().Dimensions[2]
	ph := graph.Slice(p6, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(ri, ri+1), graph.AxisRange(),
		graph.AxisRange(rj, rj+1), graph.AxisRange())
	vjp.Set(ph, func(_, v *graph.Node) []*graph.Node {
		return []*graph.Node{padAxis(padAxis(v, 2, ri, s-1-ri), 4, rj, s-1-rj)}
	})
	return ph
}

// colsY is the matrix of the transposed convolution of y [b, ho, wo, f]: y on a grid of (hq+q)×(wq+q) at (q, q),
// taps (ui, uj) ∈ [0, q]²: [b·(hq+q)·(wq+q) + D, (q+1)²·f], columns in (ui, uj, f) order.
func (g shiftGeom) colsY(y *graph.Node) *graph.Node {
	hz, wz := g.hq+g.q, g.wq+g.q
	z := padRange(y, g.q, hz, g.q, wz)
	var src []*graph.Node
	var di, dj []int
	for ui := range g.q + 1 {
		for uj := range g.q + 1 {
			src, di, dj = append(src, z), append(di, ui), append(dj, uj)
		}
	}
	return shiftCols(src, di, dj, g.q)
}

// kernelT lays K [k, k, c, f] out for colsY: [(q+1)²·f, s²·c], entry ((ui, uj, f), (ri, rj, c)) =
// K[s·(q-ui)+ri, s·(q-uj)+rj, c, f], zero past the kernel.
func (g shiftGeom) kernelT(k *graph.Node) *graph.Node {
	d := k.Shape().Dimensions
	c, f, s, q := d[2], d[3], g.s, g.q
	kp := padAxis(padAxis(k, 0, 0, s*(q+1)-g.k), 1, 0, s*(q+1)-g.k)
	k6 := graph.Reverse(graph.Reshape(kp, q+1, s, q+1, s, c, f), 0, 2)
	return graph.Reshape(graph.TransposeAllAxes(k6, 0, 2, 5, 1, 3, 4), (q+1)*(q+1)*f, s*s*c)
}

// shiftConv2DTranspose is Conv2DTranspose's product (without bias); geom is that of the Conv2D from the output back
// to y, and k is [k, k, c, f] in that Conv2D's layout (Conv2DTranspose's [k, k, filters, cin]): y [b, ho, wo, f]
// → [b, h, w, c]. Its value is built from colsY; with cx the im2col matrix of the output gradient v (colsX, or
// im2col's Gather below 16 channels), dy = cx·K and dK = cxᵀ·y.
func shiftConv2DTranspose(geom convGeom, y, k *graph.Node) *graph.Node {
	g := newShiftGeom(geom)
	d := k.Shape().Dimensions
	c, f, s := d[2], d[3], g.s
	rows := MatMul(g.colsY(y), g.kernelT(k))
	ph := gridOut(rows, g.b, g.hq+g.q, g.wq+g.q, g.q, g.hq, g.wq) // [b, hq, wq, s·s·c]
	p := graph.Reshape(ph, g.b, g.hq, g.wq, s, s, c)
	if s > 1 {
		p = graph.TransposeAllAxes(p, 0, 1, 3, 2, 4, 5)
	}
	img := cropRange(graph.Reshape(p, g.b, s*g.hq, s*g.wq, c), g.pt, g.h, g.pl, g.w)
	return anchor(img, []*graph.Node{y, k}, func(v *graph.Node) []*graph.Node {
		k2 := graph.Reshape(k, g.k*g.k*c, f)
		if c < 16 { // single-float column blocks copy slowly: im2col's Gather
			cv := geom.im2col(v)
			dy := graph.Reshape(MatMul(cv, k2), g.b, g.ho, g.wo, f)
			return []*graph.Node{dy, graph.Reshape(contract(cv, graph.Reshape(y, g.b*g.ho*g.wo, f), 0, 0), g.k, g.k, c, f)}
		}
		cx := g.colsX(v)
		dy := gridOut(MatMul(cx, k2), g.b, g.hq, g.wq, g.q, g.ho, g.wo)
		dk := contract(cx, gridRows(y, g.hq, g.wq, g.q), 0, 0)
		return []*graph.Node{dy, graph.Reshape(dk, g.k, g.k, c, f)}
	})
}

// anchor returns out's value as a node whose gradient with respect to inputs is grads(v), v the gradient with
// respect to out; the nodes out is built of are never differentiated. GoMLX attaches a gradient to one node and
// its direct inputs, so out and the inputs, flattened, are concatenated into one node that carries grads, and
// out is sliced back out of it. That costs a copy of the inputs and two of out (in the Concatenate and the
// Slice), and in the backward pass v padded to the Concatenate's size (the Slice's gradient) and sliced back;
// small beside the composite.
func anchor(out *graph.Node, inputs []*graph.Node, grads func(v *graph.Node) []*graph.Node) *graph.Node {
	n := out.Shape().Size()
	parts := []*graph.Node{graph.Reshape(out, n)}
	for _, in := range inputs {
		parts = append(parts, graph.Reshape(in, in.Shape().Size()))
	}
	all := graph.Concatenate(parts, 0)
	vjp.Set(all, func(_, v *graph.Node) []*graph.Node {
		gs := grads(graph.Reshape(sliceAxis(v, 0, 0, n), out.Shape().Dimensions...))
		res := make([]*graph.Node, len(parts))
		for i, gr := range gs {
			if gr != nil {
				res[i+1] = graph.Reshape(gr, inputs[i].Shape().Size())
			}
		}
		return res
	})
	return graph.Reshape(sliceAxis(all, 0, 0, n), out.Shape().Dimensions...)
}

// shiftPays tells whether route "auto" computes a Conv2DTranspose's value on the pure-Go backend by shifts
// (shiftConv2DTranspose) rather than by col2im's ScatterSum: when colsY's grid, (hq+q)×(wq+q), has at most 1.5
// times the pixels of the input y (ho×wo; the lecture's G layers: 34²/32² and 66²/64²), and y has at least 16
// channels. dcgan28's 7×7 and 14×14 inputs (on 11×11 and 18×18 grids) lose (docs/benchmarks.md, run V). convRoute
// prefers the select route where selectPays, so since run X only the lecture's last transposed layer (64×64 →
// 128×128) is computed by shifts.
func shiftPays(g convGeom, cin int) bool {
	sg := newShiftGeom(g)
	return cin >= 16 && 2*(sg.hq+sg.q)*(sg.wq+sg.q) <= 3*g.ho*g.wo
}
