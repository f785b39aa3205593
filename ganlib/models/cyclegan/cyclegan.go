// Package cyclegan is CycleGAN of Zhu, Park, Isola and Efros 2017, "Unpaired Image-to-Image Translation using
// Cycle-Consistent Adversarial Networks" (https://arxiv.org/abs/1703.10593), at 28×28 grayscale: MNIST (domain A)
// ↔ scikit-learn's 8×8 handwritten digits framed as MNIST's (resized to a 20×20 box, centred by mass in 28×28;
// domain B, data.SKDigitsName), two sets of digits from different writers, scanned and reduced differently, and
// never paired. The framing is matched in the data because the translators, local convolutions, cannot move or
// rescale a digit (the paper's §5.3 limitation; docs/family2.md has a first run with frame-filling B digits).
//
// What changes against DCGAN (models/dcgan):
//   - G is no map from noise to images but a translator from one domain's images to the other's, and there are two:
//     G: A → B and F: B → A, each with its own discriminator (D_B judges real B against G(a), D_A real A against
//     F(b)). Two GANs are played at once.
//   - Without pairs, nothing tells G which b belongs to a given a; the cycle-consistency loss does:
//     λ·(E|F(G(a)) − a| + E|G(F(b)) − b|), λ = cycle_lambda = 10. The identity loss
//     λ_id·(E|G(b) − b| + E|F(a) − a|), λ_id = identity_lambda = 5 (the paper's 0.5·λ), keeps a translator from
//     changing images that already belong to its target domain.
//   - Least-squares adversarial losses (LSGAN, Mao et al. 2017) instead of the cross-entropy: D minimises
//     ½[E(D(x) − 1)² + E D(G(a))²], G minimises E(D(G(a)) − 1)² (LSGAN).
//   - D is a PatchGAN: it scores every patch of the image (a 7×7 map of scores, each seeing 18×18 pixels) and the
//     losses average over the patches.
//   - D learns from a buffer of 50 past fakes (Shrivastava et al. 2017): once the buffer is full, each fake of the
//     batch is, with probability ½, swapped for a random stored one (which D sees instead) and takes its place in
//     the buffer (Pool).
//
// How it sits on gan.Variant's closed parts:
//   - Prior: z has one value that nobody reads (CycleGAN has no noise); the condition (Domains) carries the batch's
//     domain-A images "a" and domain-B images "b", drawn from the two training sets with the step's rng.
//   - Generator: G(a) under /generator/ab; F lives under /generator/ba. Discriminator: D_B's patch scores averaged
//     per image (for the trainer's records; the losses use the patches) under /discriminator/b; D_A lives under
//     /discriminator/a.
//   - The trainer's real data is domain B (train with -data sklearn-digits): D's step judges it with D_B and
//     translates it with F for D_A.
//   - Loss: an empty pair (Loss; its value is 0) because the two games each see their own buffer: both adversarial
//     losses are terms. D's terms: "d_b" and "d_a" (each player's LSGAN loss on real images and on the buffer's
//     mix). G's terms: "adv_b", "adv_a" (the translators' LSGAN losses), "cycle" and "identity" (each records the
//     unweighted sum of its two mean absolute errors; the λ-weighted value is what is added).
//   - The two buffers are non-trainable variables under /discriminator/pool_b and /discriminator/pool_a, updated
//     in D's step graph, drawn with the trainer's seeded in-graph RNG, and saved in checkpoints.
//   - `ganlab summary cyclegan` tables what the trainer's Generator and Discriminator build, G and D_B; F and D_A,
//     built by the terms, have the same sizes, and its last line counts all four.
//
// Networks (nf = 16; IN = instance normalisation without affine parameters, as the paper's code):
//
//	G, F: x [B,28,28,1] → Conv7×7(nf) → IN → ReLU                          [B,28,28,16]
//	      → Conv3×3(2nf, stride 2) → IN → ReLU                              [B,14,14,32]
//	      → 3 × residual block: h + IN(Conv3×3(ReLU(IN(Conv3×3(h)))))        [B,14,14,32]
//	      → ConvTranspose3×3(nf, stride 2) → IN → ReLU                      [B,28,28,16]
//	      → Conv7×7(1) → tanh                                              [B,28,28,1]
//	D_A, D_B: x → Conv4×4(32, stride 2) → LeakyReLU(0.2)                   [B,14,14,32]
//	      → Conv4×4(64, stride 2) → IN → LeakyReLU(0.2)                     [B,7,7,64]
//	      → Conv3×3(1)                                                     [B,7,7,1] patch scores
//
// Simplifications for the small scale, against the paper: 28×28 instead of 256×256, so G has one downsampling
// step and 3 residual blocks of 32 channels (the paper: two steps, 9 blocks of 256) and D two stride-2 layers
// (the paper's 70×70 PatchGAN has three and 512 channels); zero ('same') padding instead of reflection padding;
// batches of 16 (batch_size) instead of 1, so the buffer's slots are drawn without replacement within a batch and
// the batch that fills it returns its overflow fresh; a constant learning rate 2e-4 (the paper decays it linearly
// to 0 over its second 100 epochs); Adam(β1 0.5) as the paper; no dropout.
//
// Settings: cycle_lambda (10), identity_lambda (5), pool_size (50; 0 turns the buffer off), with Adam
// (learning_rate 2e-4, adam_beta1 0.5) and batch_size 16.
package cyclegan

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// Settings and their defaults.
const (
	ParamCycleLambda    = "cycle_lambda"
	ParamIdentityLambda = "identity_lambda"
	ParamPoolSize       = "pool_size"
	CycleLambda         = 10.0
	IdentityLambda      = 5.0
	PoolSize            = 50
	LearningRate        = 2e-4
	Beta1               = 0.5
	BatchSize           = 16
)

// Names of the condition's inputs, and of the sub-scopes of the networks and buffers.
const (
	CondA = "a" // domain-A images of the batch [B, H, W, C] in [-1, 1]
	CondB = "b" // domain-B images of the batch
	AB    = "ab"
	BA    = "ba"
)

// Filters is nf, the width of the translators' first layer.
const Filters = 16

// ResBlocks is the number of the translators' residual blocks.
const ResBlocks = 3

// InstanceNorm normalises every image and channel of x [B, H, W, C] over its pixels: (x − mean)/√(var + 1e-5),
// the biased variance, without learned parameters (PyTorch's InstanceNorm2d(affine=False), the paper's code).
func InstanceNorm(x *Node) *Node {
	mean := ReduceAndKeep(x, ReduceMean, 1, 2)
	centred := Sub(x, mean)
	variance := ReduceAndKeep(Square(centred), ReduceMean, 1, 2)
	return Div(centred, Sqrt(AddScalar(variance, 1e-5)))
}

// Translator is G (or F): images [B, H, W, C] in [-1, 1] to images of the other domain, same shape, in [-1, 1]
// (H and W even).
func Translator(scope *model.Scope, x *Node) *Node {
	d := x.Shape().Dimensions
	if d[1]%2 != 0 || d[2]%2 != 0 {
		exceptions.Panicf("cyclegan.Translator: images %d×%d, want even sizes", d[1], d[2])
	}
	h := activation.Relu(InstanceNorm(nn.Conv2D(scope.At("c7_in"), x, Filters, 7, 1, nn.Same)))
	h = activation.Relu(InstanceNorm(nn.Conv2D(scope.At("down"), h, 2*Filters, 3, 2, nn.Same)))
	for i := range ResBlocks {
		r := scope.At("res%d", i)
		y := activation.Relu(InstanceNorm(nn.Conv2D(r.At("conv1"), h, 2*Filters, 3, 1, nn.Same)))
		y = InstanceNorm(nn.Conv2D(r.At("conv2"), y, 2*Filters, 3, 1, nn.Same))
		h = Add(h, y)
	}
	h = activation.Relu(InstanceNorm(nn.Conv2DTranspose(scope.At("up"), h, Filters, 3, 2, nn.Same)))
	return Tanh(nn.Conv2D(scope.At("c7_out"), h, d[3], 7, 1, nn.Same))
}

// Patches is the PatchGAN discriminator: images [B, H, W, C] (H and W multiples of 4) to a map of scores
// [B, H/4, W/4, 1], one per patch.
func Patches(scope *model.Scope, x *Node) *Node {
	h := nn.LeakyReLU(nn.Conv2D(scope.At("conv1"), x, 32, 4, 2, nn.Same), 0.2)
	h = nn.LeakyReLU(InstanceNorm(nn.Conv2D(scope.At("conv2"), h, 64, 4, 2, nn.Same)), 0.2)
	return nn.Conv2D(scope.At("score"), h, 1, 3, 1, nn.Same)
}

// LSGAN is the least-squares loss E(d − target)² over all of d's elements (patch scores).
func LSGAN(d *Node, target float64) *Node {
	return ReduceAllMean(Square(AddScalar(d, -target)))
}

// LSGANDiscriminator is D's least-squares loss ½[E(D(x) − 1)² + E D(fake)²].
func LSGANDiscriminator(real, fake *Node) *Node {
	return MulScalar(Add(LSGAN(real, 1), LSGAN(fake, 0)), 0.5)
}

// L1 is the mean absolute difference E|x − y|.
func L1(x, y *Node) *Node { return ReduceAllMean(Abs(Sub(x, y))) }

// CycleLoss is the unweighted cycle-consistency loss E|F(G(a)) − a| + E|G(F(b)) − b| for translators g and f.
func CycleLoss(g, f func(*Node) *Node, a, b *Node) *Node {
	return Add(L1(f(g(a)), a), L1(g(f(b)), b))
}

// Loss is CycleGAN's entry in the trainer's loss pair: empty (0 for both players), because each of its two games
// shows its D a mix from its own buffer; the adversarial losses are the variant's terms. Its D scores are no
// probabilities (Critic): displays show the gap E D_B(b) − E D_B(G(a)).
func Loss() gan.Loss {
	zero := func(x *Node) *Node { return ScalarZero(x.Graph(), x.DType()) }
	return gan.Loss{
		Name:          "lsgan-terms",
		Discriminator: func(_, fake *Node) *Node { return zero(fake) },
		Generator:     zero,
		Critic:        true,
	}
}

// Pool is the buffer of past fakes (Shrivastava et al. 2017; CycleGAN §4): it returns the images D is shown for
// the fakes [B, …] and, in a training graph, updates the buffer stored in scope ("images" [N, size], "count",
// both non-trainable; N the setting pool_size). While the buffer is not full, each fake is stored in the next
// free slot and returned as it is (a fake that finds no free slot is returned, not stored). Once it is full, each
// fake is, with probability ½, swapped: the image in a random slot is returned instead and the fake takes its
// place; the slots of one batch are distinct (a random permutation of the N slots, from N uniform keys), so B ≤ N
// fakes can swap at once. Random numbers come from scope's RNG. pool_size 0 returns fake unchanged.
func Pool(scope *model.Scope, fake *Node) *Node {
	n := model.GetParamOr(scope, ParamPoolSize, PoolSize)
	if n <= 0 {
		return fake
	}
	g, dt := fake.Graph(), fake.DType()
	dims := fake.Shape().Dimensions
	b, size := dims[0], fake.Shape().Size()/dims[0]
	imgVar := scope.WithInitializer(initializer.Zero).VariableWithShape("images", shapes.Make(dt, n, size)).SetTrainable(false)
	countVar := scope.WithInitializer(initializer.Zero).VariableWithShape("count", shapes.Make(dt)).SetTrainable(false)
	buf, count := imgVar.NodeValue(g), countVar.NodeValue(g)
	flat := Reshape(StopGradient(fake), b, size)

	col := Iota(g, shapes.Make(dt, b, n), 1) // slot index
	row := Iota(g, shapes.Make(dt, b, n), 0) // image index in the batch
	// Filling: image i goes to slot count + i if that is a slot.
	fill := ConvertDType(Equal(col, Add(row, count)), dt) // [B, N]
	full := ConvertDType(GreaterOrEqual(count, Scalar(g, dt, float64(n))), dt)
	// A random permutation of the slots: slot j's rank among N uniform keys; image i may swap with rank i.
	keys := scope.RandomUniform(g, shapes.Make(dt, n))
	less := ConvertDType(LessThan(BroadcastToDims(Reshape(keys, 1, n), n, n), BroadcastToDims(Reshape(keys, n, 1), n, n)), dt)
	rank := ReduceSum(less, 1) // [N]: how many keys are below key j
	slot := ConvertDType(Equal(BroadcastToDims(Reshape(rank, 1, n), b, n), row), dt)
	u := scope.RandomUniform(g, shapes.Make(dt, b, 1))
	swap := Mul(full, ConvertDType(LessThan(u, Scalar(g, dt, 0.5)), dt)) // [B, 1]
	swapSlot := Mul(slot, swap)                                          // [B, N]
	out := Add(Mul(flat, OneMinus(swap)), nn.MatMul(swapSlot, buf))
	if scope.IsTraining(g) {
		write := Add(fill, swapSlot) // one 1 at most per row and per column
		written := Reshape(ReduceSum(write, 0), n, 1)
		imgVar.SetNodeValue(Add(Mul(buf, OneMinus(written)), nn.MatMul(Transpose(write, 0, 1), flat)))
		countVar.SetNodeValue(Min(AddScalar(count, float64(b)), Scalar(g, dt, float64(n))))
	}
	return Reshape(out, dims...)
}

// Generator is G: A → B on the condition's domain-A images (z is ignored).
func Generator() gan.Generator {
	return func(scope *model.Scope, _ *Node, c gan.Cond) *Node {
		return Translator(scope.At(AB), c[CondA])
	}
}

// Discriminator is D_B, its patch scores averaged per image ([B]; the losses use the patches themselves).
func Discriminator() gan.Discriminator {
	return func(scope *model.Scope, x *Node, _ gan.Cond) (*Node, gan.Cond) {
		p := Patches(scope.At("b"), x)
		return ReduceMean(p, 1, 2, 3), nil
	}
}

// nets holds the graphs one step's terms share: the terms of a step run one after the other on the same Pass, and
// the first to run builds what the others read.
type nets struct {
	mu   sync.Mutex
	pass *gan.Pass
	n    map[string]*Node
}

// get returns the nodes of the step p, building them with build once per Pass.
func (s *nets) get(p *gan.Pass, build func(p *gan.Pass) map[string]*Node) map[string]*Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pass != p {
		s.pass, s.n = p, build(p)
	}
	return s.n
}

// translators returns G and F in the step's root scope.
func translators(p *gan.Pass) (g, f func(*Node) *Node) {
	gs := p.Scope.At(gan.GeneratorScope)
	return func(x *Node) *Node { return Translator(gs.At(AB), x) },
		func(x *Node) *Node { return Translator(gs.At(BA), x) }
}

// gForward is G's step: the fakes, their reconstructions and the identity images.
func gForward(p *gan.Pass) map[string]*Node {
	g, f := translators(p)
	a, b := p.FakeCond[CondA], p.FakeCond[CondB]
	ds := p.Scope.At(gan.DiscriminatorScope)
	fakeB := p.Fake // G(a), made by the trainer
	fakeA := f(b)
	out := map[string]*Node{
		"adv_b": LSGAN(Patches(ds.At("b"), fakeB), 1),
		"adv_a": LSGAN(Patches(ds.At("a"), fakeA), 1),
		"cycle": Add(L1(f(fakeB), a), L1(g(fakeA), b)),
	}
	if model.GetParamOr(p.Scope, ParamIdentityLambda, IdentityLambda) != 0 {
		out["identity"] = Add(L1(g(b), b), L1(f(a), a))
	}
	return out
}

// dForward is D's step: each D's loss on real images and on its buffer's mix of fakes.
func dForward(p *gan.Pass) map[string]*Node {
	_, f := translators(p)
	ds := p.Scope.At(gan.DiscriminatorScope)
	realB, realA := p.Real, p.FakeCond[CondA]
	fakeA := StopGradient(f(realB))
	return map[string]*Node{
		"d_b": LSGANDiscriminator(Patches(ds.At("b"), realB), Patches(ds.At("b"), Pool(ds.At("pool_b"), p.Fake))),
		"d_a": LSGANDiscriminator(Patches(ds.At("a"), realA), Patches(ds.At("a"), Pool(ds.At("pool_a"), fakeA))),
	}
}

// terms returns D's and G's terms.
func terms() (dTerms, gTerms []gan.Term) {
	dn, gn := &nets{}, &nets{}
	term := func(s *nets, build func(*gan.Pass) map[string]*Node, name, lambda string, def float64) gan.Term {
		return gan.Term{Name: name, Loss: func(p *gan.Pass) (add, record *Node) {
			v := s.get(p, build)[name]
			if v == nil {
				return nil, nil
			}
			if lambda == "" {
				return v, v
			}
			return MulScalar(v, model.GetParamOr(p.Scope, lambda, def)), v
		}}
	}
	dTerms = []gan.Term{term(dn, dForward, "d_b", "", 0), term(dn, dForward, "d_a", "", 0)}
	gTerms = []gan.Term{term(gn, gForward, "adv_b", "", 0), term(gn, gForward, "adv_a", "", 0),
		term(gn, gForward, "cycle", ParamCycleLambda, CycleLambda),
		term(gn, gForward, "identity", ParamIdentityLambda, IdentityLambda)}
	return dTerms, gTerms
}

// New returns CycleGAN (named "cyclegan") for size×size×channels images (size a multiple of 4) between MNIST
// (domain A) and sklearn-digits (domain B), loaded from their train splits on first use (NewWith gives the
// domains directly).
func New(size, channels int) gan.Variant {
	return NewWith(&Domains{NameA: "mnist", NameB: data.SKDigitsName}, size, channels)
}

// NewWith is New with the domains d.
func NewWith(d *Domains, size, channels int) gan.Variant {
	if size%4 != 0 || size < 8 {
		exceptions.Panicf("cyclegan: image size %d is not a multiple of 4 (at least 8)", size)
	}
	dTerms, gTerms := terms()
	return gan.Variant{
		Name:          "cyclegan",
		Height:        size,
		Width:         size,
		Channels:      channels,
		Prior:         gan.Prior{LatentDim: 1, Noise: gan.Normal, Condition: d},
		Generator:     Generator(),
		Discriminator: Discriminator(),
		Loss:          Loss(),
		DTerms:        dTerms,
		GTerms:        gTerms,
		Settings: gan.Settings{
			gan.SettingBatchSize: BatchSize,
			"learning_rate":      LearningRate,
			"adam_beta1":         Beta1,
			ParamCycleLambda:     CycleLambda,
			ParamIdentityLambda:  IdentityLambda,
			ParamPoolSize:        PoolSize,
		},
	}
}

// Domains is CycleGAN's condition: the two domains' training images, from which every batch draws its "a" and
// "b" images (uniformly, with the step's rng). A and B are loaded by name (data.Load, train split) on first use
// unless set.
type Domains struct {
	NameA, NameB string
	A, B         *data.Images
	once         sync.Once
	err          error
}

// Load loads A and B by name where they are not set; the error names the dataset.
func (d *Domains) Load() error {
	d.once.Do(func() {
		for _, x := range []struct {
			im   **data.Images
			name string
		}{{&d.A, d.NameA}, {&d.B, d.NameB}} {
			if *x.im != nil {
				continue
			}
			im, err := data.Load(x.name, "train")
			if err != nil {
				d.err = fmt.Errorf("cyclegan domain %s: %w", x.name, err)
				return
			}
			*x.im = im
		}
	})
	return d.err
}

func (d *Domains) mustLoad() {
	if err := d.Load(); err != nil {
		panic(err)
	}
}

// batch returns the images idx of im as a tensor [len(idx), H, W, C] scaled to [-1, 1].
func batch(im *data.Images, idx []int) *tensors.Tensor {
	size := im.ImageSize()
	out := make([]float32, 0, len(idx)*size)
	for _, i := range idx {
		for _, v := range im.Image(i) {
			out = append(out, 2*v-1)
		}
	}
	return tensors.FromFlatDataAndDimensions(out, len(idx), im.H, im.W, im.C)
}

// Draw draws b images of each domain, uniformly with replacement.
func (d *Domains) Draw(rng *rand.Rand, b int) gan.Values {
	d.mustLoad()
	ia, ib := make([]int, b), make([]int, b)
	for i := range b {
		ia[i], ib[i] = rng.IntN(d.A.N), rng.IntN(d.B.N)
	}
	return gan.Values{CondA: batch(d.A, ia), CondB: batch(d.B, ib)}
}

// Real is the real images' condition: none (D_B judges them alone).
func (d *Domains) Real(labels []int, b int) (gan.Values, error) { return gan.Values{}, nil }

// Fixed is the sample grid's condition: count images of each domain spread evenly over its set.
func (d *Domains) Fixed(count int) gan.Values {
	d.mustLoad()
	spread := func(n int) []int {
		idx := make([]int, count)
		for i := range idx {
			idx[i] = i * n / count
		}
		return idx
	}
	return gan.Values{CondA: batch(d.A, spread(d.A.N)), CondB: batch(d.B, spread(d.B.N))}
}

// Translate runs a trained translator in inference mode: dir AB (G: A → B) or BA (F: B → A) on count images NHWC
// in [-1, 1] (len count·H·W·C), returning the translations in [-1, 1].
func Translate(tr *gan.Trainer, dir string, images []float32) (out []float32, err error) {
	if dir != AB && dir != BA {
		return nil, fmt.Errorf("cyclegan.Translate: direction %q, want %q or %q", dir, AB, BA)
	}
	v := tr.Variant
	size := v.Height * v.Width * v.Channels
	count := len(images) / size
	if count == 0 || count*size != len(images) {
		return nil, fmt.Errorf("cyclegan.Translate: %d values are not whole %d×%d×%d images", len(images), v.Height, v.Width, v.Channels)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cyclegan.Translate: %v", r)
		}
	}()
	exec, err := model.NewExec(tr.Backend, tr.Scope.Store(), func(scope *model.Scope, x *Node) *Node {
		return Translator(scope.At(gan.GeneratorScope).At("%s", dir), x)
	})
	if err != nil {
		return nil, err
	}
	res, err := exec.Call(tensors.FromFlatDataAndDimensions(images, count, v.Height, v.Width, v.Channels))
	if err != nil {
		return nil, err
	}
	defer res[0].FinalizeAll()
	return tensors.CopyFlatData[float32](res[0])
}
