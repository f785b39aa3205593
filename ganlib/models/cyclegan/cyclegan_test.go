package cyclegan_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/cyclegan"
	"github.com/ganlab/ganlab/ganlib/nn/nntest"

	. "github.com/gomlx/gomlx/core/graph"
)

func flat64(t *tensors.Tensor) []float64 { return tensors.MustCopyFlatData[float64](t) }

// TestLSGAN: the least-squares losses on known scores, computed by hand.
func TestLSGAN(t *testing.T) {
	b := backendtest.Go(t)
	real := []float64{1.5, 1, 0}
	fake := []float64{0.5, -1, 0}
	out := MustExecOnceN(b, func(r, f *Node) []*Node {
		return []*Node{cyclegan.LSGANDiscriminator(r, f), cyclegan.LSGAN(f, 1)}
	}, real, fake)
	// D: ½[((0.5)² + 0 + 1)/3 + (0.25 + 1 + 0)/3] = ½[1.25/3 + 1.25/3] = 1.25/3; G: (0.25 + 4 + 1)/3 = 5.25/3.
	if d, g := flat64(out[0])[0], flat64(out[1])[0]; math.Abs(d-1.25/3) > 1e-12 || math.Abs(g-5.25/3) > 1e-12 {
		t.Errorf("LSGAN: D %g, G %g; want %g, %g", d, g, 1.25/3, 5.25/3)
	}
}

// TestCycleLoss: zero for translators that are each other's inverse (identity maps, and x+c with x−c), positive
// otherwise, where it is the mean absolute error of each cycle.
func TestCycleLoss(t *testing.T) {
	b := backendtest.Go(t)
	rng := rand.New(rand.NewPCG(1, 2))
	a, bb := nntest.RandTensor(rng, 2, 4, 4, 1), nntest.RandTensor(rng, 3, 4, 4, 1)
	id := func(x *Node) *Node { return x }
	shift := func(c float64) func(*Node) *Node { return func(x *Node) *Node { return AddScalar(x, c) } }
	value := func(g, f func(*Node) *Node) float64 {
		return flat64(MustExecOnce(b, func(a, b *Node) *Node { return cyclegan.CycleLoss(g, f, a, b) }, a, bb))[0]
	}
	if v := value(id, id); v != 0 {
		t.Errorf("cycle loss of identity maps = %g, want 0", v)
	}
	if v := value(shift(0.3), shift(-0.3)); math.Abs(v) > 1e-12 {
		t.Errorf("cycle loss of x+0.3 and x−0.3 = %g, want 0", v)
	}
	if v := value(shift(0.3), id); math.Abs(v-0.6) > 1e-12 {
		t.Errorf("cycle loss of x+0.3 and the identity = %g, want 0.3 + 0.3", v)
	}
}

// TestInstanceNorm: every image and channel has mean 0 and variance v/(v + 1e-5) after it, and its gradient
// matches finite differences.
func TestInstanceNorm(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		rng := rand.New(rand.NewPCG(3, 4))
		x := nntest.RandTensor(rng, 2, 5, 4, 3)
		out := flat64(MustExecOnce(b, cyclegan.InstanceNorm, x))
		for n := range 2 {
			for c := range 3 {
				var s, s2 float64
				for p := range 20 {
					v := out[(n*20+p)*3+c]
					s += v
					s2 += v * v
				}
				if mean, variance := s/20, s2/20; math.Abs(mean) > 1e-9 || math.Abs(variance-1) > 1e-3 {
					t.Errorf("image %d channel %d: mean %g, variance %g", n, c, mean, variance)
				}
			}
		}
		w := nntest.RandTensor(rng, 2, 5, 4, 3)
		nntest.GradCheck(t, b, func(scope *model.Scope, x *Node) *Node {
			return ReduceAllSum(Mul(cyclegan.InstanceNorm(x), Const(x.Graph(), w)))
		}, x)
	})
}

// poolRun runs Pool in a training graph on fakes made of constant images whose value is their id, and returns
// the ids D sees.
type poolRun struct {
	exec  *model.Exec
	scope *model.Scope
	b     int
	next  float32
}

func newPoolRun(t *testing.T, b compute.Backend, batch, size int) *poolRun {
	scope := model.NewStore().RootScope()
	scope.SetParam(cyclegan.ParamPoolSize, size)
	if err := scope.Store().SetRNGStateFromSeed(5); err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(b, scope.Store(), func(scope *model.Scope, x *Node) *Node {
		scope.Store().SetTraining(x.Graph(), true)
		return cyclegan.Pool(scope.At("pool"), x)
	})
	if err != nil {
		t.Fatal(err)
	}
	return &poolRun{exec: exec, scope: scope, b: batch, next: 1}
}

// step shows the pool a batch of new ids and returns the ids it returns.
func (r *poolRun) step(t *testing.T) (in, out []float32) {
	const px = 4
	x := make([]float32, r.b*px)
	for i := range r.b {
		in = append(in, r.next)
		for p := range px {
			x[i*px+p] = r.next
		}
		r.next++
	}
	res := r.exec.MustCall(tensors.FromFlatDataAndDimensions(x, r.b, 2, 2, 1))
	y := tensors.MustCopyFlatData[float32](res[0])
	for i := range r.b {
		for p := range px {
			if y[i*px+p] != y[i*px] {
				t.Fatalf("output image %d is a mix of images: %v", i, y[i*px:(i+1)*px])
			}
		}
		out = append(out, y[i*px])
	}
	return in, out
}

// buffer returns the ids stored in the pool.
func (r *poolRun) buffer() []float32 {
	v := r.scope.Store().GetVariable("/pool/images")
	vals := tensors.MustCopyFlatData[float32](v.MustValue())
	var ids []float32
	for i := 0; i < len(vals); i += 4 {
		ids = append(ids, vals[i])
	}
	return ids
}

// TestPool: the buffer of past fakes fills with the first fakes (returned as they are), then swaps each fake for
// a stored one with probability ½ (statistically, over 1,600 fakes from a seeded RNG), storing the fake in the
// freed slot: every image D sees is the fresh fake or one that was in the buffer, and nothing is lost or
// duplicated.
func TestPool(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		const batch, size = 8, 50
		r := newPoolRun(t, b, batch, size)
		// Filling: 7 batches (56 fakes) fill the 50 slots with ids 1..50; all fakes come back fresh.
		for range 7 {
			in, out := r.step(t)
			if !slices.Equal(in, out) {
				t.Fatalf("while filling, the pool returned %v for %v", out, in)
			}
		}
		buf := r.buffer()
		for i, id := range buf {
			if id != float32(i+1) {
				t.Fatalf("after filling, slot %d holds %v, want %d", i, id, i+1)
			}
		}
		swapped, total := 0, 0
		for range 200 {
			before := r.buffer()
			in, out := r.step(t)
			after := r.buffer()
			for i := range in {
				total++
				if out[i] == in[i] {
					continue
				}
				swapped++
				j := slices.Index(before, out[i])
				if j < 0 {
					t.Fatalf("the pool returned %v, neither the fake %v nor a stored image", out[i], in[i])
				}
				if after[j] != in[i] {
					t.Fatalf("slot %d gave %v but now holds %v, not the fake %v", j, out[i], after[j], in[i])
				}
			}
			// The buffer loses exactly the images it returned and gains the fakes that replaced them.
			seen := map[float32]bool{}
			for _, id := range after {
				if seen[id] {
					t.Fatalf("id %v twice in the buffer: %v", id, after)
				}
				seen[id] = true
			}
		}
		// Binomial(1600, ½): mean 800, standard deviation 20; 5σ = 100.
		if swapped < 700 || swapped > 900 {
			t.Errorf("%d of %d fakes swapped, want about half", swapped, total)
		}
	})
}

// TestPoolOff: pool_size 0 returns the fakes unchanged and creates no buffer.
func TestPoolOff(t *testing.T) {
	b := backendtest.Go(t)
	r := newPoolRun(t, b, 4, 0)
	in, out := r.step(t)
	if !slices.Equal(in, out) || r.scope.Store().GetVariable("/pool/images") != nil {
		t.Errorf("pool_size 0: returned %v for %v", out, in)
	}
}

// domains returns two synthetic domains of 8×8 noise images: A bright, B dark.
func domains(n int) *cyclegan.Domains {
	rng := rand.New(rand.NewPCG(9, 9))
	mk := func(name string, lo float32) *data.Images {
		im := &data.Images{Name: name, Split: "train", N: n, H: 8, W: 8, C: 1, Labels: make([]int, n)}
		for range n * 64 {
			im.Pixels = append(im.Pixels, lo+0.3*rng.Float32())
		}
		return im
	}
	return &cyclegan.Domains{A: mk("a", 0.6), B: mk("b", 0.1)}
}

// TestCycleGANTrainSmoke: two steps on synthetic domains record every term (finite, λs applied to the loss), fill
// the buffers, and a checkpoint restores the translators and buffers.
func TestCycleGANTrainSmoke(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		d := domains(16)
		v := cyclegan.NewWith(d, 8, 1)
		tr, err := gan.New(b, v, gan.Config{Seed: 3, Settings: gan.Settings{gan.SettingBatchSize: 4}, FixedSamples: 4})
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.SetData(d.B.Pixels, d.B.N, 8, 8, 1, 0, 1); err != nil {
			t.Fatal(err)
		}
		if err := tr.Train(2); err != nil {
			t.Fatal(err)
		}
		for _, r := range tr.History {
			for _, name := range []string{"d_a", "d_b", "adv_a", "adv_b", "cycle", "identity"} {
				if x, ok := r.Terms[name]; !ok || math.IsNaN(x) || math.IsInf(x, 0) || x <= 0 {
					t.Errorf("step %d: term %s = %g (%v)", r.Step, name, x, ok)
				}
			}
			want := r.Terms["adv_a"] + r.Terms["adv_b"] + 10*r.Terms["cycle"] + 5*r.Terms["identity"]
			if math.Abs(r.GLoss-want) > 1e-4*want {
				t.Errorf("step %d: G loss %g, want adv + 10·cycle + 5·identity = %g", r.Step, r.GLoss, want)
			}
			if want := r.Terms["d_a"] + r.Terms["d_b"]; math.Abs(r.DLoss-want) > 1e-4*want {
				t.Errorf("step %d: D loss %g, want d_a + d_b = %g", r.Step, r.DLoss, want)
			}
		}
		store := tr.Scope.Store()
		for _, pool := range []string{"pool_a", "pool_b"} {
			c := store.GetVariable("/" + gan.DiscriminatorScope + "/" + pool + "/count")
			if c == nil || c.Trainable || tensors.MustCopyFlatData[float32](c.MustValue())[0] != 8 {
				t.Errorf("%s count after 2 steps of 4: %v", pool, c)
			}
		}
		dir := t.TempDir()
		if _, err := tr.Save(dir, 2, nil); err != nil {
			t.Fatal(err)
		}
		fresh, err := gan.New(b, cyclegan.NewWith(d, 8, 1), gan.Config{Seed: 99, FixedSamples: 4})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fresh.Load(dir); err != nil {
			t.Fatal(err)
		}
		x := d.B.Scaled(-1, 1)[:3*64]
		f1, err1 := cyclegan.Translate(tr, cyclegan.BA, x)
		f2, err2 := cyclegan.Translate(fresh, cyclegan.BA, x)
		if err1 != nil || err2 != nil || len(f1) != 3*64 || !slices.Equal(f1, f2) {
			t.Errorf("F differs after Load (%v, %v)", err1, err2)
		}
		s1, _ := tr.Samples()
		s2, _ := fresh.Samples()
		if !slices.Equal(s1, s2) || len(s1) != 4*64 {
			t.Errorf("G's samples differ after Load")
		}
		p1 := tensors.MustCopyFlatData[float32](store.GetVariable("/discriminator/pool_b/images").MustValue())
		p2 := tensors.MustCopyFlatData[float32](fresh.Scope.Store().GetVariable("/discriminator/pool_b/images").MustValue())
		if !slices.Equal(p1, p2) {
			t.Errorf("the buffer differs after Load")
		}
		if _, err := cyclegan.Translate(tr, "xy", x); err == nil {
			t.Errorf("Translate in an unknown direction: no error")
		}
	})
}
