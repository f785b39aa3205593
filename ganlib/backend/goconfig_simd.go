//go:build goexperiment.simd && amd64

package backend

// simdBuild: built with GOEXPERIMENT=simd on amd64. GoMLX's element-wise ops and its blocked matrix product then
// use AVX-512 too, and its packed GEMM has an AVX-512 kernel (used where ganlib's is not: setupGEMM). One MLP GAN
// step at batch 64 (ganlab bench -worker go, GOMAXPROCS=1, CPU time, 21 steps): 199 ms in the default build, 85 ms
// with the experiment alone, 62 ms with GoMLX's packgemm.
const simdBuild = true
