package backend

import (
	"fmt"
	"reflect"

	"github.com/ganlab/ganlab/ganlib/internal/gemm"
	"github.com/gomlx/gomlx/backends/simplego/packgemm"
)

// gemmPacked says whether the pure-Go backend's config has "packgemm" (GoMLX then sends every float32 product in
// matrix-product order to the GEMM registered in packgemm.DTypeToGEMM); gemmNote says which GEMM that is, or why
// it is off. rawGEMM is the function GoMLX had registered (for TestPackGEMMStaleOutput).
var (
	gemmPacked, gemmNote = setupGEMM()
	rawGEMM              any
)

// setupGEMM chooses the float32 matrix product of GoMLX's pure-Go backend:
//
//   - On CPUs with AVX-512 (any build): ganlib/internal/gemm, in the place of the function GoMLX registered. Its
//     14×32 assembly micro-kernels run a 2048² product at 323 GFLOP/s on 2 cores where GoMLX's AVX-512 packed GEMM
//     runs 109 and XLA 346 (go test -bench=Float32 ./ganlib/internal/gemm; -bench=MatMul ./ganlib/nn).
//   - Else, in GOEXPERIMENT=simd builds on amd64: GoMLX's packed GEMM, wrapped to clear its output first. GoMLX
//     v0.27.0 computes output = alpha·lhs·rhs + beta·output with beta = 0 into a pooled buffer it never clears, and
//     0·NaN is NaN: after a NaN has passed through the pool, finite products came out NaN (a notebook that lowers
//     the learning rate after a NaN stop would stop again for no reason). ganlib's GEMM ignores the output's old
//     values when beta is 0.
//   - Else no "packgemm": GoMLX's non-SIMD GEMM is no faster than its default product (4.30 s vs 4.17 s of CPU
//     for 21 MLP GAN steps at batch 64).
//
// GoMLX's GEMM signature names a type of its internal packages (the worker pool), hence the reflection.
func setupGEMM() (packed bool, note string) {
	regs := packgemm.DTypeToGEMM[packgemm.GetDTypePair[float32, float32]()]
	if len(regs) == 0 {
		return false, ""
	}
	fn := reflect.ValueOf(regs[0].GEMMFn)
	t := fn.Type()
	f32, f32s := reflect.TypeFor[float32](), reflect.TypeFor[[]float32]()
	if t.Kind() != reflect.Func || t.NumIn() != 12 || t.NumOut() != 1 || t.In(1) != f32 || t.In(8) != f32s ||
		t.In(11).Kind() != reflect.Pointer {
		return false, fmt.Sprintf("packed GEMM off: GoMLX's float32 GEMM %q has type %s, not GoMLX v0.27.0's", regs[0].Name, t)
	}
	rawGEMM = regs[0].GEMMFn
	switch {
	case gemm.Available():
		regs[0].GEMMFn = reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
			workers, run := poolRunner(args[11])
			err := gemm.Float32(float32(args[0].Float()), float32(args[1].Float()),
				args[2].Interface().([]float32), args[3].Interface().([]float32),
				int(args[4].Int()), int(args[5].Int()), int(args[6].Int()), int(args[7].Int()),
				args[8].Interface().([]float32), workers, run)
			if err != nil {
				return []reflect.Value{reflect.ValueOf(&err).Elem()}
			}
			return []reflect.Value{reflect.Zero(t.Out(0))}
		}).Interface()
		return true, "matrix products: ganlib's AVX-512 GEMM"
	case simdBuild:
		regs[0].GEMMFn = reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
			if args[1].Float() == 0 { // beta
				clear(args[8].Interface().([]float32)) // output
			}
			return fn.Call(args)
		}).Interface()
		return true, ""
	}
	return false, ""
}

// poolRunner returns the parallelism of GoMLX's worker pool (a *workerspool.Pool, possibly nil) and a gemm.Runner
// that runs tasks through its Saturate, so that the product's goroutines count against the pool as GoMLX's own do.
func poolRunner(pool reflect.Value) (int, gemm.Runner) {
	if !pool.IsValid() || pool.IsNil() {
		return 1, nil
	}
	adjusted, saturate := pool.MethodByName("AdjustedMaxParallelism"), pool.MethodByName("Saturate")
	if !adjusted.IsValid() || !saturate.IsValid() {
		return 1, nil
	}
	workers := int(adjusted.Call(nil)[0].Int())
	return workers, func(task func()) { saturate.Call([]reflect.Value{reflect.ValueOf(task)}) }
}
