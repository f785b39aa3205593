package nn

import (
	"strings"

	"github.com/ganlab/ganlab/ganlib/internal/purego"
	"github.com/ganlab/ganlab/ganlib/internal/tune"
	"github.com/ganlab/ganlab/ganlib/nn/internal/vjp"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// ParamConvRoute is the context hyperparameter (string, default "auto") that chooses how Conv2D and
// Conv2DTranspose are computed. Two routes are always there:
//
//   - "im2col": Gather/ScatterSum + MatMul (see the package documentation); works on every backend.
//   - "native": the backend's ConvGeneral, with ganlab's own gradients (GoMLX's are wrong or missing:
//     docs/upstream/); fast on XLA, very slow on the pure-Go backend. A strided transposed convolution
//     (Conv2DTranspose, and Conv2D's input gradient) is one input-dilated ConvGeneral.
//   - "auto": "native" on XLA, except for a Conv2D with fewer filters than input channels, which takes im2col's
//     tap-first variant (measured faster there, e.g. the lecture's last G layer 128 → 1 channel); "im2col"
//     elsewhere.
//
// Three more exist only with the speed switch on (package ganlib/speed; asking for them without it panics):
//
//   - "shift": "im2col", except that a Conv2DTranspose and its gradients are built from concatenations of
//     shifted copies instead of ScatterSum and Gather (speed_conv_shift.go); made for the pure-Go backend.
//   - "select": "im2col", except that im2col and col2im are products with 0/1 selection matrices instead of
//     Gather and ScatterSum (speed_conv_select.go; a Conv2D with fewer filters than input channels keeps im2col's
//     tap-first variant); made for small images on the pure-Go backend.
//   - "phase": "native", with every strided transposed convolution split into stride·stride stride-1
//     convolutions, one per output phase (see phaseConvT).
//
// With the switch on, "auto" also takes them where they measured faster (docs/benchmarks.md): on the pure-Go
// backend "select" for small images (selectPays) and "shift" for a Conv2DTranspose (shiftPays); on XLA's CPU
// backend a strided transposed convolution by phases by size (usePhases; not on CUDA, where it was not measured).
//
// Every route computes the same function and is checked against the same references and finite differences.
const ParamConvRoute = "nn_conv_route"

// extraRoutes are the routes of ParamConvRoute that only the speed switch turns on.
var extraRoutes = map[string]bool{"shift": true, "select": true, "phase": true}

// phaseMode says when the native route computes a strided transposed convolution by phases.
type phaseMode int

const (
	phasesNever phaseMode = iota
	phasesAlways
	phasesAuto // usePhases decides by size
)

// convRoute is the route scope's ParamConvRoute picks for graphs of g's backend ("native", "im2col", "shift" or
// "select"), and when the native route then uses phases; narrow is set for a Conv2D with fewer filters than input
// channels, shift for a Conv2DTranspose whose shift forward pays on the pure-Go backend (shiftPays), sel for a
// layer whose selection products pay there (selectPays). shift, sel and phases count only with the speed switch on.
func convRoute(scope *model.Scope, g *graph.Graph, narrow, shift, sel bool) (string, phaseMode) {
	tuned := tune.On()
	route := model.GetParamOr(scope, ParamConvRoute, "auto")
	if extraRoutes[route] && !tuned {
		exceptions.Panicf("nn: %s=%q needs ganlab's speed switch (speed.On, or %s=on); without it the routes are auto, im2col and native",
			ParamConvRoute, route, tune.Env)
	}
	switch route {
	case "native":
		return "native", phasesNever
	case "phase":
		return "native", phasesAlways
	case "im2col", "shift", "select":
		return route, phasesNever
	case "auto", "":
		switch {
		case strings.HasPrefix(g.Backend().Name(), "xla") && !narrow:
			// Phases were measured on XLA's CPU backend only; on CUDA, cuDNN's own transposed convolution stays.
			if !tuned || strings.Contains(strings.ToLower(g.Backend().Description()), "cuda") {
				return "native", phasesNever
			}
			return "native", phasesAuto
		case tuned && purego.On(g) && !narrow && sel:
			return "select", phasesNever
		case tuned && purego.On(g) && !narrow && shift:
			return "shift", phasesNever
		}
		return "im2col", phasesNever
	default:
		exceptions.Panicf("nn: %s=%q is not one of auto, im2col, native (or, with the speed switch, shift, select, phase)", ParamConvRoute, route)
		panic(nil)
	}
}

// The native route. The three bilinear maps below share one trilinear form,
//
//	T(x, K, y) = Σ y[b,oy,ox,f] · x[b, oy·s+ki-pt, ox·s+kj-pl, c] · K[ki,kj,c,f],
//
// as <conv(x,K), y> = <x, convT(y,K)> = <K, kgrad(x,y)>, so each one's gradient is made of the other two:
//
//	conv(x,K):  dx = convT(v,K),  dK = kgrad(x,v)
//	convT(y,K): dy = conv(v,K),   dK = kgrad(v,y)
//	kgrad(x,y): dx = convT(y,v),  dy = conv(x,v)
//
// which gives correct gradients of every order. Each is one ConvGeneral on an image of exactly
// used = (ho-1)·s + k - pt - pb rows (and columns), the part the convolution reads; callers crop or zero-pad
// to it.

// nativeGeom is convGeom plus the padding after the image, for an image of size usedH×usedW, a kernel of kh×kw
// taps (phaseConvT's convolutions have non-square kernels; convGeom's k is unused here), and when convT uses
// phases.
type nativeGeom struct {
	convGeom
	kh, kw int
	pb, pr int // padding after the last row / column
	phases phaseMode
	byTaps bool // kgrad by kgradByTaps (phaseConvT's stride-1 convolutions)
}

func newNativeGeom(g convGeom, phases phaseMode) nativeGeom {
	n := nativeGeom{convGeom: g, kh: g.k, kw: g.k, phases: phases}
	n.pb = max((g.ho-1)*g.s+g.k-g.h-g.pt, 0)
	n.pr = max((g.wo-1)*g.s+g.k-g.w-g.pl, 0)
	n.h = (g.ho-1)*g.s + g.k - g.pt - n.pb // rows read; <= g.h
	n.w = (g.wo-1)*g.s + g.k - g.pl - n.pr
	return n
}

var nhwc = compute.ConvolveAxesConfig{
	InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
	KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
	OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2},
}

// conv: x [b, h, w, c] (used size), K [k, k, c, f] → [b, ho, wo, f].
func (n nativeGeom) conv(x, k *graph.Node) *graph.Node {
	y := graph.ConvGeneral(x, k, nhwc, []int{n.s, n.s}, [][2]int{{n.pt, n.pb}, {n.pl, n.pr}},
		[]int{1, 1}, []int{1, 1}, 1, 1)
	vjp.Set(y, func(_, v *graph.Node) []*graph.Node {
		return []*graph.Node{n.convT(v, k), n.kgrad(x, v)}
	})
	return y
}

// convT: y [b, ho, wo, f], K [k, k, c, f] → [b, h, w, c] (used size): the input-dilated convolution of y with
// the spatially reversed kernel, or its phases (phaseConvT).
func (n nativeGeom) convT(y, k *graph.Node) *graph.Node {
	if n.usePhases(k.Shape().Dimensions[2]) {
		return n.phaseConvT(y, k)
	}
	axes := nhwc
	axes.KernelInputChannels, axes.KernelOutputChannels = 3, 2
	x := graph.ConvGeneral(y, reverse2(k), axes, []int{1, 1},
		[][2]int{{n.kh - 1 - n.pt, n.kh - 1 - n.pb}, {n.kw - 1 - n.pl, n.kw - 1 - n.pr}},
		[]int{n.s, n.s}, []int{1, 1}, 1, 1)
	vjp.Set(x, func(_, v *graph.Node) []*graph.Node {
		return []*graph.Node{n.conv(v, k), reverse2(n.kgrad(v, y))}
	})
	return x
}

// kgrad: x [b, h, w, c] (used size), y [b, ho, wo, f] → [k, k, c, f]: a convolution over the batch, with the
// image's channels as batch and y, dilated by the stride, as kernel; or, for phaseConvT's convolutions, one matrix
// product per tap (kgradByTaps).
func (n nativeGeom) kgrad(x, y *graph.Node) *graph.Node {
	if n.byTaps {
		return n.kgradByTaps(x, y)
	}
	axes := compute.ConvolveAxesConfig{
		InputBatch: 3, InputChannels: 0, InputSpatial: []int{1, 2},
		KernelInputChannels: 0, KernelOutputChannels: 3, KernelSpatial: []int{1, 2},
		OutputBatch: 2, OutputChannels: 3, OutputSpatial: []int{0, 1},
	}
	k := graph.ConvGeneral(x, y, axes, []int{1, 1}, [][2]int{{n.pt, n.pb}, {n.pl, n.pr}},
		[]int{1, 1}, []int{n.s, n.s}, 1, 1)
	vjp.Set(k, func(_, v *graph.Node) []*graph.Node {
		return []*graph.Node{n.convT(y, v), n.conv(x, v)}
	})
	return k
}

// concatAxis concatenates parts along axis; its gradient is a sliceAxis per part (GoMLX's is a Slice, whose
// gradient is a Pad, whose gradient GoMLX does not define).
func concatAxis(parts []*graph.Node, axis int) *graph.Node {
	if len(parts) == 1 {
		return parts[0]
	}
	y := graph.Concatenate(parts, axis)
	vjp.Set(y, func(_, v *graph.Node) []*graph.Node {
		grads := make([]*graph.Node, len(parts))
		at := 0
		for i, p := range parts {
			n := p.Shape().Dimensions[axis]
			grads[i] = sliceAxis(v, axis, at, n)
			at += n
		}
		return grads
	})
	return y
}

// reverse2 reverses axes 0 and 1 (a kernel's spatial axes); GoMLX defines no gradient for Reverse.
func reverse2(x *graph.Node) *graph.Node {
	r := graph.Reverse(x, 0, 1)
	vjp.Set(r, func(_, v *graph.Node) []*graph.Node { return []*graph.Node{reverse2(v)} })
	return r
}

// cropTo keeps the first h rows and w columns of x [b, H, W, c]; its gradient is padTo.
func cropTo(x *graph.Node, h, w int) *graph.Node { return cropRange(x, 0, h, 0, w) }

// cropRange keeps rows [y0, y0+h) and columns [x0, x0+w) of x [b, H, W, c]; its gradient is padRange.
func cropRange(x *graph.Node, y0, h, x0, w int) *graph.Node {
	d := x.Shape().Dimensions
	if y0 == 0 && x0 == 0 && d[1] == h && d[2] == w {
		return x
	}
	y := graph.Slice(x, graph.AxisRange(), graph.AxisRange(y0, y0+h), graph.AxisRange(x0, x0+w), graph.AxisRange())
	vjp.Set(y, func(_, v *graph.Node) []*graph.Node { return []*graph.Node{padRange(v, y0, d[1], x0, d[2])} })
	return y
}

// padTo appends zero rows and columns to x [b, h, w, c] up to [b, H, W, c]; its gradient is cropTo.
func padTo(x *graph.Node, h, w int) *graph.Node { return padRange(x, 0, h, 0, w) }

// padRange places x [b, h, w, c] at rows y0… and columns x0… of a zero [b, H, W, c]; its gradient is cropRange.
// GoMLX defines no gradient for Pad, and its pure-Go backend has no Pad: there the zeros are concatenated.
func padRange(x *graph.Node, y0, h, x0, w int) *graph.Node {
	d := x.Shape().Dimensions
	if y0 == 0 && x0 == 0 && d[1] == h && d[2] == w {
		return x
	}
	if purego.On(x.Graph()) {
		return padAxis(padAxis(x, 1, y0, h-d[1]-y0), 2, x0, w-d[2]-x0)
	}
	y := graph.Pad(x, graph.ScalarZero(x.Graph(), x.DType()), compute.PadAxis{},
		compute.PadAxis{Start: y0, End: h - d[1] - y0}, compute.PadAxis{Start: x0, End: w - d[2] - x0}, compute.PadAxis{})
	// Pad's inputs are x and the fill value, a constant.
	vjp.Set(y, func(_, v *graph.Node) []*graph.Node { return []*graph.Node{cropRange(v, y0, d[1], x0, d[2]), nil} })
	return y
}

// padAxis concatenates before and after zero slices to x along axis; its gradient is sliceAxis.
func padAxis(x *graph.Node, axis, before, after int) *graph.Node {
	if before == 0 && after == 0 {
		return x
	}
	zeros := func(n int) *graph.Node {
		dims := x.Shape().Clone().Dimensions
		dims[axis] = n
		return graph.Zeros(x.Graph(), shapes.Make(x.DType(), dims...))
	}
	parts, at := []*graph.Node{x}, 0
	if before > 0 {
		parts, at = []*graph.Node{zeros(before), x}, 1
	}
	if after > 0 {
		parts = append(parts, zeros(after))
	}
	y := graph.Concatenate(parts, axis)
	n := x.Shape().Dimensions[axis]
	vjp.Set(y, func(_, v *graph.Node) []*graph.Node {
		grads := make([]*graph.Node, len(parts))
		grads[at] = sliceAxis(v, axis, before, n)
		return grads
	})
	return y
}

// sliceAxis keeps [start, start+n) of x along axis; its gradient is padAxis.
func sliceAxis(x *graph.Node, axis, start, n int) *graph.Node {
	size := x.Shape().Dimensions[axis]
	if start == 0 && n == size {
		return x
	}
	ranges := make([]graph.SliceAxisSpec, x.Rank())
	for i := range ranges {
		ranges[i] = graph.AxisRange()
	}
	ranges[axis] = graph.AxisRange(start, start+n)
	y := graph.Slice(x, ranges...)
	vjp.Set(y, func(_, v *graph.Node) []*graph.Node { return []*graph.Node{padAxis(v, axis, start, size-start-n)} })
	return y
}

// nativeConv2D is Conv2D's product (without bias) on the native route.
func nativeConv2D(geom convGeom, phases phaseMode, x, k *graph.Node) *graph.Node {
	n := newNativeGeom(geom, phases)
	return n.conv(cropTo(x, n.h, n.w), k)
}

// nativeConv2DTranspose is Conv2DTranspose's product (without bias) on the native route; geom is that of the
// Conv2D from the output back to x, and k is [k, k, filters, cin], i.e. Conv2D's [k, k, c, f] layout of that
// Conv2D.
func nativeConv2DTranspose(geom convGeom, phases phaseMode, x, k *graph.Node) *graph.Node {
	n := newNativeGeom(geom, phases)
	return padTo(n.convT(x, k), geom.h, geom.w)
}
