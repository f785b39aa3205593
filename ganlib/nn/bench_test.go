package nn

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
)

// benchCase is one layer at a size used by ganlab's models, timed forward + backward (gradients wrt the input and
// every variable), in float32. A layer whose input is G's noise z skips the input gradient, as a training step
// does: nothing needs dL/dz.
type benchCase struct {
	name    string
	dims    []int // input shape
	flops   float64
	layer   func(scope *model.Scope, x *graph.Node) *graph.Node
	noiseIn bool // the input is z: no input gradient
}

func convFlops(b, ho, wo, k, cin, cout int) float64 {
	// Forward, input gradient and kernel gradient: 3 products of 2·b·ho·wo·k²·cin·cout flops.
	return 3 * 2 * float64(b*ho*wo*k*k*cin*cout)
}

func benchCases() []benchCase {
	conv := func(f, k, s int) func(scope *model.Scope, x *graph.Node) *graph.Node {
		return func(scope *model.Scope, x *graph.Node) *graph.Node { return Conv2D(scope, x, f, k, s, Same) }
	}
	convT := func(f, k, s int) func(scope *model.Scope, x *graph.Node) *graph.Node {
		return func(scope *model.Scope, x *graph.Node) *graph.Node { return Conv2DTranspose(scope, x, f, k, s, Same) }
	}
	dense := func(u int) func(scope *model.Scope, x *graph.Node) *graph.Node {
		return func(scope *model.Scope, x *graph.Node) *graph.Node { return Dense(scope, x, u) }
	}
	return []benchCase{
		// DCGAN 28×28, B=64 (DESIGN.md §7).
		{"dcgan28/D_conv5s2_1to64_28", []int{64, 28, 28, 1}, convFlops(64, 14, 14, 5, 1, 64), conv(64, 5, 2), false},
		{"dcgan28/D_conv5s2_64to128_14", []int{64, 14, 14, 64}, convFlops(64, 7, 7, 5, 64, 128), conv(128, 5, 2), false},
		{"dcgan28/G_convT5s2_128to64_7", []int{64, 7, 7, 128}, convFlops(64, 7, 7, 5, 64, 128), convT(64, 5, 2), false},
		{"dcgan28/G_convT5s2_64to1_14", []int{64, 14, 14, 64}, convFlops(64, 14, 14, 5, 1, 64), convT(1, 5, 2), false},
		{"dcgan28/G_dense_100to6272", []int{64, 100}, 2 * 2 * 64 * 100 * 6272, dense(7 * 7 * 128), true},
		{"mlp/dense_1024to784", []int{64, 1024}, 3 * 2 * 64 * 1024 * 784, dense(784), false},
		// The lecture's DCGAN, 128×128×1, B=4.
		{"lecture128/G_dense_100to262144", []int{4, 100}, 2 * 2 * 4 * 100 * 262144, dense(32 * 32 * 256), true},
		{"lecture128/G_convT4s2_256to128_32", []int{4, 32, 32, 256}, convFlops(4, 32, 32, 4, 128, 256), convT(128, 4, 2), false},
		{"lecture128/G_convT4s2_128to128_64", []int{4, 64, 64, 128}, convFlops(4, 64, 64, 4, 128, 128), convT(128, 4, 2), false},
		{"lecture128/G_conv4_128to1_128", []int{4, 128, 128, 128}, convFlops(4, 128, 128, 4, 128, 1), conv(1, 4, 1), false},
		{"lecture128/D_conv3_1to64_128", []int{4, 128, 128, 1}, convFlops(4, 128, 128, 3, 1, 64), conv(64, 3, 1), false},
		{"lecture128/D_conv3s2_64to128_128", []int{4, 128, 128, 64}, convFlops(4, 64, 64, 3, 64, 128), conv(128, 3, 2), false},
		{"lecture128/D_conv3s2_128to256_32", []int{4, 32, 32, 128}, convFlops(4, 16, 16, 3, 128, 256), conv(256, 3, 2), false},
	}
}

// benchLayer times one forward + backward step of layer on backend b.
func benchLayer(b *testing.B, backend compute.Backend, route string, c benchCase) {
	if extraRoutes[route] {
		speedOn(b)
	}
	scope := model.NewStore().RootScope()
	scope.SetParam(ParamConvRoute, route)
	layer := c.layer
	exec := model.MustNewExec(backend, scope.Store(), func(scope *model.Scope, x *graph.Node) []*graph.Node {
		y := layer(scope, x)
		loss := graph.ReduceAllSum(graph.Mul(y, projection(y)))
		var nodes []*graph.Node
		if !c.noiseIn {
			nodes = append(nodes, x)
		}
		for v := range scope.IterVariables() {
			if v.Trainable && v.Shape().DType.IsFloat() {
				nodes = append(nodes, v.NodeValue(x.Graph()))
			}
		}
		return append([]*graph.Node{loss}, graph.Gradient(loss, nodes...)...)
	})
	defer exec.Finalize()
	x := tensors.FromShape(shapes.Make(dtypes.Float32, c.dims...))
	for _, t := range exec.MustCall(x) { // Compile and warm up.
		t.FinalizeAll()
	}
	b.ResetTimer()
	for b.Loop() {
		for _, t := range exec.MustCall(x) {
			t.FinalizeAll()
		}
	}
	b.ReportMetric(c.flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkLayers times forward + backward of each layer at GAN sizes, per backend ("go", "xla") and
// convolution routes (ParamConvRoute: "im2col" and "select" on both, "shift" on both for Conv2DTranspose,
// "native" and "phase" on XLA; Dense is the same on every route).
// Run: go test -run=^$ -bench=Layers ./ganlib/nn (add -benchtime=3x for the slow pure-Go cases).
func BenchmarkLayers(b *testing.B) {
	backendtest.TunedForBenchmarks(b) // before getBackends: run with -run='^$' so no test creates them first
	for _, tb := range getBackends() {
		if tb.b == nil {
			continue
		}
		routes := []string{"im2col", "shift", "select"}
		if isXLA(tb.b) {
			routes = append(routes, "native", "phase")
		}
		for _, c := range benchCases() {
			for _, route := range routes {
				if route == "shift" && !strings.Contains(c.name, "convT") {
					continue // "shift" changes Conv2DTranspose only
				}
				b.Run(fmt.Sprintf("%s/%s/%s", tb.name, c.name, route), func(b *testing.B) { benchLayer(b, tb.b, route, c) })
			}
		}
	}
}

// BenchmarkMatMul times one n×n float32 matrix product (MatMul) per backend: the ceiling the layers are measured
// against in docs/benchmarks.md ("What the CPU can do"). Run: go test -run=^$ -bench=MatMul ./ganlib/nn (with
// GOEXPERIMENT=simd for GoMLX's packed GEMM on the pure-Go backend).
func BenchmarkMatMul(b *testing.B) {
	backendtest.TunedForBenchmarks(b) // before getBackends: run with -run='^$' so no test creates them first
	for _, tb := range getBackends() {
		if tb.b == nil {
			continue
		}
		for _, n := range []int{2048, 4096} {
			b.Run(fmt.Sprintf("%s/%d", tb.name, n), func(b *testing.B) {
				exec := graph.MustNewExec(tb.b, func(x, y *graph.Node) *graph.Node { return MatMul(x, y) })
				defer exec.Finalize()
				x := tensors.FromShape(shapes.Make(dtypes.Float32, n, n))
				exec.MustCall(x, x)[0].FinalizeAll() // Compile and warm up.
				b.ResetTimer()
				for b.Loop() {
					exec.MustCall(x, x)[0].FinalizeAll()
				}
				b.ReportMetric(2*float64(n*n*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkConvParts times the three products of a convolution layer separately on XLA: the forward pass, the
// input gradient and the kernel gradient, with the loss Σ y·p for an input p, so that each gradient needs no
// forward pass (docs/benchmarks.md, run T). Run: go test -run='^$' -bench=ConvParts ./ganlib/nn
func BenchmarkConvParts(b *testing.B) {
	backendtest.TunedForBenchmarks(b) // before getBackends: run with -run='^$' so no test creates them first
	type layer struct {
		name    string
		in, out []int
		f       func(scope *model.Scope, x *graph.Node) *graph.Node
	}
	layers := []layer{
		{"lecture128/G_convT4s2_128to128_64", []int{4, 64, 64, 128}, []int{4, 128, 128, 128},
			func(scope *model.Scope, x *graph.Node) *graph.Node { return Conv2DTranspose(scope, x, 128, 4, 2, Same) }},
		{"lecture128/G_convT4s2_256to128_32", []int{4, 32, 32, 256}, []int{4, 64, 64, 128},
			func(scope *model.Scope, x *graph.Node) *graph.Node { return Conv2DTranspose(scope, x, 128, 4, 2, Same) }},
		{"lecture128/D_conv3s2_64to128_128", []int{4, 128, 128, 64}, []int{4, 64, 64, 128},
			func(scope *model.Scope, x *graph.Node) *graph.Node { return Conv2D(scope, x, 128, 3, 2, Same) }},
		{"dcgan28/D_conv5s2_64to128_14", []int{64, 14, 14, 64}, []int{64, 7, 7, 128},
			func(scope *model.Scope, x *graph.Node) *graph.Node { return Conv2D(scope, x, 128, 5, 2, Same) }},
		{"dcgan28/G_convT5s2_128to64_7", []int{64, 7, 7, 128}, []int{64, 14, 14, 64},
			func(scope *model.Scope, x *graph.Node) *graph.Node { return Conv2DTranspose(scope, x, 64, 5, 2, Same) }},
	}
	for _, tb := range getBackends() {
		if tb.b == nil || !isXLA(tb.b) {
			continue
		}
		for _, l := range layers {
			for _, part := range []string{"forward", "dx", "dkernel"} {
				b.Run(fmt.Sprintf("%s/%s/%s", tb.name, l.name, part), func(b *testing.B) {
					scope := model.NewStore().RootScope()
					exec := model.MustNewExec(tb.b, scope.Store(), func(scope *model.Scope, x, p *graph.Node) []*graph.Node {
						loss := graph.ReduceAllSum(graph.Mul(l.f(scope, x), p))
						switch part {
						case "forward":
							return []*graph.Node{loss}
						case "dx":
							return graph.Gradient(loss, x)
						}
						var kernels []*graph.Node
						for v := range scope.IterVariables() {
							if v.Trainable && v.Shape().Rank() == 4 {
								kernels = append(kernels, v.NodeValue(x.Graph()))
							}
						}
						return graph.Gradient(loss, kernels...)
					})
					defer exec.Finalize()
					x := tensors.FromShape(shapes.Make(dtypes.Float32, l.in...))
					p := tensors.FromShape(shapes.Make(dtypes.Float32, l.out...))
					for _, t := range exec.MustCall(x, p) { // compile
						t.FinalizeAll()
					}
					b.ResetTimer()
					for b.Loop() {
						for _, t := range exec.MustCall(x, p) {
							t.FinalizeAll()
						}
					}
				})
			}
		}
	}
}
