//go:build !(goexperiment.simd && amd64)

package backend

// goConfig without GOEXPERIMENT=simd: packgemm would only add GoMLX's non-SIMD "basic" GEMM, no faster than its
// default matrix product (measured: 4.30 s vs 4.17 s of CPU for 21 MLP GAN steps at batch 64).
const (
	goConfig           = "go:ops_parallel"
	goSequentialConfig = "go:ops_sequential"
)

// gemmCleanErr: this build has no packed GEMM to wrap (see packgemm_simd.go).
var gemmCleanErr error
