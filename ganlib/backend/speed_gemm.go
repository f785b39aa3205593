package backend

import (
	"fmt"
	"reflect"
	"sync"
	_ "unsafe" // go:linkname

	"github.com/gomlx/compute/dtypes"
	_ "github.com/gomlx/compute/gobackend" // registers compute's DotGeneral kernels before setupGEMM runs

	"github.com/ganlab/ganlab/ganlib/internal/gemm"
)

// The pure-Go backend's float32 matrix product.
//
// compute's pure-Go backend sends a DotGeneral in matrix-product layout (lhs [B, N, K], rhs [B, K, M]) to the
// function registered for that layout and dtype in its package compute/internal/gobackend/dot. On CPUs with
// AVX-512, setupGEMM registers ganlib's GEMM (ganlib/internal/gemm: 14×32 assembly micro-kernels) there in place of
// compute's own, which is slower on ganlib's models (docs/benchmarks.md, "GoMLX v0.28"). Elsewhere compute's
// kernels stay (AVX2 or AVX-512 in GOEXPERIMENT=simd builds, plain Go otherwise).
//
// The registry is an unexported map of an internal package, hence the go:linkname below; its key and entry types
// are mirrored here (dotKey, dotRegistration) and the entry's function type is checked at start-up: if it no
// longer matches compute v0.1.2's, setupGEMM leaves compute's kernel in place and says so in gemmNote, and
// TestGEMMIsGanlibs fails. The registration is global to the process: it also serves pure-Go backends that
// GoMLX creates afterwards by itself.

// dotKey and dotRegistration mirror dot.ImplementationKey and dot.ImplementationRegistration of compute v0.1.2.
type dotKey struct {
	Layout                  int // dot.Layout; 0 is LayoutNonTransposed
	InputDType, OutputDType dtypes.DType
}

type dotRegistration struct {
	name     string
	implFn   any // dot.DotGeneralExecFn[I, O]
	priority int // gobackend.RegisterPriority
}

//go:linkname dotRegistry github.com/gomlx/compute/internal/gobackend/dot.registeredImplementations
var dotRegistry map[dotKey]*dotRegistration

// useGEMM registers ganlib's GEMM (setupGEMM) once, when ganlib first creates a pure-Go backend with the speed
// switch on (NewGo, and GOMLX_BACKEND=go… through New), never when the package is merely imported nor with the
// switch off; it returns the note for Info.
var useGEMM = sync.OnceValue(setupGEMM)

const ganlibGEMMName = "ganlib/internal/gemm (AVX-512)"

// setupGEMM registers ganlib's GEMM for float32 products in matrix-product layout when the CPU has AVX-512 (see
// above) and returns a note for Info, which says which float32 product the pure-Go backend uses, or why ganlib's
// is not used. Call it through useGEMM.
func setupGEMM() string {
	if !gemm.Available() {
		return ""
	}
	reg := dotRegistry[dotKey{0, dtypes.Float32, dtypes.Float32}]
	if reg == nil || reg.implFn == nil {
		return "ganlib's GEMM off: compute registers no float32 matrix product where compute v0.1.2 did"
	}
	// dot.DotGeneralExecFn[float32, float32]: func(*gobackend.Backend, dot.Layout, lhs, rhs []float32, batchSize,
	// lhsCrossSize, rhsCrossSize, contractingSize int, output []float32).
	t := reflect.TypeOf(reg.implFn)
	f32s, intT := reflect.TypeFor[[]float32](), reflect.TypeFor[int]()
	if t.Kind() != reflect.Func || t.NumIn() != 9 || t.NumOut() != 0 || t.In(0).Kind() != reflect.Pointer ||
		t.In(1).Kind() != reflect.Int || t.In(2) != f32s || t.In(3) != f32s || t.In(4) != intT || t.In(7) != intT ||
		t.In(8) != f32s {
		return fmt.Sprintf("ganlib's GEMM off: compute's float32 product %q has type %s, not compute v0.1.2's", reg.name, t)
	}
	reg.implFn = reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
		workers, run := poolRunner(args[0])
		err := gemm.Float32(1, 0, args[2].Interface().([]float32), args[3].Interface().([]float32),
			int(args[4].Int()), int(args[5].Int()), int(args[6].Int()), int(args[7].Int()),
			args[8].Interface().([]float32), workers, run)
		if err != nil {
			panic(err) // compute's own kernels panic on errors too; the shapes were checked when the graph was built
		}
		return nil
	}).Interface()
	reg.name = ganlibGEMMName
	return "matrix products: ganlib's AVX-512 GEMM"
}

// poolRunner returns the parallelism of the pure-Go backend's worker pool (field Workers of a *gobackend.Backend,
// a *workerspool.Pool) and a gemm.Runner that runs tasks through its Saturate, so that the product's goroutines
// count against the pool as compute's own do. Without a pool it runs on one goroutine.
func poolRunner(backend reflect.Value) (int, gemm.Runner) {
	if backend.Kind() != reflect.Pointer || backend.IsNil() || backend.Elem().Kind() != reflect.Struct {
		return 1, nil
	}
	pool := backend.Elem().FieldByName("Workers")
	if !pool.IsValid() || pool.Kind() != reflect.Pointer || pool.IsNil() {
		return 1, nil
	}
	adjusted, saturate := pool.MethodByName("AdjustedMaxParallelism"), pool.MethodByName("Saturate")
	if !adjusted.IsValid() || !saturate.IsValid() {
		return 1, nil
	}
	workers := int(adjusted.Call(nil)[0].Int())
	return workers, func(task func()) { saturate.Call([]reflect.Value{reflect.ValueOf(task)}) }
}
