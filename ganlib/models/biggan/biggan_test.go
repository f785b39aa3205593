package biggan_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/biggan"
	"github.com/ganlab/ganlab/ganlib/nn"
	"github.com/ganlab/ganlab/ganlib/nn/nntest"

	. "github.com/gomlx/gomlx/core/graph"
)

// newScope is a fresh store's root scope with a fixed initial seed.
func newScope() *model.Scope {
	s := model.NewStore().RootScope()
	s.SetParam(model.ParamInitialSeed, int64(42))
	return s
}

// orthonormal returns k orthonormal vectors of length n (Gram–Schmidt on Gaussian vectors), as columns of [n, k].
func orthonormal(rng *rand.Rand, n, k int) [][]float64 {
	cols := make([][]float64, k)
	for j := range cols {
		c := make([]float64, n)
		for i := range c {
			c[i] = rng.NormFloat64()
		}
		for _, p := range cols[:j] {
			d := 0.0
			for i := range c {
				d += c[i] * p[i]
			}
			for i := range c {
				c[i] -= d * p[i]
			}
		}
		norm := 0.0
		for _, x := range c {
			norm += x * x
		}
		for i := range c {
			c[i] /= math.Sqrt(norm)
		}
		cols[j] = c
	}
	return cols
}

// withSingularValues returns W = U·diag(s)·Vᵀ [rows, cols], row-major, for random orthonormal U, V: its singular
// values are s, by construction (its SVD).
func withSingularValues(rng *rand.Rand, rows, cols int, s []float64) []float64 {
	u, v := orthonormal(rng, rows, len(s)), orthonormal(rng, cols, len(s))
	w := make([]float64, rows*cols)
	for k, sk := range s {
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				w[i*cols+j] += sk * u[k][i] * v[k][j]
			}
		}
	}
	return w
}

// sigmaMax is the largest singular value of w [rows, cols] (row-major), by 5000 power iterations on WᵀW in float64.
func sigmaMax(w []float64, rows, cols int) float64 {
	x := make([]float64, cols)
	for i := range x {
		x[i] = 1 + 0.1*float64(i)
	}
	var s float64
	for it := 0; it < 5000; it++ {
		y := make([]float64, rows)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				y[i] += w[i*cols+j] * x[j]
			}
		}
		z := make([]float64, cols)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				z[j] += w[i*cols+j] * y[i]
			}
		}
		n := 0.0
		for _, v := range z {
			n += v * v
		}
		n = math.Sqrt(n)
		s = math.Sqrt(n) // ‖WᵀW x‖ → σ² for a unit x
		for j := range x {
			x[j] = z[j] / n
		}
	}
	return s
}

func flat64(t *tensors.Tensor) []float64 { return tensors.MustCopyFlatData[float64](t) }

// TestBigGANSpectralNormSigma: the power iteration, repeated over training calls, converges to the largest singular
// value of a matrix built from its SVD (and of a conv-shaped kernel reshaped to [rows, last axis], against a
// float64 power iteration); the normalised weight has σ ≈ 1; an inference call leaves u alone.
func TestBigGANSpectralNormSigma(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(1, 2))
		cases := []struct {
			name string
			dims []int
			w    []float64
			want float64
		}{
			{"svd 7×5", []int{7, 5}, withSingularValues(rng, 7, 5, []float64{3, 2, 1.5, 0.5, 0.1}), 3},
			{"conv 3×3×2×4", []int{3, 3, 2, 4}, nil, 0},
		}
		cases[1].w = make([]float64, 3*3*2*4)
		for i := range cases[1].w {
			cases[1].w[i] = rng.NormFloat64()
		}
		cases[1].want = sigmaMax(cases[1].w, 18, 4)
		for _, c := range cases {
			scope := newScope()
			wt := tensors.FromFlatDataAndDimensions(c.w, c.dims...)
			build := func(training bool) *model.Exec {
				return model.MustNewExec(b, scope.Store(), func(scope *model.Scope, g *Graph) []*Node {
					scope.Store().SetTraining(g, training)
					s := scope.At("layer")
					w := s.VariableWithValue("weights", wt).NodeValue(g)
					sigma := biggan.Sigma(s, w)
					return []*Node{sigma, Div(w, sigma)}
				})
			}
			train, infer := build(true), build(false)
			var sigma float64
			for range 100 {
				sigma = flat64(train.MustCall()[0])[0]
			}
			if math.Abs(sigma-c.want) > 1e-9*c.want {
				t.Errorf("%s: σ after 100 iterations %.12g, want %.12g", c.name, sigma, c.want)
			}
			uVar := scope.Store().GetVariable("/layer/sn_u")
			if uVar == nil || uVar.Trainable {
				t.Fatalf("%s: want a non-trainable /layer/sn_u, got %v", c.name, uVar)
			}
			u := flat64(uVar.MustValue())
			out := infer.MustCall()
			if !slices.Equal(u, flat64(uVar.MustValue())) {
				t.Errorf("%s: an inference call changed u", c.name)
			}
			rows := len(c.w) / c.dims[len(c.dims)-1]
			if s := sigmaMax(flat64(out[1]), rows, c.dims[len(c.dims)-1]); math.Abs(s-1) > 1e-9 {
				t.Errorf("%s: σ(W/σ(W)) = %.12g, want 1", c.name, s)
			}
			train.Finalize()
			infer.Finalize()
		}
	})
}

// projection is a fixed weight shaped like y, so that sum(y·projection(y)) is a scalar loss exercising every
// output element differently (as nn's tests).
func projection(y *Node) *Node {
	r := IotaFull(y.Graph(), shapes.Make(y.DType(), y.Shape().Dimensions...))
	return Sin(AddScalar(MulScalar(r, 1.37), 0.5))
}

// TestBigGANSpectralNormGradient: the gradient of a spectrally normalised Dense, Conv2D and Conv2DTranspose (in
// the input, the weights and the biases) agrees with central finite differences, once u has converged (then σ is
// stationary in u and v, and holding them constant, as the layer's gradient does, is exact).
func TestBigGANSpectralNormGradient(t *testing.T) {
	layers := []struct {
		name  string
		dims  []int
		layer func(s *model.Scope, x *Node) *Node
	}{
		{"dense", []int{3, 5}, func(s *model.Scope, x *Node) *Node { return biggan.SpectralNorm(s, nn.Dense(s, x, 4)) }},
		{"conv2d", []int{2, 5, 5, 3}, func(s *model.Scope, x *Node) *Node {
			return biggan.SpectralNorm(s, nn.Conv2D(s, x, 4, 3, 2, nn.Same))
		}},
		{"conv2d_transpose", []int{2, 3, 3, 4}, func(s *model.Scope, x *Node) *Node {
			return biggan.SpectralNorm(s, nn.Conv2DTranspose(s, x, 2, 4, 2, nn.Same))
		}},
	}
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		for _, l := range layers {
			t.Run(l.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, 4))
				n := 1
				for _, d := range l.dims {
					n *= d
				}
				xs := make([]float64, n)
				for i := range xs {
					xs[i] = rng.NormFloat64()
				}
				x := tensors.FromFlatDataAndDimensions(xs, l.dims...)
				scope := newScope()
				loss := func(scope *model.Scope, x *Node) *Node {
					y := l.layer(scope.At("layer"), x)
					return ReduceAllSum(Mul(y, projection(y)))
				}
				train := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, x *Node) *Node {
					scope.Store().SetTraining(x.Graph(), true)
					return loss(scope, x)
				})
				defer train.Finalize()
				for range 200 {
					train.MustCall(x)
				}
				// Non-zero biases, so that the b·(1 − 1/σ) part of the layer is checked too.
				bv := scope.Store().GetVariable("/layer/biases")
				bs := make([]float64, bv.Shape().Size())
				for i := range bs {
					bs[i] = rng.NormFloat64()
				}
				bv.MustSetValue(tensors.FromFlatDataAndDimensions(bs, bv.Shape().Dimensions...))
				trainable := 0
				for v := range scope.IterVariables() {
					if v.Trainable && v.Shape().DType == dtypes.Float64 {
						trainable++
					}
				}
				if trainable != 2 {
					t.Fatalf("want weights and biases, got %d trainable variables", trainable)
				}
				nntest.GradCheckIn(t, b, scope, loss, x)
			})
		}
	})
}

// TestBigGANHinge: the hinge losses on known logits.
func TestBigGANHinge(t *testing.T) {
	b := backendtest.Go(t)
	h := biggan.Hinge()
	real := []float64{2, 0.5, -1}
	fake := []float64{-2, 0, 1.5}
	out := MustExecOnceN(b, func(r, f *Node) []*Node { return []*Node{h.Discriminator(r, f), h.Generator(f)} }, real, fake)
	// D: mean(relu(1 − real)) = (0 + 0.5 + 2)/3, mean(relu(1 + fake)) = (0 + 1 + 2.5)/3; G: −mean(fake) = −(−0.5)/3.
	if d, g := flat64(out[0])[0], flat64(out[1])[0]; math.Abs(d-2) > 1e-12 || math.Abs(g-0.5/3) > 1e-12 {
		t.Errorf("hinge: D %g, G %g; want 2, %g", d, g, 0.5/3)
	}
	if h.Name != "hinge" || !h.Critic {
		t.Errorf("hinge loss: name %q, critic %v", h.Name, h.Critic)
	}
}

// TestBigGANOrthoPenalty: ‖WᵀW ⊙ (1 − I)‖²_F on known matrices: 2·14² for [[1, 2], [3, 4]]; 0 for orthogonal
// columns of different norms; a conv-shaped kernel as its [rows, last axis] matrix.
func TestBigGANOrthoPenalty(t *testing.T) {
	b := backendtest.Go(t)
	value := func(w any) float64 { return flat64(MustExecOnce(b, biggan.OrthoPenalty, w))[0] }
	if v := value([][]float64{{1, 2}, {3, 4}}); math.Abs(v-392) > 1e-9 {
		t.Errorf("[[1,2],[3,4]]: %g, want 392", v)
	}
	c, s := math.Cos(0.3), math.Sin(0.3)
	if v := value([][]float64{{2 * c, -0.5 * s}, {2 * s, 0.5 * c}, {0, 0}}); math.Abs(v) > 1e-12 {
		t.Errorf("orthogonal columns: %g, want 0", v)
	}
	// [1, 2, 1, 2]: rows (1, 0) and (1, 1) as [2, 2] → WᵀW = [[2, 1], [1, 1]] → 2.
	if v := value(tensors.FromFlatDataAndDimensions([]float64{1, 0, 1, 1}, 1, 2, 1, 2)); math.Abs(v-2) > 1e-12 {
		t.Errorf("conv-shaped: %g, want 2", v)
	}
}

// TestBigGANProjection: D's head gives ψ(φ) + ⟨y·V, φ⟩ with ψ(φ) = φ·W/‖W‖ + b and V/σ(V), computed here in
// float64 from the layer's variables (after u has converged).
func TestBigGANProjection(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		phi := [][]float64{{0.5, -1, 2}, {1.5, 0.25, -0.75}}
		y := [][]float64{{0, 1}, {1, 0}}
		scope := newScope()
		build := func(training bool) *model.Exec {
			return model.MustNewExec(b, scope.Store(), func(scope *model.Scope, phi, y *Node) *Node {
				scope.Store().SetTraining(phi.Graph(), training)
				return biggan.Project(scope.At("head"), phi, y)
			})
		}
		train := build(true)
		defer train.Finalize()
		for range 100 {
			train.MustCall(phi, y)
		}
		store := scope.Store()
		store.GetVariable("/head/004_dense/biases").MustSetValue(tensors.FromValue([]float64{0.7}))
		infer := build(false)
		defer infer.Finalize()
		got := flat64(infer.MustCall(phi, y)[0])
		w := flat64(store.GetVariable("/head/004_dense/weights").MustValue())
		v := flat64(store.GetVariable("/head/005_embedding/embedding").MustValue())
		nw := math.Sqrt(w[0]*w[0] + w[1]*w[1] + w[2]*w[2])
		sv := sigmaMax(v, 2, 3)
		for i := range phi {
			class := 0
			if y[i][1] == 1 {
				class = 1
			}
			want := 0.7
			for j := range 3 {
				want += phi[i][j]*w[j]/nw + v[class*3+j]/sv*phi[i][j]
			}
			if math.Abs(got[i]-want) > 1e-9 {
				t.Errorf("logit %d: %.12g, want %.12g", i, got[i], want)
			}
		}
	})
}

// TestBigGANTruncatedNormal: every value within ±ψ, and the standard deviation of N(0, 1) truncated to [−1, 1],
// √(1 − 2φ(1)/(Φ(1) − Φ(−1))) ≈ 0.5396 (values outside were drawn again, not clipped: clipping would pile them at
// ±1 and give ≈ 0.63).
func TestBigGANTruncatedNormal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, psi := range []float64{0.25, 1, 2} {
		z := biggan.TruncatedNormal(rng, 100000, psi)
		var sum2 float64
		atEdge := 0
		for _, x := range z {
			if math.Abs(float64(x)) > psi {
				t.Fatalf("ψ %g: value %g outside", psi, x)
			}
			if math.Abs(float64(x)) == float64(float32(psi)) {
				atEdge++
			}
			sum2 += float64(x) * float64(x)
		}
		if atEdge > 5 {
			t.Errorf("ψ %g: %d values exactly at ±ψ (clipped?)", psi, atEdge)
		}
		if psi == 1 {
			pdf := math.Exp(-0.5) / math.Sqrt(2*math.Pi)
			want := math.Sqrt(1 - 2*pdf/math.Erf(1/math.Sqrt2))
			if sd := math.Sqrt(sum2 / float64(len(z))); math.Abs(sd-want) > 0.005 {
				t.Errorf("ψ 1: standard deviation %.4f, want %.4f", sd, want)
			}
		}
	}
}

// TestBigGANTrainSmoke: two steps on 8×8 labelled random data, on XLA and pure Go: finite losses, the ortho term
// recorded, D's u vectors updated by training; the checkpoint loads into a fresh trainer with equal samples (fixed
// grid and truncated).
func TestBigGANTrainSmoke(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		v := biggan.New(8, 1)
		tr, err := gan.New(b, v, gan.Config{Seed: 3, Settings: gan.Settings{gan.SettingBatchSize: 4}})
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(7, 8))
		const n = 16
		pix := make([]float32, n*8*8)
		for i := range pix {
			pix[i] = rng.Float32()
		}
		labels := make([]int, n)
		for i := range labels {
			labels[i] = i % 10
		}
		if err := tr.SetData(pix, n, 8, 8, 1, 0, 1); err != nil {
			t.Fatal(err)
		}
		if err := tr.SetLabels(labels); err != nil {
			t.Fatal(err)
		}
		if err := tr.Train(1); err != nil {
			t.Fatal(err)
		}
		uPath := "/" + gan.DiscriminatorScope + "/000_conv2d/sn_u"
		u1 := tensors.MustCopyFlatData[float32](tr.Scope.Store().GetVariable(uPath).MustValue())
		if err := tr.Train(2); err != nil {
			t.Fatal(err)
		}
		u2 := tensors.MustCopyFlatData[float32](tr.Scope.Store().GetVariable(uPath).MustValue())
		if slices.Equal(u1, u2) {
			t.Errorf("%s unchanged by a training step", uPath)
		}
		// Every weight and embedding of both players is spectrally normalised (has its u), but G's shared
		// embedding and BatchNorm's γ, β.
		store := tr.Scope.Store()
		normalised := 0
		for v := range tr.Scope.IterVariables() {
			if !v.Trainable || (v.Name() != "weights" && v.Name() != "embedding") || v.Scope() == "/"+gan.GeneratorScope+"/000_shared_embedding" {
				continue
			}
			if !strings.HasPrefix(v.Scope(), "/"+gan.GeneratorScope+"/") && !strings.HasPrefix(v.Scope(), "/"+gan.DiscriminatorScope+"/") {
				continue
			}
			if u := store.GetVariable(v.Scope() + "/sn_u"); u == nil || u.Trainable {
				t.Errorf("%s has no non-trainable sn_u", v.Path())
			}
			normalised++
		}
		// G: dense, 3 transposed convs, 3 CBNs × (gain, bias); D: 3 convs, ψ, the projection's embedding.
		if normalised != 4+6+5 {
			t.Errorf("%d spectrally normalised weights, want 15", normalised)
		}
		if store.GetVariable("/"+gan.GeneratorScope+"/000_shared_embedding/sn_u") != nil {
			t.Errorf("G's shared embedding should not be spectrally normalised")
		}
		if len(tr.History) != 2 {
			t.Fatalf("history has %d records, want 2", len(tr.History))
		}
		for _, r := range tr.History {
			ortho, ok := r.Terms["ortho"]
			if bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }; bad(r.DLoss) || bad(r.GLoss) || !ok || bad(ortho) || ortho <= 0 {
				t.Errorf("step %d: D loss %g, G loss %g, ortho %g (%v)", r.Step, r.DLoss, r.GLoss, ortho, ok)
			}
		}
		dir := t.TempDir()
		if _, err := tr.Save(dir, 2, nil); err != nil {
			t.Fatal(err)
		}
		fresh, err := gan.New(b, v, gan.Config{Seed: 99})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fresh.Load(dir); err != nil {
			t.Fatal(err)
		}
		a, err1 := tr.Samples()
		c, err2 := fresh.Samples()
		if err1 != nil || err2 != nil || !slices.Equal(a, c) {
			t.Errorf("samples differ after Load (%v, %v)", err1, err2)
		}
		a, err1 = biggan.Truncated(tr, []int{0, 3, 9}, 0.5, 11)
		c, err2 = biggan.Truncated(fresh, []int{0, 3, 9}, 0.5, 11)
		if err1 != nil || err2 != nil || len(a) != 3*8*8 || !slices.Equal(a, c) {
			t.Errorf("truncated samples differ after Load or have the wrong size (%d values; %v, %v)", len(a), err1, err2)
		}
		if _, err := biggan.Truncated(tr, []int{0}, 0, 1); err == nil {
			t.Errorf("Truncated with ψ 0: no error")
		}
	})
}

// TestBigGANCondBatchNorm: class-conditional BatchNorm in inference is BatchNorm(h) · (1 + e·G/σ(G) + g) +
// e·B/σ(B) + b per example and channel, computed here in float64 from the layer's variables (after u has
// converged); two examples with equal h and different embeddings get different outputs.
func TestBigGANCondBatchNorm(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		const c, d = 3, 4
		h := tensors.FromFlatDataAndDimensions([]float64{0.5, -1, 2, 1.5, 0.25, -0.75, 0.5, -1, 2, 1.5, 0.25, -0.75}, 2, 2, 1, c)
		e := [][]float64{{1, 0, -0.5, 2}, {0, 1, 0.5, -1}}
		scope := newScope()
		build := func(training bool) *model.Exec {
			return model.MustNewExec(b, scope.Store(), func(scope *model.Scope, h, e *Node) *Node {
				scope.Store().SetTraining(h.Graph(), training)
				return biggan.CondBatchNorm(scope.At("cbn"), h, e)
			})
		}
		train := build(true)
		defer train.Finalize()
		for range 100 {
			train.MustCall(h, e)
		}
		store := scope.Store()
		rng := rand.New(rand.NewPCG(9, 10))
		for _, name := range []string{"gain", "bias"} {
			bs := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			store.GetVariable("/cbn/" + name + "/biases").MustSetValue(tensors.FromValue(bs))
		}
		infer := build(false)
		defer infer.Finalize()
		got := flat64(infer.MustCall(h, e)[0])
		get := func(path string) []float64 { return flat64(store.GetVariable(path).MustValue()) }
		mean, variance := get("/cbn/batch_norm/moving_mean"), get("/cbn/batch_norm/moving_variance")
		gamma, beta := get("/cbn/batch_norm/gamma"), get("/cbn/batch_norm/beta")
		linear := func(name string, i, ch int) float64 {
			w := get("/cbn/" + name + "/weights")
			y := get("/cbn/" + name + "/biases")[ch]
			s := sigmaMax(w, d, c)
			for k := range d {
				y += e[i][k] * w[k*c+ch] / s
			}
			return y
		}
		hs := flat64(h)
		for i := range 2 {
			for p := range 2 {
				for ch := range c {
					at := (i*2+p)*c + ch
					bn := (hs[at]-mean[ch])/math.Sqrt(variance[ch]+nn.BatchNormEpsilon)*gamma[ch] + beta[ch]
					want := bn*(1+linear("gain", i, ch)) + linear("bias", i, ch)
					if math.Abs(got[at]-want) > 1e-9 {
						t.Errorf("example %d pixel %d channel %d: %.12g, want %.12g", i, p, ch, got[at], want)
					}
				}
			}
		}
		if slices.Equal(got[:2*c], got[2*c:]) {
			t.Errorf("equal h with different embeddings gave equal outputs")
		}
	})
}

// TestBigGANOrthoTerm: G's term is β·Σ OrthoPenalty over G's "weights" (not its shared embedding, not rank-1
// variables, not D's), β the ortho_beta setting.
func TestBigGANOrthoTerm(t *testing.T) {
	b := backendtest.Go(t)
	for _, beta := range []float64{biggan.OrthoBeta, 0.5} {
		scope := newScope()
		if beta != biggan.OrthoBeta {
			scope.SetParam(biggan.ParamOrthoBeta, beta)
		}
		exec := model.MustNewExec(b, scope.Store(), func(scope *model.Scope, x *Node) []*Node {
			g := scope.At(gan.GeneratorScope)
			g.At("a").VariableWithValue("weights", [][]float64{{1, 2}, {3, 4}}).NodeValue(x.Graph())
			g.At("b").VariableWithValue("weights", tensors.FromFlatDataAndDimensions([]float64{1, 0, 1, 1}, 1, 2, 1, 2)).NodeValue(x.Graph())
			g.At("000_shared_embedding").VariableWithValue("embedding", [][]float64{{1, 1}, {1, 1}}).NodeValue(x.Graph())
			g.At("bn").VariableWithValue("weights", []float64{3, 4}).NodeValue(x.Graph())
			scope.At(gan.DiscriminatorScope).At("c").VariableWithValue("weights", [][]float64{{1, 1}, {1, 1}}).NodeValue(x.Graph())
			add, rec := biggan.Ortho.Loss(&gan.Pass{Scope: scope, Fake: x})
			return []*Node{add, rec}
		})
		out := exec.MustCall([]float64{0})
		if add, rec := flat64(out[0])[0], flat64(out[1])[0]; math.Abs(add-beta*394) > 1e-9*beta*394 || add != rec {
			t.Errorf("β %g: term adds %g and records %g, want %g", beta, add, rec, beta*394)
		}
		exec.Finalize()
	}
}
