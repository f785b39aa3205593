package backend

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganlab/ganlab/ganlib/internal/gemm"
)

// TestGEMMIsGanlibs: on a CPU with AVX-512 the pure-Go backend's float32 products in matrix-product layout go to
// ganlib's GEMM (setupGEMM found compute's registry as compute v0.1.2 has it: a new compute version that moves it
// fails here), and a product through the backend equals one computed in float64.
func TestGEMMIsGanlibs(t *testing.T) {
	t.Logf("%s", gemmNote)
	calls := 0
	if gemm.Available() {
		reg := dotRegistry[dotKey{0, dtypes.Float32, dtypes.Float32}]
		if reg == nil || reg.name != ganlibGEMMName {
			t.Fatalf("compute's float32 product is not ganlib's GEMM: %s", gemmNote)
		}
		// Count the calls that reach it.
		fn := reflect.ValueOf(reg.implFn)
		reg.implFn = reflect.MakeFunc(fn.Type(), func(args []reflect.Value) []reflect.Value {
			calls++
			return fn.Call(args)
		}).Interface()
		defer func() { reg.implFn = fn.Interface() }()
	}
	b, err := NewGo()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	const m, n, k = 67, 45, 129 // not multiples of the micro-kernel's 14×32
	rng := rand.New(rand.NewPCG(1, 2))
	lhs, rhs := make([]float32, m*k), make([]float32, k*n)
	for i := range lhs {
		lhs[i] = float32(rng.NormFloat64())
	}
	for i := range rhs {
		rhs[i] = float32(rng.NormFloat64())
	}
	got := graph.MustExecOnce(b, func(x, y *graph.Node) *graph.Node {
		return graph.DotGeneral(x, []int{1}, nil, y, []int{0}, nil)
	}, tensors.FromFlatDataAndDimensions(lhs, m, k), tensors.FromFlatDataAndDimensions(rhs, k, n))
	out := tensors.MustCopyFlatData[float32](got)
	if gemm.Available() && calls != 1 {
		t.Errorf("ganlib's GEMM was called %d times for one product, want 1", calls)
	}
	for i := range m {
		for j := range n {
			want := 0.0
			for l := range k {
				want += float64(lhs[i*k+l]) * float64(rhs[l*n+j])
			}
			if d := math.Abs(float64(out[i*n+j]) - want); d > 1e-4*(1+math.Abs(want)) {
				t.Fatalf("product[%d, %d] = %g, want %g", i, j, out[i*n+j], want)
			}
		}
	}
}
