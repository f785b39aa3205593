package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/internal/tune"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// refSamePad is TensorFlow's 'same' padding before the first pixel, written out again for the references.
func refSamePad(in, out, k, s int) int {
	total := (out-1)*s + k - in
	if total < 0 {
		total = 0
	}
	return total / 2
}

// refConv2D is Keras's Conv2D by its definition: naive loops over x [b,h,w,c], kernel [k,k,c,f], bias [f].
func refConv2D(x []float64, b, h, w, c int, kern, bias []float64, k, f, s int, pad Padding) (y []float64, ho, wo int) {
	pt, pl := 0, 0
	if pad == Same {
		ho, wo = int(math.Ceil(float64(h)/float64(s))), int(math.Ceil(float64(w)/float64(s)))
		pt, pl = refSamePad(h, ho, k, s), refSamePad(w, wo, k, s)
	} else {
		ho, wo = (h-k)/s+1, (w-k)/s+1
	}
	y = make([]float64, b*ho*wo*f)
	for bi := range b {
		for oy := range ho {
			for ox := range wo {
				for fi := range f {
					sum := bias[fi]
					for ki := range k {
						for kj := range k {
							iy, ix := oy*s+ki-pt, ox*s+kj-pl
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue
							}
							for ci := range c {
								sum += x[((bi*h+iy)*w+ix)*c+ci] * kern[((ki*k+kj)*c+ci)*f+fi]
							}
						}
					}
					y[((bi*ho+oy)*wo+ox)*f+fi] = sum
				}
			}
		}
	}
	return
}

// refConv2DTranspose is Keras's Conv2DTranspose (TensorFlow's conv2d_transpose) by its definition: each input
// pixel (i, j) adds x·K[ki,kj,f,c] to output pixel (i·s+ki-pt, j·s+kj-pl); kernel [k,k,f,c].
func refConv2DTranspose(x []float64, b, h, w, c int, kern, bias []float64, k, f, s int, pad Padding) (y []float64, oh, ow int) {
	pt, pl := 0, 0
	if pad == Same {
		oh, ow = h*s, w*s
		pt, pl = refSamePad(oh, h, k, s), refSamePad(ow, w, k, s)
	} else {
		oh, ow = h*s+max(k-s, 0), w*s+max(k-s, 0)
	}
	y = make([]float64, b*oh*ow*f)
	for bi := range b {
		for oy := range oh {
			for ox := range ow {
				for fi := range f {
					y[((bi*oh+oy)*ow+ox)*f+fi] = bias[fi]
				}
			}
		}
		for i := range h {
			for j := range w {
				for ki := range k {
					for kj := range k {
						oy, ox := i*s+ki-pt, j*s+kj-pl
						if oy < 0 || oy >= oh || ox < 0 || ox >= ow {
							continue
						}
						for fi := range f {
							for ci := range c {
								y[((bi*oh+oy)*ow+ox)*f+fi] += x[((bi*h+i)*w+j)*c+ci] * kern[((ki*k+kj)*f+fi)*c+ci]
							}
						}
					}
				}
			}
		}
	}
	return
}

type convCase struct {
	transpose bool
	k, s      int
	pad       Padding
	h, w      int
	narrow    bool // Cin 3 → Cout 1 instead of 2 → 3 (Conv2D's tap-first im2col variant)
}

func (c convCase) channels() (cin, cout int) {
	if c.narrow {
		return 3, 1
	}
	return convCin, convCout
}

func (c convCase) String() string {
	name := "conv"
	if c.transpose {
		name = "convT"
	}
	if c.narrow {
		name += "_3to1"
	}
	return fmt.Sprintf("%s_k%d_s%d_%s_%dx%d", name, c.k, c.s, c.pad, c.h, c.w)
}

// convCases: kernels 3 and 4, strides 1 and 2, both paddings, odd and even sizes, for both layers; and, at one
// size, the dcgan28 model's kernel 5 with stride 2, and a kernel smaller than its stride (2 with stride 3: some
// output phases get no tap).
func convCases() (cases []convCase) {
	for _, transpose := range []bool{false, true} {
		for _, ks := range [][2]int{{5, 2}, {2, 3}} {
			for _, pad := range []Padding{Same, Valid} {
				cases = append(cases, convCase{transpose, ks[0], ks[1], pad, 6, 7, false})
			}
		}
	}
	for _, transpose := range []bool{false, true} {
		for _, k := range []int{3, 4} {
			for _, s := range []int{1, 2} {
				for _, pad := range []Padding{Same, Valid} {
					for _, hw := range [][2]int{{5, 6}, {6, 7}} {
						cases = append(cases, convCase{transpose, k, s, pad, hw[0], hw[1], false})
					}
					if !transpose {
						cases = append(cases, convCase{false, k, s, pad, 5, 6, true})
					}
				}
			}
		}
	}
	return
}

const convBatch, convCin, convCout = 2, 2, 3

func (c convCase) layer(scope *model.Scope, x *graph.Node) *graph.Node {
	_, cout := c.channels()
	if c.transpose {
		return Conv2DTranspose(scope, x, cout, c.k, c.s, c.pad)
	}
	return Conv2D(scope, x, cout, c.k, c.s, c.pad)
}

func TestConvForward(t *testing.T) {
	forEachConvRoute(t, func(t *testing.T, b compute.Backend, route string) {
		for _, c := range convCases() {
			t.Run(c.String(), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(c.k), uint64(c.h)))
				cin, cout := c.channels()
				x := randTensor(rng, convBatch, c.h, c.w, cin)
				kdims := []int{c.k, c.k, cin, cout}
				if c.transpose {
					kdims = []int{c.k, c.k, cout, cin}
				}
				kern, bias := randTensor(rng, kdims...), randTensor(rng, cout)
				scope := model.NewStore().RootScope()
				scope.SetParam(ParamConvRoute, route)
				scope.At("layer").VariableWithValue("weights", kern)
				scope.At("layer").VariableWithValue("biases", bias)
				y := model.MustCallOnce(b, scope.Store(), func(scope *model.Scope, x *graph.Node) *graph.Node {
					return c.layer(scope.At("layer"), x)
				}, x)
				var want []float64
				var oh, ow int
				if c.transpose {
					want, oh, ow = refConv2DTranspose(flat(x), convBatch, c.h, c.w, cin, flat(kern), flat(bias), c.k, cout, c.s, c.pad)
				} else {
					want, oh, ow = refConv2D(flat(x), convBatch, c.h, c.w, cin, flat(kern), flat(bias), c.k, cout, c.s, c.pad)
				}
				if got := y.Shape().Dimensions; got[0] != convBatch || got[1] != oh || got[2] != ow || got[3] != cout {
					t.Fatalf("output shape %v, want [%d %d %d %d]", got, convBatch, oh, ow, cout)
				}
				for i, v := range flat(y) {
					if math.Abs(v-want[i]) > 1e-10 {
						t.Fatalf("y[%d] = %.12g, reference %.12g", i, v, want[i])
					}
				}
			})
		}
	})
}

func TestConvGradients(t *testing.T) {
	forEachConvRoute(t, func(t *testing.T, b compute.Backend, route string) {
		for _, c := range convCases() {
			t.Run(c.String(), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(c.k), uint64(c.w)))
				o := defaultGradOpts()
				o.route = route
				cin, _ := c.channels()
				requireGrads(t, b, projected(c.layer), randTensor(rng, convBatch, c.h, c.w, cin), o)
			})
		}
	})
}

// TestConvSecondOrder checks the gradient (wrt x and the kernels) of a gradient norm through Conv2D, LeakyReLU
// and Dense: what WGAN-GP's penalty differentiates.
func TestConvSecondOrder(t *testing.T) {
	forEachConvRoute(t, func(t *testing.T, b compute.Backend, route string) {
		o := defaultGradOpts()
		o.route = route
		for _, k := range []int{3, 4} {
			t.Run(fmt.Sprintf("k%d", k), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(9, uint64(k)))
				requireGrads(t, b, func(scope *model.Scope, x *graph.Node) *graph.Node {
					y := Conv2D(scope.At("c1"), x, 3, k, 1, Same)
					y = LeakyReLU(y, 0.2)
					y = Conv2D(scope.At("c2"), y, 2, k, 2, Same)
					y = LeakyReLU(y, 0.2)
					y = Dense(scope.At("d"), Flatten(y), 1)
					gx := graph.Gradient(graph.ReduceAllSum(y), x)[0]
					return graph.ReduceAllSum(graph.Square(gx))
				}, randTensor(rng, 2, 5, 6, 2), o)
			})
		}
	})
}

// TestCheckerHasTeeth applies the same checker to GoMLX's stock convolution with a 4×4 kernel on XLA, whose input
// gradient is wrong (DESIGN.md §3.1): the checker must report it. If this test fails, either GoMLX was fixed (then
// update DESIGN.md) or the checker lost its teeth.
func TestCheckerHasTeeth(t *testing.T) {
	b := xlaBackend(t)
	rng := rand.New(rand.NewPCG(4, 4))
	stock := func(scope *model.Scope, x *graph.Node) *graph.Node {
		k := scope.VariableWithShape("weights", shapes.Make(x.DType(), 4, 4, 2, 3)).NodeValue(x.Graph())
		return graph.Convolve(x, k).Strides(1).PadSame().Done()
	}
	// Same checker, same options as TestConvGradients.
	var inputBad, kernelBad int
	for _, m := range gradCheck(t, b, projected(stock), randTensor(rng, 2, 6, 7, 2), defaultGradOpts()) {
		if m.what[:5] == "input" {
			inputBad++
		} else {
			kernelBad++
		}
		t.Logf("stock Convolve: %s: analytic %.6g, finite differences %.6g", m.what, m.analytic, m.finiteDiff)
	}
	if inputBad == 0 {
		t.Errorf("the gradient checker found no error in GoMLX's stock 4×4 convolution input gradient (known to be wrong)")
	}
	// And ours, built the same way, passes on both routes (kept here so the contrast is in one place).
	for _, route := range []string{"im2col", "native"} {
		o := defaultGradOpts()
		o.route = route
		requireGrads(t, b, projected(func(scope *model.Scope, x *graph.Node) *graph.Node {
			return Conv2D(scope, x, 3, 4, 1, Same)
		}), randTensor(rng, 2, 6, 7, 2), o)
	}
}

// paramCount returns the number of trainable parameters layer creates for an input of the given shape.
func paramCount(t *testing.T, layer func(scope *model.Scope, x *graph.Node) *graph.Node, dims ...int) int {
	t.Helper()
	b := getBackends()[0].b
	scope := model.NewStore().RootScope()
	g := graph.NewGraph(b, "params")
	layer(scope, graph.Parameter(g, "x", shapes.Make(dtypes.Float32, dims...)))
	n := 0
	for v := range scope.IterVariables() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	return n
}

func TestParameterCounts(t *testing.T) {
	for _, c := range []struct {
		name  string
		layer func(scope *model.Scope, x *graph.Node) *graph.Node
		dims  []int
		want  int
	}{
		{"lecture G Dense(32·32·256) on 100", func(scope *model.Scope, x *graph.Node) *graph.Node { return Dense(scope, x, 32*32*256) }, []int{4, 100}, 26_476_544},
		{"lecture G Conv2DTranspose(128,4,s2) on 256", func(scope *model.Scope, x *graph.Node) *graph.Node {
			return Conv2DTranspose(scope, x, 128, 4, 2, Same)
		}, []int{1, 32, 32, 256}, 524_416},
		{"lecture G Conv2DTranspose(128,4,s2) on 128", func(scope *model.Scope, x *graph.Node) *graph.Node {
			return Conv2DTranspose(scope, x, 128, 4, 2, Same)
		}, []int{1, 64, 64, 128}, 262_272},
		{"lecture G Conv2D(1,4) on 128", func(scope *model.Scope, x *graph.Node) *graph.Node { return Conv2D(scope, x, 1, 4, 1, Same) }, []int{1, 128, 128, 128}, 2_049},
		{"lecture D Conv2D(64,3) on 1", func(scope *model.Scope, x *graph.Node) *graph.Node { return Conv2D(scope, x, 64, 3, 1, Same) }, []int{1, 128, 128, 1}, 640},
		{"lecture D Conv2D(256,3,s2) on 128", func(scope *model.Scope, x *graph.Node) *graph.Node { return Conv2D(scope, x, 256, 3, 2, Same) }, []int{1, 32, 32, 128}, 295_168},
		{"Maxout(240,5) on 784", func(scope *model.Scope, x *graph.Node) *graph.Node { return Maxout(scope, x, 240, 5) }, []int{1, 784}, 784*1200 + 1200},
		{"BatchNorm on 64 channels", func(scope *model.Scope, x *graph.Node) *graph.Node { return BatchNorm(scope, x) }, []int{1, 4, 4, 64}, 128},
	} {
		if got := paramCount(t, c.layer, c.dims...); got != c.want {
			t.Errorf("%s: %d trainable parameters, Keras has %d", c.name, got, c.want)
		}
	}
}

// TestInitializer checks ParamInitStddev: 0 gives Glorot uniform, > 0 gives N(0, stddev²).
func TestInitializer(t *testing.T) {
	b := getBackends()[0].b
	for _, stddev := range []float64{0, 0.02} {
		scope := model.NewStore().RootScope()
		scope.SetParam(ParamInitStddev, stddev)
		model.MustCallOnce(b, scope.Store(), func(scope *model.Scope, x *graph.Node) *graph.Node {
			return Conv2D(scope, x, 64, 4, 2, Same)
		}, tensors.FromShape(shapes.Make(dtypes.Float32, 1, 8, 8, 32)))
		w := tensors.MustCopyFlatData[float32](scope.Store().GetVariable(model.JoinPath("/", "weights")).MustValue())
		var sum, sq, maxAbs float64
		for _, v := range w {
			sum += float64(v)
			sq += float64(v) * float64(v)
			maxAbs = max(maxAbs, math.Abs(float64(v)))
		}
		n := float64(len(w))
		std := math.Sqrt(sq/n - (sum/n)*(sum/n))
		wantStd := stddev
		if stddev == 0 {
			limit := math.Sqrt(6.0 / float64(16*32+16*64))
			wantStd = limit / math.Sqrt(3)
			if maxAbs > limit {
				t.Errorf("Glorot uniform: |w| up to %g, above the limit %g", maxAbs, limit)
			}
		}
		if math.Abs(std-wantStd) > 0.03*wantStd || math.Abs(sum/n) > 0.03*wantStd {
			t.Errorf("stddev param %g: weights mean %g std %g, want 0 and %g", stddev, sum/n, std, wantStd)
		}
	}
}

// TestAutoRoute: on the pure-Go backend, "auto" computes convolutions of images up to 64×64 pixels with at least
// 16 gathered channels by selection products (selectPays: dcgan28's middle layers, the lecture's 32×32 and 64×64
// ones; docs/benchmarks.md run X), the lecture's last transposed convolution (64×64 → 128×128) by shifts
// (shiftPays, run V), and the rest by Gather and ScatterSum; Conv2D never takes the shift route. That is with the
// speed switch on; with it off, every one takes im2col.
func TestAutoRoute(t *testing.T) {
	b, err := backend.NewGo()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	for _, c := range []struct {
		transpose             bool
		in, out, k, cin, cout int // from in×in to out×out pixels, stride out/in or in/out
		want                  string
	}{
		{true, 32, 64, 4, 256, 128, "select"},
		{true, 64, 128, 4, 128, 128, "shift"},
		{true, 7, 14, 5, 128, 64, "select"},
		{true, 14, 28, 5, 64, 1, "im2col"},
		{true, 64, 128, 4, 8, 8, "im2col"},
		{false, 28, 14, 5, 1, 64, "im2col"},
		{false, 14, 7, 5, 64, 128, "select"},
		{false, 32, 16, 3, 128, 256, "select"},
		{false, 64, 32, 3, 128, 128, "select"},
		{false, 128, 64, 3, 64, 128, "im2col"},
		{false, 128, 128, 4, 128, 1, "im2col"},
	} {
		g := graph.NewGraph(b, "route")
		routeOf := func() string {
			var route string
			if c.transpose {
				geom := newConvGeom(1, c.out, c.out, c.k, c.out/c.in, Same)
				route, _ = convRoute(model.NewStore().RootScope(), g, false, shiftPays(geom, c.cin), selectPays(geom, c.cout))
			} else {
				geom := newConvGeom(1, c.in, c.in, c.k, c.in/c.out, Same)
				route, _ = convRoute(model.NewStore().RootScope(), g, c.cout < c.cin, false, selectPays(geom, c.cin))
			}
			return route
		}
		t.Setenv(tune.Env, "on")
		if route := routeOf(); route != c.want {
			t.Errorf("transposed %v, %d→%d px, kernel %d, %d→%d channels: route %q, want %q", c.transpose, c.in, c.out, c.k, c.cin, c.cout, route, c.want)
		}
		t.Setenv(tune.Env, "off")
		if route := routeOf(); route != "im2col" {
			t.Errorf("speed off: transposed %v, %d→%d px, kernel %d, %d→%d channels: route %q, want im2col", c.transpose, c.in, c.out, c.k, c.cin, c.cout, route)
		}
		g.Finalize()
	}
	// The lecture's 64×64 Conv2D at batch 64 (a column-selection constant of 12.6 M values) and 128 (25 M, over
	// selectMaxValues).
	for batch, want := range map[int]bool{64: true, 128: false} {
		if got := selectPays(newConvGeom(batch, 64, 64, 3, 2, Same), 128); got != want {
			t.Errorf("selectPays at batch %d: %v, want %v", batch, got, want)
		}
	}
}

// TestShiftWideGradients: the shift route's Conv2DTranspose with at least 16 output channels, whose input gradient
// and kernel gradient are built by shifts too (colsX) rather than by im2col's Gather: first- and second-order
// gradients against finite differences (the other conv tests have 2 or 3 channels, which take the Gather).
func TestShiftWideGradients(t *testing.T) {
	speedOn(t)
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		o := defaultGradOpts()
		o.route = "shift"
		for i, c := range []struct {
			k, s int
			pad  Padding
			dims []int
		}{
			{4, 2, Same, []int{2, 3, 4, 3}},
			{5, 2, Valid, []int{2, 3, 3, 3}},
			{3, 1, Same, []int{2, 4, 3, 3}},
		} {
			t.Run(fmt.Sprintf("convT_k%d_s%d_%s", c.k, c.s, c.pad), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(12, uint64(i)))
				x := randTensor(rng, c.dims...)
				requireGrads(t, b, projected(func(scope *model.Scope, x *graph.Node) *graph.Node {
					return Conv2DTranspose(scope, x, 16, c.k, c.s, c.pad)
				}), x, o)
				requireGrads(t, b, func(scope *model.Scope, x *graph.Node) *graph.Node {
					// Tanh, not LeakyReLU: the gradient norm must be smooth in the bias for finite differences (a
					// LeakyReLU kink within ε of a pre-activation fails this check on every route).
					y := graph.Tanh(Conv2DTranspose(scope.At("t"), x, 16, c.k, c.s, c.pad))
					y = Dense(scope.At("d"), Flatten(y), 1)
					gx := graph.Gradient(graph.ReduceAllSum(y), x)[0]
					return graph.ReduceAllSum(graph.Square(gx))
				}, x, o)
			})
		}
	})
}

// TestExtraRoutesNeedTheSwitch: with the speed switch off (ganlib's default) only im2col and native exist, "auto"
// on XLA takes native without phases, and asking for shift, select or phase panics with a message naming the switch.
func TestExtraRoutesNeedTheSwitch(t *testing.T) {
	t.Setenv(tune.Env, "off")
	b, err := backend.NewGo()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	g := graph.NewGraph(b, "routes")
	defer g.Finalize()
	for _, route := range []string{"shift", "select", "phase"} {
		scope := model.NewStore().RootScope()
		scope.SetParam(ParamConvRoute, route)
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "speed switch") {
					t.Errorf("route %q without the switch: want a panic naming the speed switch, got %v", route, r)
				}
			}()
			convRoute(scope, g, false, true, true)
		}()
	}
	for _, route := range []string{"im2col", "native"} {
		scope := model.NewStore().RootScope()
		scope.SetParam(ParamConvRoute, route)
		if got, phases := convRoute(scope, g, false, true, true); got != route || phases != phasesNever {
			t.Errorf("route %q: got %q, %v", route, got, phases)
		}
	}
	forEachBackend(t, func(t *testing.T, b compute.Backend) {
		if !isXLA(b) {
			return
		}
		g := graph.NewGraph(b, "auto")
		defer g.Finalize()
		if route, phases := convRoute(model.NewStore().RootScope(), g, false, true, true); route != "native" || phases != phasesNever {
			t.Errorf("auto on XLA with the switch off: %q, %v; want native without phases", route, phases)
		}
	})
}
