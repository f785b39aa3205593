package infogan

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/gan"

	. "github.com/gomlx/gomlx/core/graph"
)

// ganlab's addition to InfoGAN, not in the paper: a Q whose categorical guess is made on a randomly warped copy of
// the image.
//
// Why. With the paper's setup the categorical code of ganlab's runs (24 seeds) always came to mean nine digit
// groups, not ten: one code value held two similar digits (4 and 9, or 7 and 9) and the tenth split another
// digit by style (slant, width, stroke), a partition Q can read just as well. If Q must name the code from an
// image that was rotated, sheared and stretched at random, a code carried by slant or width is lost in the warp
// and no longer pays; one carried by the digit's identity survives it. The continuous codes are still read from
// the unwarped image, so they remain free to take rotation and width.

// Warp limits of AugmentedQ.
const (
	AugmentDegrees = 20   // rotation, uniform in ±AugmentDegrees
	AugmentShear   = 0.3  // horizontal shear, uniform in ±AugmentShear
	AugmentScale   = 0.15 // width and height scaled independently, uniform in 1 ± AugmentScale
)

// Warp returns each image of x [B, H, W, 1] (values in [−1, 1], background −1) resampled bilinearly under its own
// random affine map about the image centre: a rotation in ±degrees, a horizontal shear in ±shear and independent
// scales of width and height in 1 ± scale. Pixels mapped from outside the image are background. The gradient
// flows to x (the map's parameters are random, not learned).
func Warp(scope *model.Scope, x *Node, degrees, shear, scale float64) *Node {
	d := x.Shape().Dimensions
	b, h, w := d[0], d[1], d[2]
	if d[3] != 1 {
		panic("infogan.Warp: one channel only")
	}
	g := x.Graph()
	dt := x.DType()
	u := func() *Node { // uniform in [−1, 1), one per image: [B, 1]
		return AddScalar(MulScalar(scope.RandomUniform(g, shapes.Make(dt, b, 1)), 2), -1)
	}
	theta := MulScalar(u(), degrees*math.Pi/180)
	sh := MulScalar(u(), shear)
	sx, sy := AddScalar(MulScalar(u(), scale), 1), AddScalar(MulScalar(u(), scale), 1)
	// Output pixel (i, j) samples the input at M·(i − ci, j − cj) + (ci, cj), M = diag(1/sy, 1/sx)·shear·rotation.
	ci, cj := float64(h-1)/2, float64(w-1)/2
	n := h * w
	ii := ConvertDType(Iota(g, shapes.Make(dtypes.Int32, 1, n), 1), dt) // pixel index i·w + j: [1, n]
	i := Floor(DivScalar(ii, float64(w)))
	row := AddScalar(i, -ci)
	col := AddScalar(Sub(ii, MulScalar(i, float64(w))), -cj)
	cos, sin := Cos(theta), Sin(theta)
	ry := Sub(Mul(cos, row), Mul(sin, col)) // [B, n]
	rx := Add(Mul(sin, row), Mul(cos, col))
	rx = Add(rx, Mul(sh, ry))
	srcY := AddScalar(Div(ry, sy), ci)
	srcX := AddScalar(Div(rx, sx), cj)
	y0, x0 := Floor(srcY), Floor(srcX)
	wy, wx := Sub(srcY, y0), Sub(srcX, x0)
	p := Reshape(MulScalar(AddScalar(x, 1), 0.5), b*n) // pixels in [0, 1], background 0
	base := MulScalar(ConvertDType(Iota(g, shapes.Make(dtypes.Int32, b, 1), 0), dt), float64(n))
	var out *Node
	for _, dy := range []float64{0, 1} {
		for _, dx := range []float64{0, 1} {
			yy, xx := AddScalar(y0, dy), AddScalar(x0, dx)
			inside := And(And(GreaterOrEqual(yy, ScalarZero(g, dt)), LessOrEqual(yy, Scalar(g, dt, float64(h-1)))),
				And(GreaterOrEqual(xx, ScalarZero(g, dt)), LessOrEqual(xx, Scalar(g, dt, float64(w-1)))))
			yc := ClipScalar(yy, 0, float64(h-1))
			xc := ClipScalar(xx, 0, float64(w-1))
			idx := ConvertDType(Add(base, Add(MulScalar(yc, float64(w)), xc)), dtypes.Int32)
			v := Gather(p, ExpandAxes(idx, -1)) // [B, n]
			wgt := Mul(OneMinus(Abs(SubScalar(wy, dy))), OneMinus(Abs(SubScalar(wx, dx))))
			term := Where(inside, Mul(wgt, v), ZerosLike(v))
			if out == nil {
				out = term
			} else {
				out = Add(out, term)
			}
		}
	}
	return Reshape(AddScalar(MulScalar(out, 2), -1), b, h, w, 1)
}

// AugmentedQ returns InfoGAN (named "infogan-augq") whose Q guesses the categorical code from Warp(G(z, c)) with
// the AugmentDegrees/AugmentShear/AugmentScale limits, and the continuous codes from G(z, c) itself; D's logits
// are those of the unwarped image. The warp is drawn only in training: at inference Q reads the image as it is.
// Everything else is New's.
func AugmentedQ(size, channels int) gan.Variant {
	v := New(size, channels)
	v.Name = "infogan-augq"
	v.Discriminator = func(scope *model.Scope, x *Node, c gan.Cond) (*Node, gan.Cond) {
		if !scope.IsTraining(x.Graph()) {
			// Inference (InferCodes, CodeAccuracy): Q reads the image as it is.
			return Discriminator(scope, x, c)
		}
		// Two passes through the same body (its BatchNorm statistics see both the image and its warped copy).
		logits, heads := Discriminator(scope, x, c)
		_, warped := Discriminator(scope, Warp(scope, x, AugmentDegrees, AugmentShear, AugmentScale), c)
		return logits, gan.Cond{QCat: warped[QCat], QCont: heads[QCont]}
	}
	return v
}
