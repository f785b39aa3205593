//go:build goexperiment.simd && amd64

package backend

// goConfig with GOEXPERIMENT=simd on amd64: GoMLX's packed GEMM has AVX-512 float32 kernels here (it checks the
// CPU at run time and falls back to its portable kernel). One MLP GAN step at batch 64 (ganlab bench -worker go,
// GOMAXPROCS=1, CPU time, 21 steps): 199 ms in the default build, 85 ms with the experiment alone (GoMLX's
// blocked matrix product gets AVX-512 too), 62 ms with packgemm. ganlib/nn's finite-difference tests pass with it.
const (
	goConfig           = "go:ops_parallel,packgemm"
	goSequentialConfig = "go:ops_sequential,packgemm"
)
