//go:build !(goexperiment.simd && amd64)

package backend

// simdBuild: this binary was built without GOEXPERIMENT=simd on amd64, so GoMLX's packed GEMM has no AVX-512
// kernel here (ganlib's own, ganlib/internal/gemm, needs no experiment).
const simdBuild = false
