package data

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gomlx/gomlx/core/graph"
)

// DiffAugment is the differentiable augmentation of Zhao, Liu, Lin, Zhu and Han 2020, "Differentiable Augmentation
// for Data-Efficient GAN Training" (https://arxiv.org/abs/2006.10738), for images inside the graph: the same random
// changes are applied to the real and to the generated images before D sees them, in D's step and in G's step, and
// G's gradient flows back through them. D then cannot win by memorising a small training set (it sees each real
// image under ever new shifts, holes and contrasts), and since both sides are changed alike G is not taught to draw
// the changes. Augment (Images.Augmented), by contrast, enlarges the real set only, and G learns to draw its
// rotations and flips as if they were data.
//
// Each image of a batch draws its own changes. Pixels are in [-1, 1] with black at -1 (the generator's range):
// translation and cutout fill with black. (The authors' code fills with 0, mid-grey; for MRI slices, whose
// background is black, black keeps the background a background.) The zero value changes nothing.
type DiffAugment struct {
	// Translation shifts each image by a whole number of pixels, up to Translation × its side in each direction
	// (the paper: 1/8).
	Translation float64
	// Cutout blackens a square of Cutout × the side (the paper: 1/2) at a uniform position, partly outside the image
	// when it falls near an edge.
	Cutout float64
	// Brightness adds one value uniform in [-Brightness, Brightness] to every pixel (the paper: 0.5).
	Brightness float64
	// Contrast scales each pixel's distance from the image's mean by a factor uniform in [1-Contrast, 1+Contrast]
	// (the paper: 0.5).
	Contrast float64
}

// DiffAugmentPaper is the paper's policy "color,translation,cutout" for grayscale images (saturation, the third
// colour change, does nothing to one channel).
var DiffAugmentPaper = DiffAugment{Translation: 1.0 / 8, Cutout: 0.5, Brightness: 0.5, Contrast: 0.5}

// DiffAugmentDraws is the number of uniform random numbers each image uses (DiffAugment.ApplyWith).
const DiffAugmentDraws = 6

// String names the policy, for logs and run parameters.
func (a DiffAugment) String() string {
	return fmt.Sprintf("DiffAugment(translation %.3g, cutout %.3g, brightness %.3g, contrast %.3g)",
		a.Translation, a.Cutout, a.Brightness, a.Contrast)
}

// Apply returns x [B, H, W, C] changed at random, drawing from the scope's random-number generator; outside
// training (scope.IsTraining false) it returns x unchanged.
func (a DiffAugment) Apply(scope *model.Scope, x *graph.Node) *graph.Node {
	if a == (DiffAugment{}) || !scope.IsTraining(x.Graph()) {
		return x
	}
	r := scope.RandomUniform(x.Graph(), shapes.Make(x.DType(), x.Shape().Dimensions[0], DiffAugmentDraws))
	return a.ApplyWith(x, r)
}

// ApplyWith is Apply with the random numbers given: r [B, DiffAugmentDraws] uniform in [0, 1). For given r the
// result is linear in x (a shift, a mask and an affine intensity change), so its gradient in x is exact.
func (a DiffAugment) ApplyWith(x, r *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	if len(d) != 4 {
		panic(fmt.Sprintf("data.DiffAugment: images must be [B, H, W, C], got shape %s", x.Shape()))
	}
	b, h, w, c := d[0], d[1], d[2], d[3]
	g, dt := x.Graph(), x.DType()
	r = graph.StopGradient(r)
	u := func(k int) *graph.Node { return graph.Slice(r, graph.AxisRange(), graph.AxisElem(k)) } // [B, 1]
	n := h * w
	pix := graph.ConvertDType(graph.Iota(g, shapes.Make(dtypes.Int32, 1, n), 1), dt) // pixel index i·w + j: [1, n]
	row := graph.Floor(graph.DivScalar(pix, float64(w)))
	col := graph.Sub(pix, graph.MulScalar(row, float64(w)))
	black := graph.Scalar(g, dt, -1)
	out := graph.Reshape(x, b, n, c)

	if a.Translation > 0 {
		// Output pixel (i, j) takes input pixel (i − ty, j − tx), ty and tx whole numbers in ±⌊Translation·side⌋.
		shift := func(k, side int) *graph.Node {
			m := float64(int(a.Translation * float64(side)))
			return graph.Floor(graph.AddScalar(graph.MulScalar(u(k), 2*m+1), -m)) // uniform over −m…m
		}
		srcY, srcX := graph.Sub(row, shift(0, h)), graph.Sub(col, shift(1, w)) // [B, n]
		inside := graph.And(graph.And(graph.GreaterOrEqual(srcY, graph.ScalarZero(g, dt)), graph.LessOrEqual(srcY, graph.Scalar(g, dt, float64(h-1)))),
			graph.And(graph.GreaterOrEqual(srcX, graph.ScalarZero(g, dt)), graph.LessOrEqual(srcX, graph.Scalar(g, dt, float64(w-1)))))
		base := graph.MulScalar(graph.ConvertDType(graph.Iota(g, shapes.Make(dtypes.Int32, b, 1), 0), dt), float64(n))
		idx := graph.Add(base, graph.Add(graph.MulScalar(graph.ClipScalar(srcY, 0, float64(h-1)), float64(w)), graph.ClipScalar(srcX, 0, float64(w-1))))
		moved := graph.Gather(graph.Reshape(out, b*n, c), graph.ExpandAxes(graph.ConvertDType(idx, dtypes.Int32), -1)) // [B, n, C]
		out = graph.Where(graph.BroadcastToDims(graph.ExpandAxes(inside, -1), b, n, c), moved, graph.BroadcastToDims(black, b, n, c))
	}
	if a.Cutout > 0 {
		// A square of k×k pixels whose top-left corner is uniform over −(k−1)…side−1, so every pixel is covered
		// equally often.
		corner := func(k, side int, size float64) *graph.Node {
			return graph.AddScalar(graph.Floor(graph.MulScalar(u(k), float64(side)+size-1)), 1-size)
		}
		kh, kw := float64(max(1, int(a.Cutout*float64(h)))), float64(max(1, int(a.Cutout*float64(w))))
		y0, x0 := corner(2, h, kh), corner(3, w, kw)
		hole := graph.And(graph.And(graph.GreaterOrEqual(row, y0), graph.LessThan(row, graph.AddScalar(y0, kh))),
			graph.And(graph.GreaterOrEqual(col, x0), graph.LessThan(col, graph.AddScalar(x0, kw)))) // [B, n]
		out = graph.Where(graph.BroadcastToDims(graph.ExpandAxes(hole, -1), b, n, c), graph.BroadcastToDims(black, b, n, c), out)
	}
	if a.Brightness > 0 {
		out = graph.Add(out, graph.ExpandAxes(graph.MulScalar(graph.AddScalar(graph.MulScalar(u(4), 2), -1), a.Brightness), -1))
	}
	if a.Contrast > 0 {
		mean := graph.ReduceMean(out, 1, 2) // [B]
		mean = graph.Reshape(mean, b, 1, 1)
		factor := graph.ExpandAxes(graph.AddScalar(graph.MulScalar(graph.AddScalar(graph.MulScalar(u(5), 2), -1), a.Contrast), 1), -1) // [B, 1, 1]
		out = graph.Add(graph.Mul(graph.Sub(out, mean), factor), mean)
	}
	return graph.Reshape(out, b, h, w, c)
}
