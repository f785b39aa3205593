// Reproducer: GoMLX v0.28.2 has no gradient through a convolution with input dilation, so a transposed
// convolution (ConvTranspose, Keras's Conv2DTranspose) built from ConvGeneral / Convolve cannot be trained; and
// ml/layers has no ConvTranspose layer of its own.
//
// It builds the usual transposed convolution of a GAN generator (stride 2, output twice the input: kernel 4 with
// padding 2, kernel 3 with padding (1, 2)) as Convolve(x, k).InputDilationPerAxis(2, 2), runs it forward (works),
// then asks for the gradients of L = Σ y·w (w fixed) with respect to x and k and compares them with central finite
// differences (L is linear in x and in k, so these are exact up to rounding).
//
// Run: GOMLX_BACKEND=go go run .   (exit status 1 when a gradient fails or is wrong)
package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/gomlx/backends/default" // registers "go", and "xla" unless built with -tags noxla
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

const B, H, W, Cin, Cout = 1, 4, 4, 2, 3

func main() {
	backend, err := compute.New() // $GOMLX_BACKEND, else the first registered backend
	if err != nil {
		panic(err)
	}
	defer backend.Finalize()
	fmt.Println("backend:", backend.Name(), "-", backend.Description())
	rng := rand.New(rand.NewPCG(7, 8))
	failed := false
	for _, c := range []struct {
		k   int
		pad [2]int
	}{{4, [2]int{2, 2}}, {3, [2]int{1, 2}}} {
		// [1,4,4,2] dilated by 2 → 7×7, padded → 11×11 (kernel 4) or 10×10 (kernel 3) → [1,8,8,3].
		convTranspose := func(x, k *Node) *Node {
			return Convolve(x, k).InputDilationPerAxis(2, 2).PaddingPerDim([][2]int{c.pad, c.pad}).Done()
		}
		x := randn(rng, B*H*W*Cin)
		kern := randn(rng, c.k*c.k*Cin*Cout)
		xt := func(p []float64) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(p, B, H, W, Cin) }
		kt := func(p []float64) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(p, c.k, c.k, Cin, Cout) }

		y, err := CallOnce(backend, convTranspose, xt(x), kt(kern))
		if err != nil {
			fmt.Printf("kernel %d: forward: error: %s\n", c.k, firstLine(err.Error()))
			failed = true
			continue
		}
		fmt.Printf("kernel %d: forward: ok, output shape %s\n", c.k, y.Shape())

		exec := MustNewExec(backend, func(x, k *Node) (loss, dx, dk *Node) {
			y := convTranspose(x, k)
			loss = ReduceAllSum(Mul(y, Cos(MulScalar(IotaFull(x.Graph(), y.Shape()), 0.7))))
			g := Gradient(loss, x, k)
			return loss, g[0], g[1]
		})
		out, err := exec.Call(xt(x), kt(kern))
		if err != nil {
			fmt.Printf("kernel %d: gradient: error: %s\n", c.k, firstLine(err.Error()))
			failed = true
			continue
		}
		lossAt := func(x, kern []float64) float64 {
			return tensors.MustCopyFlatData[float64](exec.MustCall(xt(x), kt(kern))[0])[0]
		}
		errX := maxErr(tensors.MustCopyFlatData[float64](out[1]), x, func(p []float64) float64 { return lossAt(p, kern) })
		errK := maxErr(tensors.MustCopyFlatData[float64](out[2]), kern, func(p []float64) float64 { return lossAt(x, p) })
		verdict := "ok"
		if errX > 1e-6 || errK > 1e-6 {
			verdict, failed = "WRONG", true
		}
		fmt.Printf("kernel %d: gradient: max|dx-fd| = %.3g, max|dk-fd| = %.3g  %s\n", c.k, errX, errK, verdict)
		exec.Finalize()
	}
	if failed {
		os.Exit(1)
	}
}

// maxErr is max_i |grad[i] - (f(p+h·e_i) - f(p-h·e_i))/2h|.
func maxErr(grad, p []float64, f func([]float64) float64) float64 {
	const h = 1e-3
	worst := 0.0
	q := append([]float64(nil), p...)
	for i := range q {
		q[i] = p[i] + h
		plus := f(q)
		q[i] = p[i] - h
		minus := f(q)
		q[i] = p[i]
		worst = math.Max(worst, math.Abs(grad[i]-(plus-minus)/(2*h)))
	}
	return worst
}

func randn(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
