// Reproducer: in GoMLX v0.28.2 the second-order gradient of a strided convolution panics. The input gradient of a
// convolution with stride s is a convolution with input dilation s (convVJPWrtX), and convGeneralVJP refuses input
// dilation, so d/dk of any function of dL/dx fails: WGAN-GP's gradient penalty on a discriminator with strided
// convolutions cannot be trained.
//
// It computes gp = Σ (dL/dx)² for L = Σ Convolve(x, k)·w (kernel 3, "same" padding) and asks for dgp/dk (checked
// against central finite differences when it works) for a convolution built without Strides(), with Strides(1)
// and with Strides(2). convVJPWrtX sets the reverse convolution's input dilation to the strides whenever strides
// were given, even when they are all 1, so Strides(1) fails too.
//
// Run: GOMLX_BACKEND=go go run .   (exit status 1 when a case fails)
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

const B, H, W, Cin, Cout, K = 2, 6, 6, 2, 3, 3

func main() {
	backend, err := compute.New() // $GOMLX_BACKEND, else the first registered backend
	if err != nil {
		panic(err)
	}
	defer backend.Finalize()
	fmt.Println("backend:", backend.Name(), "-", backend.Description())
	rng := rand.New(rand.NewPCG(3, 4))
	x := tensors.FromFlatDataAndDimensions(randn(rng, B*H*W*Cin), B, H, W, Cin)
	kern := randn(rng, K*K*Cin*Cout)
	failed := false
	// stride 0: Strides() not called.
	for _, stride := range []int{0, 1, 2} {
		name := fmt.Sprintf("Strides(%d)", stride)
		if stride == 0 {
			name = "no Strides()"
		}
		exec := MustNewExec(backend, func(x, k *Node) (gp, dgp *Node) {
			conv := Convolve(x, k).PadSame()
			if stride > 0 {
				conv = conv.Strides(stride)
			}
			y := conv.Done()
			loss := ReduceAllSum(Mul(y, Cos(MulScalar(IotaFull(x.Graph(), y.Shape()), 0.7))))
			dx := Gradient(loss, x)[0]
			gp = ReduceAllSum(Square(dx))
			return gp, Gradient(gp, k)[0]
		})
		out, err := exec.Call(x, tensors.FromFlatDataAndDimensions(kern, K, K, Cin, Cout))
		if err != nil {
			fmt.Printf("%-12s second-order gradient: error: %s\n", name, firstLine(err.Error()))
			failed = true
			continue
		}
		dgp := tensors.MustCopyFlatData[float64](out[1])
		gpAt := func(p []float64) float64 {
			o := exec.MustCall(x, tensors.FromFlatDataAndDimensions(p, K, K, Cin, Cout))
			return tensors.MustCopyFlatData[float64](o[0])[0]
		}
		// gp is quadratic in k: central differences are exact up to rounding.
		const h = 1e-3
		worst := 0.0
		q := append([]float64(nil), kern...)
		for i := range q {
			q[i] = kern[i] + h
			plus := gpAt(q)
			q[i] = kern[i] - h
			minus := gpAt(q)
			q[i] = kern[i]
			worst = math.Max(worst, math.Abs(dgp[i]-(plus-minus)/(2*h)))
		}
		verdict := "ok"
		if worst > 1e-6 {
			verdict, failed = "WRONG", true
		}
		fmt.Printf("%-12s second-order gradient: max|dgp/dk - fd| = %.3g  %s\n", name, worst, verdict)
		exec.Finalize()
	}
	if failed {
		os.Exit(1)
	}
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
