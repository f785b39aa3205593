// Package bench holds the models of `ganlab bench` (the same four GANs that bench/peers/ writes in PyTorch and in
// Keras 3), their floating-point cost computed from the layer shapes, and the timing of full GAN steps on a ganlib
// backend. The command itself (subprocesses, peak RSS, the table) lives in cmd/ganlab/bench.go.
//
// A full GAN step is what gan.Trainer.TrainStep does, and what the peers do: G(z) forward without gradient, one D
// update (Adam) on B real and B fake images, then one G update (Adam) through the frozen D on fresh noise.
package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/models/dcgan"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// Model is one benchmark model: a GAN at a fixed image size and batch.
type Model struct {
	// Name is what `ganlab bench -models` and the peer scripts' --model take.
	Name string
	// Doc describes the architecture in one line.
	Doc                   string
	Size, Channels, Batch int
	// Variant builds the GAN.
	Variant func() gan.Variant
	// Layers lists the dense and convolution layers of G and D, for the FLOP count.
	G, D []Op
}

// Op is one layer with multiply-adds: a Dense (In → Out per image), a Conv2D (Out pixels H×W, K×K taps, In → Out
// channels) or a Conv2DTranspose (In pixels H×W, each spread over K×K taps).
type Op struct {
	Kind               string // "dense", "conv", "convT"
	H, W, K, Cin, Cout int
}

// MACs is the multiply-adds of the layer for one image.
func (o Op) MACs() float64 {
	switch o.Kind {
	case "dense":
		return float64(o.Cin) * float64(o.Cout)
	default: // conv: H×W output pixels; convT: H×W input pixels. Both: K² taps of Cin×Cout.
		return float64(o.H) * float64(o.W) * float64(o.K*o.K) * float64(o.Cin) * float64(o.Cout)
	}
}

func forwardFLOP(ops []Op) float64 {
	var f float64
	for _, o := range ops {
		f += 2 * o.MACs()
	}
	return f
}

// GFLOPPerStep counts the floating-point operations of one full GAN step as dcgan.GFLOPPerStep does: 2 FLOP per
// multiply-add, a backward pass twice the forward one; G runs forward in the D step and forward+backward in the G
// step, D runs forward+backward on 2B images in the D step and on B images in the G step. Element-wise work
// (activations, Adam) is not counted.
func (m Model) GFLOPPerStep() float64 {
	g, d := forwardFLOP(m.G), forwardFLOP(m.D)
	return float64(m.Batch) * (g + 3*g + 3*d*2 + 3*d) / 1e9
}

func dense(in, out int) Op           { return Op{Kind: "dense", Cin: in, Cout: out} }
func conv(h, w, k, cin, cout int) Op { return Op{Kind: "conv", H: h, W: w, K: k, Cin: cin, Cout: cout} }
func convT(h, w, k, cin, cout int) Op {
	return Op{Kind: "convT", H: h, W: w, K: k, Cin: cin, Cout: cout}
}
func layer(name string, fn func(scope *model.Scope, x *Node) *Node) models.Layer {
	return models.Layer{Name: name, Fn: fn}
}
func leaky() models.Layer {
	return layer("leaky_relu", func(_ *model.Scope, x *Node) *Node { return nn.LeakyReLU(x, 0.2) })
}

// DCGAN28 is the small DCGAN of DESIGN §7 for 28×28×1 images ('same' padding, LeakyReLU(0.2), no BatchNorm, no
// dropout):
//
//	G: z [B,100] → Dense(7·7·128) → LeakyReLU → Reshape(7,7,128) → Conv2DTranspose(64, 5, s2) → LeakyReLU
//	   → Conv2DTranspose(1, 5, s2) → tanh                                     [B,28,28,1]
//	D: x → Conv2D(64, 5, s2) → LeakyReLU → Conv2D(128, 5, s2) → LeakyReLU → Flatten → Dense(1)   logit [B,1]
func DCGAN28() gan.Variant {
	g := models.Stack{
		layer("dense", func(scope *model.Scope, x *Node) *Node { return nn.Dense(scope, x, 7*7*128) }), leaky(),
		layer("reshape", func(_ *model.Scope, x *Node) *Node { return nn.Reshape(x, 7, 7, 128) }),
		layer("conv2d_transpose", func(scope *model.Scope, x *Node) *Node {
			return nn.Conv2DTranspose(scope, x, 64, 5, 2, nn.Same)
		}), leaky(),
		layer("conv2d_transpose", func(scope *model.Scope, x *Node) *Node {
			return nn.Conv2DTranspose(scope, x, 1, 5, 2, nn.Same)
		}),
		layer("tanh", func(_ *model.Scope, x *Node) *Node { return Tanh(x) }),
	}
	d := models.Stack{
		layer("conv2d", func(scope *model.Scope, x *Node) *Node { return nn.Conv2D(scope, x, 64, 5, 2, nn.Same) }), leaky(),
		layer("conv2d", func(scope *model.Scope, x *Node) *Node { return nn.Conv2D(scope, x, 128, 5, 2, nn.Same) }), leaky(),
		layer("flatten", func(_ *model.Scope, x *Node) *Node { return nn.Flatten(x) }),
		layer("dense", func(scope *model.Scope, x *Node) *Node { return nn.Dense(scope, x, 1) }),
	}
	return gan.Variant{
		Name: "dcgan28", Prior: gan.Prior{LatentDim: 100, Noise: gan.Normal}, Height: 28, Width: 28, Channels: 1,
		Generator: gan.PlainG(g.Network()), Discriminator: gan.PlainD(d.Network()), Loss: gan.NonSaturating(),
	}
}

func lectureOps(s, c int) (g, d []Op) {
	s2, s4 := s/2, s/4
	g = []Op{dense(100, s4*s4*256), convT(s4, s4, 4, 256, 128), convT(s2, s2, 4, 128, 128), conv(s, s, 4, 128, c)}
	d2, d4, d8 := (s+1)/2, (s+3)/4, (s+7)/8
	d = []Op{conv(s, s, 3, c, 64), conv(d2, d2, 3, 64, 128), conv(d4, d4, 3, 128, 128), conv(d8, d8, 3, 128, 256),
		dense(d8*d8*256, 1)}
	return g, d
}

// Models returns the benchmark models in the order of the table.
func Models() []Model {
	lg, ld := lectureOps(128, 1)
	lecture := func(b int) Model {
		return Model{
			Name: fmt.Sprintf("lecture-b%d", b), Size: 128, Channels: 1, Batch: b,
			Doc:     fmt.Sprintf("the lecture's Keras DCGAN 128×128×1 (G 27.3M, D 0.58M parameters), batch %d", b),
			Variant: func() gan.Variant { return dcgan.Lecture(128, 1) }, G: lg, D: ld,
		}
	}
	return []Model{
		{
			Name: "mlp", Size: 28, Channels: 1, Batch: 64,
			Doc:     "MLP GAN 28×28 (G 100-256-512-1024-784, D 784-512-256-1, dropout 0.3), batch 64",
			Variant: func() gan.Variant { return vanilla.New(28, 28, 1) },
			G:       []Op{dense(100, 256), dense(256, 512), dense(512, 1024), dense(1024, 784)},
			D:       []Op{dense(784, 512), dense(512, 256), dense(256, 1)},
		},
		{
			Name: "dcgan28", Size: 28, Channels: 1, Batch: 64,
			Doc:     "DCGAN 28×28 (G dense→7·7·128, convT 64, convT 1; D conv5×5 s2 64, 128, dense), batch 64",
			Variant: DCGAN28,
			G:       []Op{dense(100, 7*7*128), convT(7, 7, 5, 128, 64), convT(14, 14, 5, 64, 1)},
			D:       []Op{conv(14, 14, 5, 1, 64), conv(7, 7, 5, 64, 128), dense(7*7*128, 1)},
		},
		lecture(4),
		lecture(16),
	}
}

// ModelNames lists the names of Models, comma-separated.
func ModelNames() string {
	var names []string
	for _, m := range Models() {
		names = append(names, m.Name)
	}
	return strings.Join(names, ",")
}

// Find returns the model called name.
func Find(name string) (Model, error) {
	for _, m := range Models() {
		if m.Name == name {
			return m, nil
		}
	}
	return Model{}, fmt.Errorf("unknown benchmark model %q; known: %s", name, ModelNames())
}

// Timing is what one implementation measured for one model: the same fields the peer scripts print as JSON.
type Timing struct {
	Impl  string `json:"impl"`
	Model string `json:"model"`
	// FirstMS is the wall time of the first full step, compilation included.
	FirstMS float64 `json:"first_ms"`
	// StepMS are the timed steps after the warm-up, one by one.
	StepMS []float64 `json:"step_ms"`
	// CPUMS is the process's CPU time (user + system, all threads) in each timed step: less sensitive than wall
	// time to other processes competing for the cores, and it shows threads spinning.
	CPUMS []float64 `json:"cpu_ms,omitempty"`
	// Info says what ran (backend line, library versions, threads).
	Info string `json:"info"`
}

// Median is the median of StepMS (0 when there is none).
func (t Timing) Median() float64 { return Median(t.StepMS) }

// Median returns the median of xs (0 for none).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// Measure trains m on backend for 1 + warmup + up to steps full GAN steps on random images (their content does
// not change the cost) and returns the first step's time and each timed step's. Timing stops early, after at
// least minSteps timed steps, once the timed steps took budget (0: no limit), and warm-up steps are skipped once
// half the budget is spent, so that the pure-Go backend's slow models fit a run.
func Measure(backend compute.Backend, m Model, warmup, steps, minSteps int, budget time.Duration) (Timing, error) {
	t := Timing{Model: m.Name}
	tr, err := gan.New(backend, m.Variant(), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: m.Batch}})
	if err != nil {
		return t, err
	}
	n := 2 * m.Batch
	rng := rand.New(rand.NewPCG(1, 2))
	px := make([]float32, n*m.Size*m.Size*m.Channels)
	for i := range px {
		px[i] = rng.Float32()
	}
	if err := tr.SetData(px, n, m.Size, m.Size, m.Channels, 0, 1); err != nil {
		return t, err
	}
	start := time.Now()
	if _, err := tr.TrainStep(); err != nil {
		return t, err
	}
	t.FirstMS = ms(time.Since(start))
	for range warmup {
		if budget > 0 && time.Since(start) >= budget/2 {
			break // a slow backend: the first step already used much of the budget
		}
		if _, err := tr.TrainStep(); err != nil {
			return t, err
		}
	}
	var spent time.Duration
	for i := 0; i < steps; i++ {
		if budget > 0 && i >= minSteps && spent >= budget {
			break
		}
		s, c := time.Now(), cpuTime()
		if _, err := tr.TrainStep(); err != nil {
			return t, err
		}
		d := time.Since(s)
		spent += d
		t.StepMS = append(t.StepMS, ms(d))
		if c >= 0 {
			t.CPUMS = append(t.CPUMS, ms(cpuTime()-c))
		}
	}
	return t, nil
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
