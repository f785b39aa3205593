package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// goKernels are the micro-kernels in plain Go: the reference the assembly kernels are tested against, and the
// kernels of the driver's own tests on any CPU.
var goKernels = kernels{
	packed: func(rows, k int, a, b []float32, c []float32, ldc int, acc bool, mask uint32) {
		goKernel(rows, k, a, 1, mr, b, nr, c, ldc, acc, mask)
	},
	direct: func(rows, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool, mask uint32) {
		goKernel(rows, k, a, lda, 1, b, ldb, c, ldc, acc, mask)
	},
}

// goKernel: C[r, j] (+)= Σ_p a[r·ra + p·pa]·b[p·ldb + j] for r < rows and the mask's lanes j.
func goKernel(rows, k int, a []float32, ra, pa int, b []float32, ldb int, c []float32, ldc int, acc bool, mask uint32) {
	for r := range rows {
		for j := range nr {
			if mask&(1<<j) == 0 {
				continue
			}
			var s float32
			for p := range k {
				s += a[r*ra+p*pa] * b[p*ldb+j]
			}
			if acc {
				s += c[r*ldc+j]
			}
			c[r*ldc+j] = s
		}
	}
}

// reference returns alpha·lhs·rhs + beta·output in float64 and, per value, Σ|alpha·a·b| + |beta·c| (the scale of
// float32's rounding error).
func reference(alpha, beta float32, lhs, rhs []float32, batch, m, n, k int, output []float32) (want, scale []float64) {
	want = make([]float64, batch*m*n)
	scale = make([]float64, batch*m*n)
	for bi := range batch {
		for i := range m {
			for j := range n {
				var s, sa float64
				for p := range k {
					v := float64(alpha) * float64(lhs[(bi*m+i)*k+p]) * float64(rhs[(bi*k+p)*n+j])
					s += v
					sa += math.Abs(v)
				}
				o := (bi*m+i)*n + j
				if beta != 0 {
					s += float64(beta) * float64(output[o])
					sa += math.Abs(float64(beta) * float64(output[o]))
				}
				want[o], scale[o] = s, sa
			}
		}
	}
	return want, scale
}

func randSlice(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// goroutines is a Runner that starts workers goroutines, as GoMLX's pool.Saturate does.
func goroutines(workers int) Runner {
	return func(task func()) {
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() { defer wg.Done(); task() }()
		}
		wg.Wait()
	}
}

type testCase struct {
	batch, m, n, k int
	alpha, beta    float32
	workers        int
}

// testCases covers every micro-kernel height (m mod 14), partial column strips (n mod 32), several K blocks
// (k > 256), several N blocks (n > 1024), a block of A rows past mc, and each way split cuts the work.
func testCases() []testCase {
	var cs []testCase
	for _, s := range [][4]int{
		{1, 1, 1, 1}, {1, 14, 32, 7}, {1, 13, 31, 5}, {1, 15, 33, 300}, {2, 7, 896, 14}, {3, 35, 64, 14},
		{1, 3136 / 8, 320, 128}, {1, 128, 40, 600}, {1, 1, 4096, 19}, {1, 64, 1, 513}, {1, 120, 1100, 3},
		{5, 29, 70, 0}, {1, 200, 3, 9}, {17, 6, 40, 11},
	} {
		for _, ab := range [][2]float32{{1, 0}, {1, 1}, {2, 0.5}} {
			for _, w := range []int{1, 2, 3} {
				cs = append(cs, testCase{s[0], s[1], s[2], s[3], ab[0], ab[1], w})
			}
		}
	}
	return cs
}

func checkProduct(t *testing.T, kern kernels) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range testCases() {
		t.Run(fmt.Sprintf("b%d_m%d_n%d_k%d_a%g_b%g_w%d", c.batch, c.m, c.n, c.k, c.alpha, c.beta, c.workers), func(t *testing.T) {
			lhs := randSlice(rng, c.batch*c.m*c.k)
			rhs := randSlice(rng, c.batch*c.k*c.n)
			// 40 guard values past the output: nothing may write there.
			out := randSlice(rng, c.batch*c.m*c.n+40)
			guard := append([]float32(nil), out[c.batch*c.m*c.n:]...)
			if c.beta == 0 {
				for i := range c.batch * c.m * c.n {
					out[i] = float32(math.NaN()) // ignored with beta = 0
				}
			}
			want, scale := reference(c.alpha, c.beta, lhs, rhs, c.batch, c.m, c.n, c.k, out)
			if err := product(kern, c.alpha, c.beta, lhs, rhs, c.batch, c.m, c.n, c.k, out, c.workers, goroutines(c.workers)); err != nil {
				t.Fatal(err)
			}
			bad := 0
			for i, w := range want {
				if d := math.Abs(float64(out[i]) - w); !(d <= 1e-5*scale[i]+1e-6) {
					if bad++; bad <= 3 {
						t.Errorf("value %d: got %g, want %g", i, out[i], w)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d values wrong", bad, len(want))
			}
			for i, g := range guard {
				if v := out[len(want)+i]; v != g && !(math.IsNaN(float64(v)) && math.IsNaN(float64(g))) {
					t.Fatalf("guard value %d past the output changed: %g → %g", i, g, v)
				}
			}
		})
	}
}

// forEachMode runs f with the packed and direct micro-kernels forced, then with the automatic choice.
func forEachMode(t *testing.T, f func(t *testing.T)) {
	defer func() { directMode = "" }()
	for _, mode := range []string{"packed", "direct", ""} {
		directMode = mode
		t.Run("mode="+mode, f)
	}
}

// TestProductGoKernel checks the blocking, packing and splitting with the plain-Go micro-kernels (any CPU).
func TestProductGoKernel(t *testing.T) {
	forEachMode(t, func(t *testing.T) { checkProduct(t, goKernels) })
}

// TestFloat32 checks the assembly kernels through the whole product.
func TestFloat32(t *testing.T) {
	if !Available() {
		t.Skip("this CPU has no AVX-512: the assembly kernels are not used here")
	}
	forEachMode(t, func(t *testing.T) { checkProduct(t, asmKernels) })
}

// TestKernels checks each assembly kernel alone against the Go ones: every height, partial masks, store and add,
// and that nothing outside the rows and the mask's columns is written.
func TestKernels(t *testing.T) {
	if !Available() {
		t.Skip("this CPU has no AVX-512")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const k, ldc, lda, ldb = 37, 45, 41, 35
	a, b := randSlice(rng, k*mr), randSlice(rng, k*nr)
	// The direct kernels' B is [k, ldb]: lanes past ldb would read the next row, so masks stay within ldb.
	ad, bd := randSlice(rng, mr*lda), randSlice(rng, k*ldb)
	for rows := 1; rows <= mr; rows++ {
		for _, mask := range []uint32{1<<32 - 1, 1<<16 - 1, 1<<5 - 1, 1<<21 - 1, 1} {
			for _, acc := range []bool{false, true} {
				init := randSlice(rng, (mr+1)*ldc)
				check := func(kind string, got, want []float32) {
					for i := range got {
						if d := math.Abs(float64(got[i] - want[i])); d > 1e-4 {
							t.Fatalf("%s rows %d mask %#x acc %v: value %d (row %d col %d) = %g, want %g",
								kind, rows, mask, acc, i, i/ldc, i%ldc, got[i], want[i])
						}
					}
				}
				got, want := append([]float32(nil), init...), append([]float32(nil), init...)
				asmKernels.packed(rows, k, a, b, got, ldc, acc, mask)
				goKernels.packed(rows, k, a, b, want, ldc, acc, mask)
				check("packed", got, want)
				got, want = append([]float32(nil), init...), append([]float32(nil), init...)
				asmKernels.direct(rows, k, ad, lda, bd, ldb, got, ldc, acc, mask)
				goKernels.direct(rows, k, ad, lda, bd, ldb, want, ldc, acc, mask)
				check("direct", got, want)
			}
		}
	}
}

func TestBadSizes(t *testing.T) {
	if err := product(goKernels, 1, 0, make([]float32, 5), make([]float32, 6), 1, 2, 3, 3, make([]float32, 6), 1, nil); err == nil {
		t.Error("lhs of 5 floats for [1,2,3] accepted")
	}
	if err := product(goKernels, 1, 0, nil, nil, 1, -1, 3, 3, nil, 1, nil); err == nil {
		t.Error("m = -1 accepted")
	}
}

// BenchmarkFloat32 times square products and dcgan28's shapes on 2 goroutines, with packed panels, without, and
// as Float32 chooses.
func BenchmarkFloat32(b *testing.B) {
	if !Available() {
		b.Skip("no AVX-512")
	}
	defer func() { directMode = "" }()
	for _, s := range [][4]int{{1, 2048, 2048, 2048}, {1, 3136, 320, 128}, {1, 128, 320, 3136}, {1, 3136, 128, 320},
		{448, 35, 64, 14}, {448, 14, 64, 35}, {64, 7, 896, 14}, {64, 14, 896, 7}, {1, 1, 4096, 196}, {1, 12544, 64, 25},
		{1, 12544, 25, 64}, {1, 25, 64, 12544}, {1, 64, 6272, 100}} {
		for _, mode := range []string{"packed", "direct", ""} {
			b.Run(fmt.Sprintf("b%d_m%d_n%d_k%d/%s", s[0], s[1], s[2], s[3], mode), func(b *testing.B) {
				directMode = mode
				rng := rand.New(rand.NewPCG(1, 2))
				lhs, rhs := randSlice(rng, s[0]*s[1]*s[3]), randSlice(rng, s[0]*s[3]*s[2])
				out := make([]float32, s[0]*s[1]*s[2])
				for b.Loop() {
					if err := Float32(1, 0, lhs, rhs, s[0], s[1], s[2], s[3], out, 2, goroutines(2)); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(2*float64(s[0]*s[1]*s[2]*s[3])*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// FuzzFloat32 checks random shapes, splits and kinds of kernel against the float64 reference (go test -fuzz
// FuzzFloat32 ./ganlib/internal/gemm; the seeds run with every go test).
func FuzzFloat32(f *testing.F) {
	if !Available() {
		f.Skip("no AVX-512")
	}
	f.Add(uint8(1), uint16(14), uint16(32), uint16(7), uint8(2), uint8(0), uint8(0))
	f.Add(uint8(3), uint16(29), uint16(70), uint16(300), uint8(3), uint8(1), uint8(2))
	f.Add(uint8(1), uint16(300), uint16(257), uint16(260), uint8(2), uint8(0), uint8(1))
	f.Fuzz(func(t *testing.T, batch uint8, m, n, k uint16, workers, mode, abIndex uint8) {
		ab := [][2]float32{{1, 0}, {1, 1}, {-1.5, 0.25}}[abIndex%3]
		c := testCase{int(batch%5) + 1, int(m%320) + 1, int(n%320) + 1, int(k % 600), ab[0], ab[1], int(workers%4) + 1}
		defer func() { directMode = "" }()
		directMode = []string{"", "direct", "packed"}[mode%3]
		rng := rand.New(rand.NewPCG(uint64(m), uint64(n)))
		lhs := randSlice(rng, c.batch*c.m*c.k)
		rhs := randSlice(rng, c.batch*c.k*c.n)
		out := randSlice(rng, c.batch*c.m*c.n)
		want, scale := reference(c.alpha, c.beta, lhs, rhs, c.batch, c.m, c.n, c.k, out)
		if err := Float32(c.alpha, c.beta, lhs, rhs, c.batch, c.m, c.n, c.k, out, c.workers, goroutines(c.workers)); err != nil {
			t.Fatal(err)
		}
		for i, w := range want {
			if d := math.Abs(float64(out[i]) - w); !(d <= 1e-5*scale[i]+1e-6) {
				t.Fatalf("%+v mode %q: value %d = %g, want %g", c, directMode, i, out[i], w)
			}
		}
	})
}
