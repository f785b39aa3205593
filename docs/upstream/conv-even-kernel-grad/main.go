// Reproducer: GoMLX v0.28.2's gradient of Convolve with respect to its input is wrong for even kernel sizes.
//
// It builds y = Convolve(x, k) for kernel sizes 2, 3, 4, strides 1 and 2, "same" and "valid" padding, and compares
// GoMLX's gradients of loss = Σ y·w (w fixed) with respect to x and to k against central finite differences.
// The loss is linear in x and in k, so finite differences are exact up to rounding (float64).
//
// Run: GOMLX_BACKEND=go go run .   (exit status 1 when a gradient is wrong)
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

const B, H, W, Cin, Cout = 2, 7, 7, 2, 3

func main() {
	backend, err := compute.New() // $GOMLX_BACKEND, else the first registered backend
	if err != nil {
		panic(err)
	}
	defer backend.Finalize()
	fmt.Println("backend:", backend.Name(), "-", backend.Description())
	rng := rand.New(rand.NewPCG(1, 2))
	wrong := 0
	fmt.Printf("%-6s %-6s %-6s %14s %14s  %s\n", "kernel", "stride", "pad", "max|dx-fd|", "max|dk-fd|", "input gradient")
	for _, k := range []int{2, 3, 4} {
		for _, s := range []int{1, 2} {
			for _, same := range []bool{true, false} {
				x := randn(rng, B*H*W*Cin)
				kern := randn(rng, k*k*Cin*Cout)
				exec := MustNewExec(backend, func(x, kern *Node) (loss, dx, dk *Node) {
					conv := Convolve(x, kern).Strides(s)
					if same {
						conv = conv.PadSame()
					} else {
						conv = conv.NoPadding()
					}
					y := conv.Done()
					w := Cos(MulScalar(IotaFull(x.Graph(), y.Shape()), 0.7)) // fixed weights of y's shape
					loss = ReduceAllSum(Mul(y, w))
					g := Gradient(loss, x, kern)
					return loss, g[0], g[1]
				})
				lossAt := func(x, kern []float64) float64 {
					out := exec.MustCall(tensors.FromFlatDataAndDimensions(x, B, H, W, Cin),
						tensors.FromFlatDataAndDimensions(kern, k, k, Cin, Cout))
					return tensors.MustCopyFlatData[float64](out[0])[0]
				}
				out := exec.MustCall(tensors.FromFlatDataAndDimensions(x, B, H, W, Cin),
					tensors.FromFlatDataAndDimensions(kern, k, k, Cin, Cout))
				dx := tensors.MustCopyFlatData[float64](out[1])
				dk := tensors.MustCopyFlatData[float64](out[2])
				errX := maxErr(dx, x, func(p []float64) float64 { return lossAt(p, kern) })
				errK := maxErr(dk, kern, func(p []float64) float64 { return lossAt(x, p) })
				exec.Finalize()
				pad := "valid"
				if same {
					pad = "same"
				}
				verdict := "ok"
				if errX > 1e-6 || errK > 1e-6 {
					verdict = "WRONG"
					wrong++
				}
				fmt.Printf("%-6d %-6d %-6s %14.3g %14.3g  %s\n", k, s, pad, errX, errK, verdict)
			}
		}
	}
	if wrong > 0 {
		fmt.Printf("%d of 12 cases wrong\n", wrong)
		os.Exit(1)
	}
	fmt.Println("all 12 cases right")
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
