//go:build !amd64

package gemm

// Only amd64 has assembly kernels (kernels_amd64.s); elsewhere Available is false.
var (
	avx512    = false
	asmPacked [mr]func(k int, a, b, c *float32, ldc int, acc int, mask uint32)
	asmDirect [mr]func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc int, mask uint32)
)
