package backend

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganlab/ganlab/ganlib/internal/gemm"
	"github.com/ganlab/ganlab/ganlib/internal/tune"
)

// TestGEMMIsGanlibs: once NewGo has created a pure-Go backend with the speed switch on, on a CPU with AVX-512 its
// float32 products in
// matrix-product layout go to ganlib's GEMM (setupGEMM found compute's registry as compute v0.1.2 has it: a new
// compute version that moves it fails here), and a product through the backend equals one computed in float64.
func TestGEMMIsGanlibs(t *testing.T) {
	defer tune.Set(true)()
	b, err := NewGo()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	t.Logf("%s", useGEMM())
	calls := 0
	if gemm.Available() {
		reg := dotRegistry[dotKey{0, dtypes.Float32, dtypes.Float32}]
		if reg == nil || reg.name != ganlibGEMMName {
			t.Fatalf("compute's float32 product is not ganlib's GEMM: %s", useGEMM())
		}
		// Count the calls that reach it.
		fn := reflect.ValueOf(reg.implFn)
		reg.implFn = reflect.MakeFunc(fn.Type(), func(args []reflect.Value) []reflect.Value {
			calls++
			return fn.Call(args)
		}).Interface()
		defer func() { reg.implFn = fn.Interface() }()
	}
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

// TestProductIgnoresStaleOutput: a NaN left in the pure-Go backend's buffer pool must not reach a later matrix
// product's result (GoMLX v0.27.0's packed GEMM computed alpha·a·b + 0·output into an uncleared pooled buffer, and
// 0·NaN is NaN). A graph returns an all-NaN [m, n] tensor, which goes back to the pool when freed; then a product
// of two all-ones matrices with an [m, n] result must be k everywhere, whichever kernel runs it.
func TestProductIgnoresStaleOutput(t *testing.T) {
	b, err := NewGo()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	const m, n, k = 256, 192, 64
	nanExec := graph.MustNewExec(b, func(g *graph.Graph) *graph.Node {
		zero := graph.Zeros(g, shapes.Make(dtypes.Float32, m, n))
		return graph.Div(zero, zero)
	})
	defer nanExec.Finalize()
	prodExec := graph.MustNewExec(b, func(g *graph.Graph) *graph.Node {
		ones := func(r, c int) *graph.Node { return graph.Ones(g, shapes.Make(dtypes.Float32, r, c)) }
		return graph.DotGeneral(ones(m, k), []int{1}, nil, ones(k, n), []int{0}, nil)
	})
	defer prodExec.Finalize()
	for round := range 5 {
		poison := nanExec.MustCall()[0]
		if v := poison.Value().([][]float32)[0][0]; !math.IsNaN(float64(v)) {
			t.Fatalf("the poison graph returned %g, not NaN", v)
		}
		poison.FinalizeAll() // its buffer goes back to the pool
		out := prodExec.MustCall()[0]
		bad := 0
		for _, row := range out.Value().([][]float32) {
			for _, v := range row {
				if v != k {
					bad++
				}
			}
		}
		out.FinalizeAll()
		if bad > 0 {
			t.Fatalf("round %d: %d of %d values of ones·ones are not %d (stale NaN from the buffer pool)", round, bad, m*n, k)
		}
	}
}
