package nn

// The phase route (ParamConvRoute "phase", and "auto" on XLA's CPU backend by size): part of ganlab's speed switch
// (package ganlib/speed). Without the switch, a strided transposed convolution on the native route is one
// input-dilated ConvGeneral (nativeGeom.convT); with it, usePhases may split it into stride² stride-1
// convolutions, one per output phase (phaseConvT), whose kernel gradients are products per tap (kgradByTaps).

import (
	"github.com/ganlab/ganlab/ganlib/internal/purego"
	"github.com/ganlab/ganlab/ganlib/nn/internal/vjp"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
)

// kgradByTaps is kgrad for stride 1 as matrix products, tap (i, j) = Σ over b, oy, ox of x[b, oy+i-pt,
// ox+j-pl, ·]ᵀ·y[b, oy, ox, ·]. XLA's CPU backend runs the convolution form very slowly for phaseConvT's 2×2
// kernels on 65×65 grids. On XLA it is one product of the taps stacked channel-major,
// [kh·kw·c, b·ho·wo]·[b·ho·wo, f]: XLA runs a product that contracts the lhs's first axis at about half the speed of
// one contracting its last, and phaseConvT's phases share the stacked taps, so the lecture's G layers' kernel
// gradients take less time than with one [b·ho·wo, c]ᵀ·[b·ho·wo, f] product per tap (docs/benchmarks.md, run T,
// and "Numbers from doc comments"). Elsewhere it is the per-tap form, whose
// products GoMLX's pure-Go backend reorders itself (contract). It is made of differentiable pieces (padRange,
// cropRange, contract, concatAxis, transposes), so it needs no VJP of its own.
func (n nativeGeom) kgradByTaps(x, y *graph.Node) *graph.Node {
	if n.s != 1 {
		exceptions.Panicf("nn: internal error: kgradByTaps with stride %d", n.s)
	}
	c, f := x.Shape().Dimensions[3], y.Shape().Dimensions[3]
	xp := padRange(x, n.pt, n.pt+n.h+n.pb, n.pl, n.pl+n.w+n.pr)
	yf := graph.Reshape(y, n.b*n.ho*n.wo, f)
	if !purego.On(x.Graph()) {
		taps := make([]*graph.Node, 0, n.kh*n.kw)
		for i := range n.kh {
			for j := range n.kw {
				t := graph.TransposeAllAxes(cropRange(xp, i, n.ho, j, n.wo), 3, 0, 1, 2)
				taps = append(taps, graph.Reshape(t, c, n.b*n.ho*n.wo))
			}
		}
		colsT := concatAxis(taps, 0) // [kh·kw·c, b·ho·wo]
		return graph.Reshape(contract(colsT, yf, 1, 0), n.kh, n.kw, c, f)
	}
	rows := make([]*graph.Node, n.kh)
	for i := range n.kh {
		taps := make([]*graph.Node, n.kw)
		for j := range n.kw {
			xs := graph.Reshape(cropRange(xp, i, n.ho, j, n.wo), n.b*n.ho*n.wo, c)
			taps[j] = graph.Reshape(contract(xs, yf, 0, 0), 1, 1, c, f)
		}
		rows[i] = concatAxis(taps, 1)
	}
	return concatAxis(rows, 0)
}

// usePhases tells whether convT to c channels uses phaseConvT. With phasesAuto: for a stride above 1, at least 8
// channels and at least 4,096 input pixels (b·ho·wo): phases measured faster for the lecture's large layers and
// slower for dcgan28's small ones (forward and backward on XLA CPU, routes native vs phase: go test -run='^$'
// -bench='Layers/xla' ./ganlib/nn; the timings are docs/benchmarks.md's run H).
func (n nativeGeom) usePhases(c int) bool {
	switch {
	case n.s == 1 || n.phases == phasesNever:
		return false
	case n.phases == phasesAlways:
		return true
	}
	return c >= 8 && n.b*n.ho*n.wo >= 4096
}

// phaseConvT is convT as s·s stride-1 convolutions ("sub-pixel" convolution). Row iy of the image (counted from
// the padding, iy+pt = oy·s + ki) gets taps ki ≡ r (mod s) only, r = (iy+pt) mod s: with q = (iy+pt) div s and
// ki = r + s·m, X_r[q] = Σ_m y[q-m]·K[r+s·m], a stride-1 convolution of y with the kernel's phase r reversed,
// on a grid of qh = ho-1+⌈k/s⌉ rows. The same holds for columns. The image interleaves the s·s phases and
// crops the padding. The input-dilated convolution multiplies s·s-1 of every s·s inputs by zero, and XLA's CPU
// backend does not run it on its fast convolution kernels; this does the same products without the zeros.
func (n nativeGeom) phaseConvT(y, k *graph.Node) *graph.Node {
	s, kk := n.s, n.kh
	if n.kw != kk {
		exceptions.Panicf("nn: internal error: phaseConvT on a %d×%d kernel", n.kh, n.kw)
	}
	c := k.Shape().Dimensions[2]
	m := (kk + s - 1) / s
	qh, qw := n.ho-1+m, n.wo-1+m
	rows := make([]*graph.Node, s)
	for ry := range s {
		phases := make([]*graph.Node, s)
		for rx := range s {
			mr, mc := (kk-ry+s-1)/s, (kk-rx+s-1)/s
			var ph *graph.Node
			if mr == 0 || mc == 0 { // kernel smaller than the stride: no tap lands on this phase
				ph = graph.Zeros(y.Graph(), shapes.Make(y.DType(), n.b, qh, qw, c))
			} else {
				// Stride-1 convolution of y [b, ho, wo, f] with J [mr, mc, f, c], J[j] = K[r + s·(M-1-j)].
				j := graph.TransposeAllAxes(reverse2(kernelPhase(k, ry, rx, s)), 0, 1, 3, 2)
				pg := nativeGeom{
					convGeom: convGeom{b: n.b, h: n.ho, w: n.wo, ho: qh, wo: qw, s: 1, pt: mr - 1, pl: mc - 1},
					kh:       mr, kw: mc, pb: qh - n.ho, pr: qw - n.wo, byTaps: true,
				}
				ph = pg.conv(y, j)
			}
			phases[rx] = graph.ExpandAxes(ph, 3)
		}
		// [b, qh, qw, s, c] → [b, qh, qw·s, c]: columns interleaved.
		rows[ry] = graph.ExpandAxes(graph.Reshape(concatAxis(phases, 3), n.b, qh, qw*s, c), 2)
	}
	// [b, qh, s, qw·s, c] → [b, qh·s, qw·s, c]: rows interleaved.
	img := graph.Reshape(concatAxis(rows, 2), n.b, qh*s, qw*s, c)
	return cropRange(img, n.pt, n.h, n.pl, n.w)
}

// kernelPhase returns the taps (ry + s·i, rx + s·j) of the kernel k [kh, kw, ·, ·]; its gradient places them back
// (an interior-padded Pad, whose gradient is kernelPhase again).
func kernelPhase(k *graph.Node, ry, rx, s int) *graph.Node {
	d := k.Shape().Dimensions
	p := graph.Slice(k, graph.AxisRange(ry, d[0]).Stride(s), graph.AxisRange(rx, d[1]).Stride(s),
		graph.AxisRange(), graph.AxisRange())
	vjp.Set(p, func(_, v *graph.Node) []*graph.Node { return []*graph.Node{kernelUnphase(v, ry, rx, s, d[0], d[1])} })
	return p
}

// kernelUnphase is kernelPhase's adjoint: v [mr, mc, ·, ·] at taps (ry + s·i, rx + s·j) of a zero [kh, kw, ·, ·].
func kernelUnphase(v *graph.Node, ry, rx, s, kh, kw int) *graph.Node {
	d := v.Shape().Dimensions
	axis := func(r, m, k int) compute.PadAxis {
		return compute.PadAxis{Start: r, End: k - (r + s*(m-1)) - 1, Interior: s - 1}
	}
	u := graph.Pad(v, graph.ScalarZero(v.Graph(), v.DType()), axis(ry, d[0], kh), axis(rx, d[1], kw),
		compute.PadAxis{}, compute.PadAxis{})
	vjp.Set(u, func(_, w *graph.Node) []*graph.Node { return []*graph.Node{kernelPhase(w, ry, rx, s), nil} })
	return u
}
