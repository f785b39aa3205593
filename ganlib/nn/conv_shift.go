package nn

import (
	"github.com/ganlab/ganlab/ganlib/nn/internal/vjp"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// The shift forward of a transposed convolution: on GoMLX's pure-Go backend, Conv2DTranspose's value computed
// without col2im's ScatterSum.
//
// That backend copies data element by element in Gather (about 4 ns per float32 on this project's CPU),
// ScatterSum (6 ns), Slice (1–2.6 ns) and Transpose (3 ns), but Concatenate copies whole blocks (0.15–0.2 ns per
// element). Seen as the adjoint of a stride-s Conv2D, output pixel s·m + ri of a transposed convolution (counted
// in the padded image, per axis) is Σ over qi of y[m - qi] · K[s·qi + ri]: for each output phase ri, a stride-1
// correlation of the input y with (q+1) taps per axis, q = (k-1)/s. On y flattened to rows [b·H·W, f], the taps of
// a grid pixel are the rows at fixed offsets from its own row, so each tap's column block is y shifted by zero
// rows concatenated before and after it (shiftCols), and one matrix product with the kernel laid out per phase
// (kernelT) gives all s·s phases of every pixel; the phases are then interleaved (one Transpose) and the padding
// cropped. The grid has q more rows and columns than y; rows that are not pixels of the output are computed and
// dropped, which costs more than the ScatterSum saves on small images (shiftPays).
//
// The lecture's large G layer (4×64×64×128 → 4×128×128×128, kernel 4) takes about 130 instead of 290 ms
// forward. The gradients are the im2col route's (anchor attaches them to the whole composite): with cv = im2col(v)
// (a Gather), dy = cv·K and dK = cvᵀ·y. Tried and not kept (docs/benchmarks.md, run V): Conv2D's forward by
// shifts (no faster in a GAN step) and a route whose gradients were built by shifts too (its matrices are k·k/s²
// times larger than im2col's; a lecture step at batch 4 took 1.8× the memory for 5–10 % of its time).

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
	if len(blocks) == 1 {
		return blocks[0]
	}
	return graph.Concatenate(blocks, 1)
}

// gridOut takes the rows of a product with shiftCols' matrix, [b·hg·wg + D, f...], and returns the windows of
// grid pixels (bi, y, x) for y < h, x < w: [b, h, w, f...]. With the rows padded to (b+1)·hg·wg, row
// D + (bi·hg + y)·wg + x is pixel (bi, y + q, x + q) of a [b+1, hg, wg] grid, so one Slice does it.
func gridOut(rows *graph.Node, b, hg, wg, q, h, w int) *graph.Node {
	d := rows.Shape().Dimensions
	rows = padAxis(rows, 0, 0, (b+1)*hg*wg-d[0])
	dims := append([]int{b + 1, hg, wg}, d[1:]...)
	rest := make([]graph.SliceAxisSpec, len(d)-1)
	for i := range rest {
		rest[i] = graph.AxisRange()
	}
	return graph.Slice(graph.Reshape(rows, dims...),
		append([]graph.SliceAxisSpec{graph.AxisRange(0, b), graph.AxisRange(q, q+h), graph.AxisRange(q, q+w)}, rest...)...)
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
// → [b, h, w, c]. Its value is built from colsY, its gradients are im2col's: with cv = im2col(v), dy = cv·K and
// dK = cvᵀ·y.
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
	img := graph.Slice(graph.Reshape(p, g.b, s*g.hq, s*g.wq, c),
		graph.AxisRange(), graph.AxisRange(g.pt, g.pt+g.h), graph.AxisRange(g.pl, g.pl+g.w), graph.AxisRange())
	return anchor(img, []*graph.Node{y, k}, func(v *graph.Node) []*graph.Node {
		cv := geom.im2col(v)
		dy := graph.Reshape(MatMul(cv, graph.Reshape(k, g.k*g.k*c, f)), g.b, g.ho, g.wo, f)
		dk := contract(cv, graph.Reshape(y, g.b*g.ho*g.wo, f), 0, 0)
		return []*graph.Node{dy, graph.Reshape(dk, g.k, g.k, c, f)}
	})
}

// anchor returns out's value as a node whose gradient with respect to inputs is grads(v), v the gradient with
// respect to out; the nodes out is built of are never differentiated. GoMLX attaches a gradient to one node and
// its direct inputs, so out and the inputs, flattened, are concatenated into one node that carries grads, and
// out is sliced back out of it. That costs a copy of the inputs and two of out (in the Concatenate and the
// Slice), small beside the composite.
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
// channels. dcgan28's 7×7 and 14×14 inputs (on 11×11 and 18×18 grids) lose (docs/benchmarks.md, run V).
func shiftPays(g convGeom, cin int) bool {
	sg := newShiftGeom(g)
	return cin >= 16 && 2*(sg.hq+sg.q)*(sg.wq+sg.q) <= 3*g.ho*g.wo
}
