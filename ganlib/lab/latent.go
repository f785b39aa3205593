package lab

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// Slerp is the spherical interpolation between a and b (same length) at t ∈ [0, 1]: it walks along the great
// circle from a to b, sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b with Ω the angle between them, so that the
// points along the way keep a norm like the ends'. For z ~ N(0, I) in many dimensions almost all the mass lies
// near the sphere of radius √d; the straight line (lerp) cuts inside it, through noise G rarely saw
// (White 2016, "Sampling Generative Networks", https://arxiv.org/abs/1609.04468). When a and b are (nearly)
// parallel it falls back to the straight line.
func Slerp(a, b []float32, t float64) []float32 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("lab.Slerp: vectors of %d and %d values", len(a), len(b)))
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	wa, wb := 1-t, t
	if na > 0 && nb > 0 {
		cos := max(-1, min(1, dot/math.Sqrt(na*nb)))
		omega := math.Acos(cos)
		if s := math.Sin(omega); s > 1e-6 {
			wa, wb = math.Sin((1-t)*omega)/s, math.Sin(t*omega)/s
		}
	}
	out := make([]float32, len(a))
	for i := range a {
		out[i] = float32(wa*float64(a[i]) + wb*float64(b[i]))
	}
	return out
}

// Noise draws count latent vectors of variant v from its prior (v.Noise, N(0, 1) or U(−1, 1)) with the given
// seed: count·LatentDim values.
func Noise(v gan.Variant, count int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 0x5EED))
	z := make([]float32, count*v.LatentDim)
	for i := range z {
		if v.Noise == gan.Uniform {
			z[i] = float32(rng.Float64()*2 - 1)
		} else {
			z[i] = float32(rng.NormFloat64())
		}
	}
	return z
}

// Walk returns the steps (≥ 2) latent vectors along the spherical path from z0 to z1, ends included:
// steps·len(z0) values.
func Walk(z0, z1 []float32, steps int) []float32 {
	out := make([]float32, 0, steps*len(z0))
	for i := range steps {
		out = append(out, Slerp(z0, z1, float64(i)/float64(steps-1))...)
	}
	return out
}

// InterpolationRows draws 2·rows noise vectors with seed and returns G's images along rows walks of steps images
// each (Walk), row after row: rows·steps images NHWC in [−1, 1], ready for GridOf(v, images, rows, steps, 0).
// A conditional variant keeps one condition along each row: row r gets the condition of image r of its fixed
// grid (Condition.Fixed), e.g. one cGAN class per row.
func InterpolationRows(tr *gan.Trainer, rows, steps int, seed uint64) ([]float32, error) {
	if rows < 1 || steps < 2 {
		return nil, fmt.Errorf("lab.InterpolationRows: %d rows of %d steps (want ≥ 1 row of ≥ 2 steps)", rows, steps)
	}
	v := tr.Variant
	ends := Noise(v, 2*rows, seed)
	d := v.LatentDim
	var rowConds gan.Values
	if v.Condition != nil {
		rowConds = v.Condition.Fixed(rows)
	}
	var images []float32
	for r := range rows {
		z := Walk(ends[2*r*d:(2*r+1)*d], ends[(2*r+1)*d:(2*r+2)*d], steps)
		var c gan.Values
		if rowConds != nil {
			var err error
			if c, err = repeatRow(rowConds, r, steps); err != nil {
				return nil, fmt.Errorf("variant %q: %w", v.Name, err)
			}
		}
		px, err := tr.GenerateWith(z, c)
		if err != nil {
			return nil, err
		}
		images = append(images, px...)
	}
	return images, nil
}

// repeatRow is a condition of n images, each with row r of c.
func repeatRow(c gan.Values, r, n int) (gan.Values, error) {
	out := gan.Values{}
	for name, t := range c {
		dims := t.Shape().Dimensions
		size := 1
		for _, d := range dims[1:] {
			size *= d
		}
		newDims := append([]int{n}, dims[1:]...)
		switch t.DType() {
		case dtypes.Float32:
			out[name] = tensors.FromFlatDataAndDimensions(repeat(tensors.MustCopyFlatData[float32](t)[r*size:(r+1)*size], n), newDims...)
		case dtypes.Int32:
			out[name] = tensors.FromFlatDataAndDimensions(repeat(tensors.MustCopyFlatData[int32](t)[r*size:(r+1)*size], n), newDims...)
		default:
			return nil, fmt.Errorf("condition %q has dtype %s: only float32 and int32 rows can be repeated", name, t.DType())
		}
	}
	return out, nil
}

func repeat[T any](row []T, n int) []T {
	out := make([]T, 0, n*len(row))
	for range n {
		out = append(out, row...)
	}
	return out
}

// ShowInterpolations shows InterpolationRows as a grid (rows × steps, each row walking from one z to another)
// and writes it to dir/<name>.png, whose path it returns.
func ShowInterpolations(tr *gan.Trainer, dir, name string, rows, steps int, seed uint64) (string, error) {
	png, err := interpolationsPNG(tr, rows, steps, seed)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".png")
	if err := project.WriteFileAtomic(path, png); err != nil {
		return "", err
	}
	nbui.ShowPNG(png)
	return path, nil
}

func interpolationsPNG(tr *gan.Trainer, rows, steps int, seed uint64) ([]byte, error) {
	px, err := InterpolationRows(tr, rows, steps, seed)
	if err != nil {
		return nil, err
	}
	return GridOf(tr.Variant, px, rows, steps, 0).PNG()
}

// LatentWalk is a slider that walks between two noise vectors: pairs pairs of z are drawn with seed, and at
// position i of steps the image shows, for each pair, G at Slerp(z0, z1, i/(steps−1)), re-rendered by G at every
// move. Without a browser it shows the whole walks as interpolation rows (pairs × steps). A conditional variant
// keeps each pair's condition fixed, as in InterpolationRows.
func LatentWalk(tr *gan.Trainer, pairs, steps int, seed uint64) nbui.Explorer {
	v := tr.Variant
	labels := make([]string, max(steps, 0))
	for i := range labels {
		labels[i] = fmt.Sprintf("t = %.2f", float64(i)/float64(max(steps-1, 1)))
	}
	frame := func(i int) ([]byte, error) {
		ends := Noise(v, 2*pairs, seed)
		d := v.LatentDim
		z := make([]float32, 0, pairs*d)
		t := float64(i) / float64(steps-1)
		for p := range pairs {
			z = append(z, Slerp(ends[2*p*d:(2*p+1)*d], ends[(2*p+1)*d:(2*p+2)*d], t)...)
		}
		var c gan.Values
		if v.Condition != nil {
			c = v.Condition.Fixed(pairs)
		}
		px, err := tr.GenerateWith(z, c)
		if err != nil {
			return nil, err
		}
		return GridOf(v, px, 1, pairs, 4).PNG()
	}
	return nbui.Explorer{Labels: labels, Frame: frame, Static: func() ([]byte, error) { return interpolationsPNG(tr, pairs, steps, seed) }}
}
