// Reproducer: GoMLX v0.28.2 defines no gradient for Pad (graph.VJPRegistration has no entry for NodeTypePad), on
// every backend. The pure-Go backend now runs Pad forward, and Slice's gradient (which is a Pad) works, but the
// gradient of a Pad, and so the second-order gradient of a Slice, fails.
//
// It computes, for L = Σ f(x)·w, dL/dx with f = Slice (works; checked against central finite differences), f = Pad
// (fails; with positive, and with negative, i.e. cropping, padding), and d/dx Σ (dL/dx)² for f = Slice·Slice (a
// second-order gradient through Slice → Pad, fails).
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

const R, C = 4, 5

func main() {
	backend, err := compute.New() // $GOMLX_BACKEND, else the first registered backend
	if err != nil {
		panic(err)
	}
	defer backend.Finalize()
	fmt.Println("backend:", backend.Name(), "-", backend.Description())
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, R*C)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	weighted := func(y *Node) *Node { // Σ y·w for fixed w of y's shape
		return ReduceAllSum(Mul(y, Cos(MulScalar(IotaFull(y.Graph(), y.Shape()), 0.7))))
	}
	cases := []struct {
		name  string
		crops bool
		loss  func(x *Node) *Node
	}{
		{"Slice, 1st order", false, func(x *Node) *Node {
			return weighted(Slice(x, AxisRange(1, 3), AxisRange(0, C).Stride(2)))
		}},
		{"Pad, 1st order", false, func(x *Node) *Node {
			return weighted(Pad(x, ScalarZero(x.Graph(), x.DType()),
				PadAxis{Start: 1, End: 2}, PadAxis{Start: 0, End: 1, Interior: 1}))
		}},
		{"Pad (cropping)", true, func(x *Node) *Node { // negative padding crops
			return weighted(Pad(x, ScalarZero(x.Graph(), x.DType()),
				PadAxis{Start: -1, End: 2}, PadAxis{Start: 1, End: -2, Interior: 1}))
		}},
		{"Slice, 2nd order", false, func(x *Node) *Node {
			s := Slice(x, AxisRange(1, 3), AxisRange(0, C).Stride(2))
			dx := Gradient(weighted(Mul(s, s)), x)[0] // = Pad(2·s·w)
			return ReduceAllSum(Square(dx))
		}},
	}
	failed := false
	for _, c := range cases {
		if c.crops && backend.Name() == "Go Backend" {
			// compute v0.1.2's execPad (internal/gobackend/ops/pad.go) does not handle negative padding: it
			// writes out of bounds and panics in a worker goroutine, which ends the process.
			fmt.Printf("%-17s skipped: the pure-Go backend's Pad crashes on negative padding\n", c.name)
			continue
		}
		exec := MustNewExec(backend, func(x *Node) (loss, dx *Node) {
			loss = c.loss(x)
			return loss, Gradient(loss, x)[0]
		})
		xt := tensors.FromFlatDataAndDimensions(x, R, C)
		out, err := exec.Call(xt)
		if err != nil {
			fmt.Printf("%-17s error: %s\n", c.name, firstLine(err.Error()))
			failed = true
			continue
		}
		dx := tensors.MustCopyFlatData[float64](out[1])
		lossAt := func(p []float64) float64 {
			o := exec.MustCall(tensors.FromFlatDataAndDimensions(p, R, C))
			return tensors.MustCopyFlatData[float64](o[0])[0]
		}
		const h = 1e-4
		worst := 0.0
		q := append([]float64(nil), x...)
		for i := range q {
			q[i] = x[i] + h
			plus := lossAt(q)
			q[i] = x[i] - h
			minus := lossAt(q)
			q[i] = x[i]
			worst = math.Max(worst, math.Abs(dx[i]-(plus-minus)/(2*h)))
		}
		verdict := "ok"
		if worst > 1e-6 {
			verdict, failed = "WRONG", true
		}
		fmt.Printf("%-17s max|dx - fd| = %.3g  %s\n", c.name, worst, verdict)
		exec.Finalize()
	}
	if failed {
		os.Exit(1)
	}
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
