package backend

// SPIKE v0.28.2: ganlib's GEMM swap is switched off. GoMLX v0.27's packgemm.DTypeToGEMM registry is gone; compute
// v0.1.2 registers its DotGeneral kernels (dot/matmul, AVX2/AVX-512, GOEXPERIMENT=simd only) in an unexported map of
// the internal package compute/internal/gobackend/dot (RegisterImplementation / FindRegisteredImplementation), which
// ganlib cannot import. Re-registering ganlib/internal/gemm would need go:linkname into that package. Decide by
// measurement (issue 23): keep only if faster than compute's own kernels on ganlib's step.

// gemmPacked is always false in the spike; gemmNote is empty; rawGEMM is nil.
var (
	gemmPacked, gemmNote = false, ""
	rawGEMM              any
)
