//go:build !amd64

package gemm

// asmKernels: only amd64 has assembly kernels (kernels_amd64.s).
var asmKernels []func(k int, a, b, c *float32, ldc int, acc int, mask uint32)
