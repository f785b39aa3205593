package nn

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Padding is the padding of a convolution, with Keras's meaning.
type Padding int

const (
	// Same pads with zeros so that the output has ceil(input/stride) pixels per axis (Conv2D) or input·stride
	// (Conv2DTranspose). Like TensorFlow/Keras, an odd total padding puts the extra zero after: before =
	// total/2, after = total - total/2, with total = max((out-1)·stride + kernel - in, 0).
	Same Padding = iota
	// Valid does not pad: floor((input-kernel)/stride)+1 pixels per axis for Conv2D,
	// input·stride + max(kernel-stride, 0) for Conv2DTranspose.
	Valid
)

// String returns "same" or "valid".
func (p Padding) String() string {
	switch p {
	case Same:
		return "same"
	case Valid:
		return "valid"
	}
	return "Padding(?)"
}

// convGeom is the geometry of a 2D convolution from an "image" [b, h, w, ·] to "patches" [b, ho, wo, ·]: output
// pixel (oy, ox) reads the k×k input pixels (oy·s + ki - pt, ox·s + kj - pl), zeros outside the image.
type convGeom struct {
	b, h, w, ho, wo, k, s, pt, pl int
}

// samePad returns the padding before the first pixel for Keras 'same': total/2 of
// total = max((out-1)·s + k - in, 0).
func samePad(in, out, k, s int) int {
	return max((out-1)*s+k-in, 0) / 2
}

// newConvGeom returns the geometry of Conv2D on [b, h, w, ·] with kernel k, stride s and padding pad.
func newConvGeom(b, h, w, k, s int, pad Padding) convGeom {
	g := convGeom{b: b, h: h, w: w, k: k, s: s}
	switch pad {
	case Same:
		g.ho, g.wo = (h+s-1)/s, (w+s-1)/s
		g.pt, g.pl = samePad(h, g.ho, k, s), samePad(w, g.wo, k, s)
	case Valid:
		if h < k || w < k {
			exceptions.Panicf("nn: 'valid' convolution with kernel %d needs an input of at least %d×%d pixels, got %d×%d", k, k, k, h, w)
		}
		g.ho, g.wo = (h-k)/s+1, (w-k)/s+1
	default:
		exceptions.Panicf("nn: unknown padding %d", pad)
	}
	return g
}

// padded returns the geometry of the same convolution on the image zero-padded so that every tap lies inside it
// (no padding left: pt = pl = 0), and the rows and columns added before the image. The pure-Go backend's
// Gather/ScatterSum then need no mask: multiplying by one broadcast over k·k times the image cost more than the
// gather itself.
func (g convGeom) padded() (p convGeom, top, left int) {
	p = g
	p.h = g.pt + g.h + max((g.ho-1)*g.s+g.k-g.pt-g.h, 0)
	p.w = g.pl + g.w + max((g.wo-1)*g.s+g.k-g.pl-g.w, 0)
	p.pt, p.pl = 0, 0
	return p, g.pt, g.pl
}

// indices returns the Gather/Scatter indices [b·ho·wo·k·k, 1] into the image flattened to [b·h·w, ·]: for each
// (output pixel, tap) pair, in the order [b, ho, wo, k, k], the input pixel the tap reads. Every tap must lie
// inside the image (see padded).
func (g convGeom) indices(gr *graph.Graph) *graph.Node {
	per := g.ho * g.wo * g.k * g.k
	idx := make([]int32, 0, per)
	for oy := range g.ho {
		for ox := range g.wo {
			for ki := range g.k {
				for kj := range g.k {
					iy, ix := oy*g.s+ki-g.pt, ox*g.s+kj-g.pl
					if iy < 0 || iy >= g.h || ix < 0 || ix >= g.w {
						exceptions.Panicf("nn: internal error: tap (%d, %d) outside the %d×%d image", iy, ix, g.h, g.w)
					}
					idx = append(idx, int32(iy*g.w+ix))
				}
			}
		}
	}
	base := graph.Reshape(graph.Const(gr, idx), 1, per)
	offsets := graph.MulScalar(graph.Iota(gr, shapes.Make(dtypes.Int32, g.b, 1), 0), g.h*g.w)
	return graph.Reshape(graph.Add(offsets, base), g.b*per, 1)
}

// im2col gathers the patches of x [b, h, w, c]: [b·ho·wo, k·k·c], each row the k×k×c window (zeros outside the
// image) read by one output pixel, in (ki, kj, c) order. It is linear; its gradient is col2im (a ScatterSum) and
// vice versa, so it is differentiable to any order on every backend.
func (g convGeom) im2col(x *graph.Node) *graph.Node {
	c := x.Shape().Dimensions[3]
	p, top, left := g.padded()
	x = padRange(x, top, p.h, left, p.w)
	cols := graph.Gather(graph.Reshape(x, p.b*p.h*p.w, c), p.indices(x.Graph()))
	return graph.Reshape(cols, g.b*g.ho*g.wo, g.k*g.k*c)
}

// tapSum takes t [b·h·w, k·k·f], the product of every input pixel with every tap of the kernel (in (ki, kj, f)
// order), and returns [b·ho·wo, f]: for each output pixel the sum over taps of the tap's product at the pixel the
// tap reads (zero outside the image). It is one Gather and a sum; its gradient is a ScatterSum.
func (g convGeom) tapSum(t *graph.Node, f int) *graph.Node {
	kk := g.k * g.k
	p, top, left := g.padded()
	t = padRange(graph.Reshape(t, g.b, g.h, g.w, kk*f), top, p.h, left, p.w)
	// Row of (pixel, tap) in t viewed as [b·h·w·k·k, f]: pixel·k·k + tap.
	tap := graph.Iota(t.Graph(), shapes.Make(dtypes.Int32, g.b*g.ho*g.wo, kk), 1)
	indices := graph.Add(graph.MulScalar(p.indices(t.Graph()), kk), graph.Reshape(tap, g.b*g.ho*g.wo*kk, 1))
	cols := graph.Gather(graph.Reshape(t, p.b*p.h*p.w*kk, f), indices)
	return graph.ReduceSum(graph.Reshape(cols, g.b*g.ho*g.wo, kk, f), 1)
}

// col2im is the adjoint of im2col: it adds each row of cols [b·ho·wo, k·k·c] back onto the pixels its window
// covers, giving [b, h, w, c] (taps outside the image are dropped).
func (g convGeom) col2im(cols *graph.Node, c int) *graph.Node {
	p, top, left := g.padded()
	cols = graph.Reshape(cols, g.b*g.ho*g.wo*g.k*g.k, c)
	zeros := graph.Zeros(cols.Graph(), shapes.Make(cols.DType(), p.b*p.h*p.w, c))
	img := graph.ScatterSum(zeros, p.indices(cols.Graph()), cols, false, false)
	return cropRange(graph.Reshape(img, p.b, p.h, p.w, c), top, g.h, left, g.w)
}

func checkConvArgs(name string, x *graph.Node, filters, kernel, stride int) {
	if x.Rank() != 4 {
		exceptions.Panicf("nn.%s: want x [batch, height, width, channels] (NHWC), got %s", name, x.Shape())
	}
	if filters < 1 || kernel < 1 || stride < 1 {
		exceptions.Panicf("nn.%s: filters, kernel and stride must be >= 1, got %d, %d, %d", name, filters, kernel, stride)
	}
}

// Conv2D is a 2D convolution with Keras's semantics (layers.Conv2D(filters, kernel, strides=stride,
// padding=pad)): x [B, H, W, Cin] → [B, H', W', filters] with H' = ceil(H/stride) for Same and
// floor((H-kernel)/stride)+1 for Valid (see Padding), y[b,oy,ox,f] = bias[f] + Σ x[b, oy·s+ki-pt, ox·s+kj-pl, c] ·
// K[ki,kj,c,f].
//
// Variables in scope: "weights" [kernel, kernel, Cin, filters] (Glorot uniform, or N(0, ParamInitStddev²))
// and "biases" [filters] (zeros): kernel²·Cin·filters + filters parameters, as in Keras.
//
// Route (ParamConvRoute): on the pure-Go backend, im2col (a Gather; with the speed switch, for images up to 64×64
// pixels with at least 16 channels, products with selection matrices, route "select") followed by MatMul, or, when
// filters < Cin, MatMul to every tap followed by a gather-sum; on XLA, the native ConvGeneral with ganlab's own
// gradients (except filters < Cin, as on pure Go). Every route's first- and second-order gradients are correct for every
// kernel size (GoMLX v0.28.2's own convolution gradient is wrong for even kernels and has no second order:
// docs/upstream/).
func Conv2D(scope *model.Scope, x *graph.Node, filters, kernel, stride int, pad Padding) *graph.Node {
	checkConvArgs("Conv2D", x, filters, kernel, stride)
	d := x.Shape().Dimensions
	cin := d[3]
	geom := newConvGeom(d[0], d[1], d[2], kernel, stride, pad)
	k := weights(scope, x, kernel, kernel, cin, filters)
	bias := biases(scope, x, filters)
	route, phases := convRoute(scope, x.Graph(), filters < cin, false, selectPays(geom, cin))
	if route == "native" {
		return addBias(nativeConv2D(geom, phases, x, k), bias)
	}
	var y *graph.Node
	switch {
	case route == "select" && filters >= cin:
		y = geom.selConv2D(x, k)
	case filters < cin:
		// Fewer outputs than inputs (e.g. the lecture's last G layer, 128 → 1 channel): multiply every input
		// pixel by all k·k taps first, then gather-sum, so the gathered tensor has filters, not cin, columns.
		y = geom.tapSum(MatMul(graph.Reshape(x, geom.b*geom.h*geom.w, cin),
			graph.Reshape(graph.TransposeAllAxes(k, 2, 0, 1, 3), cin, kernel*kernel*filters)), filters)
	default:
		y = MatMul(geom.im2col(x), graph.Reshape(k, kernel*kernel*cin, filters))
	}
	y = addBias(y, bias)
	return graph.Reshape(y, geom.b, geom.ho, geom.wo, filters)
}

// TransposeOutputSize returns the output size along one axis of Conv2DTranspose for an input of size in, as
// Keras computes it: in·stride for Same, in·stride + max(kernel-stride, 0) for Valid.
func TransposeOutputSize(in, kernel, stride int, pad Padding) int {
	if pad == Valid {
		return in*stride + max(kernel-stride, 0)
	}
	return in * stride
}

// Conv2DTranspose is a transposed ("fractionally strided", "de-") convolution with Keras's semantics
// (layers.Conv2DTranspose(filters, kernel, strides=stride, padding=pad)): x [B, H, W, Cin] → [B, H·s, W·s,
// filters] for Same and [B, H·s + max(k-s, 0), ...] for Valid, with
// y[b, i·s+ki-pt, j·s+kj-pl, f] += x[b,i,j,c] · K[ki,kj,f,c] (plus bias[f]); pt, pl are the Same padding of the
// Conv2D that maps the output size back to H (pt = max(k-s, 0)/2 for Same, 0 for Valid). It is the adjoint of
// Conv2D in x, i.e. TensorFlow's conv2d_transpose.
//
// Variables in scope: "weights" [kernel, kernel, filters, Cin] (Keras's layout; Glorot uniform, or
// N(0, ParamInitStddev²)) and "biases" [filters] (zeros): kernel²·Cin·filters + filters parameters, as in Keras.
//
// Route (ParamConvRoute): on the pure-Go backend, one MatMul from every input pixel to all its k·k taps, then
// col2im (a ScatterSum that adds each tap onto its output pixel), whose gradients are a Gather and two MatMuls;
// on XLA, the input-dilated native ConvGeneral with ganlab's own gradients. With the speed switch, on the pure-Go
// backend an output up to 64×64 pixels with at least 16 filters takes col2im by products with selection matrices
// (route "select"), and a large input the same function and gradients built without ScatterSum and Gather (route
// "shift", shiftConv2DTranspose); on XLA's CPU backend a large one is computed by phases (route "phase").
func Conv2DTranspose(scope *model.Scope, x *graph.Node, filters, kernel, stride int, pad Padding) *graph.Node {
	checkConvArgs("Conv2DTranspose", x, filters, kernel, stride)
	d := x.Shape().Dimensions
	b, h, w, cin := d[0], d[1], d[2], d[3]
	oh, ow := TransposeOutputSize(h, kernel, stride, pad), TransposeOutputSize(w, kernel, stride, pad)
	geom := newConvGeom(b, oh, ow, kernel, stride, pad)
	if geom.ho != h || geom.wo != w {
		exceptions.Panicf("nn.Conv2DTranspose: internal error: output %d×%d maps back to %d×%d, not %d×%d", oh, ow, geom.ho, geom.wo, h, w)
	}
	k := weights(scope, x, kernel, kernel, filters, cin)
	bias := biases(scope, x, filters)
	switch route, phases := convRoute(scope, x.Graph(), false, shiftPays(geom, cin), selectPays(geom, filters)); route {
	case "native":
		return addBias(nativeConv2DTranspose(geom, phases, x, k), bias)
	case "shift":
		return addBias(shiftConv2DTranspose(geom, x, k), bias)
	case "select":
		return addBias(geom.selConv2DTranspose(x, k), bias)
	}
	cols := contract(graph.Reshape(x, b*h*w, cin), graph.Reshape(k, kernel*kernel*filters, cin), 1, 1)
	y := geom.col2im(cols, filters)
	return addBias(y, bias)
}
