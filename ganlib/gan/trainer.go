package gan

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/ganlab/ganlab/ganlib/optim"

	. "github.com/gomlx/gomlx/core/graph"
)

// Scopes of the two players. Each player's optimizer is given its player's scope: GoMLX's optimizers update only
// the trainable variables under the scope they are given (so a D step leaves G alone) and keep their learning rate
// and step counter there (so the two players share neither), e.g. /discriminator/optimizers/learning_rate and
// /discriminator/AdamOptimizer/step (DESIGN §4).
const (
	GeneratorScope     = "generator"
	DiscriminatorScope = "discriminator"
)

// Config holds what a run needs besides its settings (Settings): how it is seeded and split. Zero values take
// the defaults.
type Config struct {
	// Seed makes a run reproducible: batches, noise, conditions, initial weights and dropout all derive from it.
	Seed uint64
	// Settings the user gives, over the variant's defaults (see Settings), e.g.
	// gan.Settings{"learning_rate": 1e-3, "batch_size": 32}.
	Settings Settings
	// FixedSamples is how many fixed noise vectors are kept for sample grids (default 10, the lecture's 2×5 grid).
	FixedSamples int
	// Devices > 1 trains data-parallel on that many devices of the backend: the batch (a multiple of Devices) is
	// split across them, variables are replicated (parallel.go, docs/multi-device.md). 0 or 1: one device.
	Devices int
}

// Record is one line of the training history.
type Record struct {
	Step  int     `json:"step"`  // generator steps taken so far, counting this one (1-based)
	Epoch float64 `json:"epoch"` // fractional epochs of real data seen
	DLoss float64 `json:"d_loss"`
	GLoss float64 `json:"g_loss"`
	DReal float64 `json:"d_real"` // mean D(x) on the real batch, in [0, 1]
	DFake float64 `json:"d_fake"` // mean D(G(z)) on the fake batch seen by the last D step, in [0, 1]
	// WEstimate is mean(logit on real) − mean(logit on fake) in the last D step: for a WGAN critic, its estimate of
	// the Wasserstein distance (−D loss); for other variants, the gap between D's scores.
	WEstimate float64 `json:"w_estimate"`
	// Terms are the values the variant's loss terms record (Term.Name), from the last D step and the G step,
	// e.g. WGAN-GP's "grad_norm" (the mean ‖∇D(x̂)‖₂) or InfoGAN's "mi_loss". In JSON they sit beside the fields
	// above.
	Terms map[string]float64 `json:"-"`
}

// Callback is called after every generator step with the record of that step. Returning an error stops training
// with that error (ErrStop stops it cleanly).
type Callback func(t *Trainer, r Record) error

// ErrStop can be returned by a Callback to end training early without an error.
var ErrStop = errors.New("training stopped by callback")

// Trainer plays the adversarial game of a Variant on one backend: two compiled steps (D and G), each updating
// only its own player's variables.
type Trainer struct {
	Backend compute.Backend
	// Scope is the root scope of the trainer's model.Store: both players' networks and optimizer state (under
	// GeneratorScope and DiscriminatorScope), the settings, the RNG state and the global step.
	Scope   *model.Scope
	Variant Variant
	Config  Config

	// Data holds real images, already scaled to the generator's output range [-1, 1], NHWC, len N·H·W·C.
	data   []float32
	n      int
	labels []int // class of each real image (SetLabels), for a variant whose condition needs them

	// History of every step taken (also across resumes).
	History []Record
	// FixedNoise [FixedSamples·LatentDim] used for sample grids; part of the checkpoint.
	FixedNoise []float32

	explicit  Settings    // the user's settings (Config.Settings), which win over a checkpoint's
	dProbe    *layerProbe // layer outputs probed by the D and G step graphs (see probe.go)
	gProbe    *layerProbe
	step      int // generator steps taken
	dStep     *model.Exec
	gStep     *model.Exec
	sampler   *model.Exec
	judge     *model.Exec
	judges    map[string]*judgeExec // Judge's, by the names of the condition it is given
	dTerms    []string              // names of the values D's and G's steps record, in output order
	gTerms    []string
	epochPerm []int
	permEpoch int
	realBuf   []float32
	labelBuf  []int
}

// New creates a trainer for variant on backend, with freshly initialised networks (seeded by cfg.Seed) and the
// settings of the variant overridden by cfg.Settings.
func New(backend compute.Backend, variant Variant, cfg Config) (*Trainer, error) {
	if variant.Generator == nil || variant.Discriminator == nil {
		return nil, fmt.Errorf("gan.New: variant %q needs a Generator and a Discriminator", variant.Name)
	}
	if variant.LatentDim <= 0 || variant.Height <= 0 || variant.Width <= 0 || variant.Channels <= 0 {
		return nil, fmt.Errorf("gan.New: variant %q has invalid dims: latent %d, image %dx%dx%d",
			variant.Name, variant.LatentDim, variant.Height, variant.Width, variant.Channels)
	}
	if variant.Loss.Discriminator == nil {
		variant.Loss = NonSaturating()
	}
	if cfg.FixedSamples <= 0 {
		cfg.FixedSamples = 10
	}
	t := &Trainer{
		Backend: backend,
		Scope:   model.NewStore().RootScope(),
		Variant: variant,
		Config:  cfg,
	}
	if err := t.installSettings(); err != nil {
		return nil, err
	}
	if b := t.batchSize(); b < 1 {
		return nil, fmt.Errorf("gan.New: batch_size %d, want >= 1", b)
	}
	if err := checkDevices(backend, cfg.Devices, t.batchSize()); err != nil {
		return nil, err
	}
	if err := t.Scope.Store().SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, err
	}
	t.FixedNoise = t.noise(rand.New(rand.NewPCG(cfg.Seed, 0xF1CED)), cfg.FixedSamples)
	t.permEpoch = -1
	return t, nil
}

// Step is the number of generator steps taken so far.
func (t *Trainer) Step() int { return t.step }

// BatchSize is the batch_size setting: real images per D step, noise vectors per step.
func (t *Trainer) BatchSize() int { return t.batchSize() }

// SetData gives the trainer its real images: pixels NHWC with values in [lo, hi], which are mapped linearly to
// the generator's range [-1, 1]. Their size must match the variant's.
func (t *Trainer) SetData(pixels []float32, n, h, w, c int, lo, hi float32) error {
	v := t.Variant
	if h != v.Height || w != v.Width || c != v.Channels {
		return fmt.Errorf("data images are %dx%dx%d but variant %q makes %dx%dx%d", h, w, c, v.Name, v.Height, v.Width, v.Channels)
	}
	if len(pixels) != n*h*w*c || n == 0 {
		return fmt.Errorf("data holds %d values, want %d images × %d×%d×%d", len(pixels), n, h, w, c)
	}
	if n < t.batchSize() {
		return fmt.Errorf("data has %d images, fewer than the batch size %d", n, t.batchSize())
	}
	scale := 2 / (hi - lo)
	t.labels = nil
	t.data = make([]float32, len(pixels))
	for i, p := range pixels {
		t.data[i] = (p-lo)*scale - 1
	}
	t.n = n
	t.permEpoch = -1
	return nil
}

// SetLabels gives the trainer the class of every real image set by SetData (same order): a variant whose
// condition needs them (a conditional GAN) shows D each real image with its own. Call it after SetData.
func (t *Trainer) SetLabels(labels []int) error {
	if t.n == 0 {
		return fmt.Errorf("SetLabels: call SetData first")
	}
	if c := t.Variant.Condition; c != nil {
		if _, err := c.Real(labels, len(labels)); err != nil {
			return fmt.Errorf("SetLabels: %w", err)
		}
	}
	if len(labels) != t.n {
		return fmt.Errorf("SetLabels: %d labels for %d images", len(labels), t.n)
	}
	t.labels = append([]int(nil), labels...)
	return nil
}

// StepsPerEpoch is ⌊N/B⌋: the number of steps in one pass over the real data.
func (t *Trainer) StepsPerEpoch() int {
	if t.n == 0 {
		return 0
	}
	return t.n / t.batchSize()
}

func (t *Trainer) imageSize() int { return t.Variant.Height * t.Variant.Width * t.Variant.Channels }

// realBatch returns the batch of real images for D step number dStep (0-based): epochs are shuffled with a
// permutation derived from the seed and the epoch number, so a run is reproducible and a resumed run sees the
// same batches as an uninterrupted one. The batch's labels are left in t.labelBuf when the data has labels.
func (t *Trainer) realBatch(dStep int) []float32 {
	b := t.batchSize()
	spe := t.StepsPerEpoch()
	epoch, offset := dStep/spe, (dStep%spe)*b
	if epoch != t.permEpoch {
		t.epochPerm = rand.New(rand.NewPCG(t.Config.Seed^0x5EED, uint64(epoch))).Perm(t.n)
		t.permEpoch = epoch
	}
	size := t.imageSize()
	if len(t.realBuf) != b*size {
		t.realBuf = make([]float32, b*size)
	}
	if t.labels != nil && len(t.labelBuf) != b {
		t.labelBuf = make([]int, b)
	}
	for i := range b {
		idx := t.epochPerm[offset+i]
		copy(t.realBuf[i*size:(i+1)*size], t.data[idx*size:(idx+1)*size])
		if t.labels != nil {
			t.labelBuf[i] = t.labels[idx]
		}
	}
	return t.realBuf
}

// condNames are the sorted names of a condition: the order its tensors are graph inputs in.
func condNames(v Values) []string { return slices.Sorted(maps.Keys(v)) }

// flatten appends a condition's tensors in condNames order.
func flatten(args []*tensors.Tensor, v Values) []*tensors.Tensor {
	for _, k := range condNames(v) {
		args = append(args, v[k])
	}
	return args
}

// unflatten reads a condition with the given names from the front of in and returns the rest.
func unflatten(in []*Node, names []string) (Cond, []*Node) {
	c := Cond{}
	for i, k := range names {
		c[k] = in[i]
	}
	return c, in[len(names):]
}

// draw draws count noise vectors and, for a conditional variant, their condition, from rng (z first).
func (t *Trainer) draw(rng *rand.Rand, count int) ([]float32, Values) {
	z := t.noise(rng, count)
	if t.Variant.Condition == nil {
		return z, nil
	}
	return z, t.Variant.Condition.Draw(rng, count)
}

// realCond is the condition of the real batch last built by realBatch.
func (t *Trainer) realCond() (Values, error) {
	c := t.Variant.Condition
	if c == nil {
		return nil, nil
	}
	var labels []int
	if t.labels != nil {
		labels = t.labelBuf
	}
	return c.Real(labels, t.batchSize())
}

// gInputs are the inputs of a G call: z [count, LatentDim], then the condition.
func (t *Trainer) gInputs(z []float32, c Values) []*tensors.Tensor {
	count := len(z) / t.Variant.LatentDim
	return flatten([]*tensors.Tensor{tensors.FromFlatDataAndDimensions(z, count, t.Variant.LatentDim)}, c)
}

// dInputs are the inputs of D step number dIndex: the real batch and its condition, then G's inputs drawn from rng.
// It also returns the names of the two conditions, which shape the graph.
func (t *Trainer) dInputs(dIndex int, rng *rand.Rand) ([]*tensors.Tensor, error) {
	v, b := t.Variant, t.batchSize()
	args := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(t.realBatch(dIndex), b, v.Height, v.Width, v.Channels)}
	rc, err := t.realCond()
	if err != nil {
		return nil, fmt.Errorf("variant %q: %w", v.Name, err)
	}
	args = flatten(args, rc)
	z, fc := t.draw(rng, b)
	return append(args, t.gInputs(z, fc)...), nil
}

// noise draws count latent vectors from the variant's prior.
func (t *Trainer) noise(rng *rand.Rand, count int) []float32 {
	z := make([]float32, count*t.Variant.LatentDim)
	for i := range z {
		if t.Variant.Noise == Uniform {
			z[i] = float32(rng.Float64()*2 - 1)
		} else {
			z[i] = float32(rng.NormFloat64())
		}
	}
	return z
}

// generate runs G on z and the fakes' condition.
func (t *Trainer) generate(scope *model.Scope, z *Node, c Cond) *Node {
	v := t.Variant
	fake := v.Generator(scope.At(GeneratorScope), z, c)
	fake.AssertDims(z.Shape().Dimensions[0], v.Height, v.Width, v.Channels)
	return fake
}

// critic runs D on images x with their condition and returns its logits [B] and heads.
func (t *Trainer) critic(scope *model.Scope, x *Node, c Cond) (*Node, Cond) {
	logits, heads := t.Variant.Discriminator(scope.At(DiscriminatorScope), x, c)
	if logits.Rank() == 2 && logits.Shape().Dimensions[1] == 1 {
		logits = Reshape(logits, logits.Shape().Dimensions[0])
	}
	if logits.Rank() != 1 {
		panic(fmt.Sprintf("variant %q: discriminator must return logits [B] or [B,1], got %s", t.Variant.Name, logits.Shape()))
	}
	return logits, heads
}

// condNames tells the names of the real and fake conditions (the graphs' inputs after x and z), asking the
// condition for those of one image of label 0.
func (t *Trainer) condNames() (real, fake []string, err error) {
	c := t.Variant.Condition
	if c == nil {
		return nil, nil, nil
	}
	rc, err := c.Real([]int{0}, 1)
	if err != nil {
		return nil, nil, err
	}
	return condNames(rc), condNames(c.Fixed(1)), nil
}

// addTerms adds the terms' values to loss and returns the loss and the recorded values (in names' order).
func addTerms(terms []Term, p *Pass, probe *layerProbe, loss *Node) (*Node, []string, []*Node) {
	var names []string
	var recorded []*Node
	for _, term := range terms {
		probe.pass = "term " + term.Name
		add, rec := term.Loss(p)
		if add != nil {
			loss = Add(loss, ConvertDType(add, loss.DType()))
		}
		if rec != nil {
			names = append(names, term.Name)
			recorded = append(recorded, ConvertDType(rec, dtypes.Float32))
		}
	}
	return loss, names, recorded
}

// optimizerOf builds a player's optimizer from its settings.
func (t *Trainer) optimizerOf(player string) optimizer.Interface {
	opt, err := optim.FromScope(t.Scope.At("%s", player))
	if err != nil {
		panic(err)
	}
	return opt
}

// dStepGraph: one discriminator update on a real batch and G(z), G frozen. Inputs: see dInputs. Outputs: D loss
// (with its terms), mean D(x), mean D(G(z)), the layer probe, the logit gap (Record.WEstimate), then the values
// D's terms record.
func (t *Trainer) dStepGraph(scope *model.Scope, in []*Node) []*Node {
	v := t.Variant
	realNames, fakeNames, err := t.condNames()
	if err != nil {
		panic(err)
	}
	real, in := in[0], in[1:]
	realCond, in := unflatten(in, realNames)
	z, in := in[0], in[1:]
	fakeCond, _ := unflatten(in, fakeNames)
	g := real.Graph()
	scope.Store().SetTraining(g, true)
	probe := startProbe(scope, g)
	t.dProbe = probe
	probe.pass = "G(z)"
	fake := StopGradient(t.generate(scope, z, fakeCond))
	// The lecture's slide feeds D concat(real, fake) with labels [1…1, 0…0]; for a D without batch statistics that
	// is the same as two calls, which avoid Slice/Concatenate, whose gradients GoMLX's pure-Go backend lacks.
	probe.pass = "D(x)"
	realLogits, realHeads := t.critic(scope, real, realCond)
	probe.pass = "D(G(z))"
	fakeLogits, fakeHeads := t.critic(scope, fake, fakeCond)
	loss := v.Loss.Discriminator(realLogits, fakeLogits)
	gap := Sub(ReduceAllMean(realLogits), ReduceAllMean(fakeLogits))
	pass := &Pass{Scope: scope, Z: z, Real: real, Fake: fake, RealCond: realCond, FakeCond: fakeCond,
		RealLogits: realLogits, FakeLogits: fakeLogits, RealHeads: realHeads, FakeHeads: fakeHeads,
		D: func(x *Node, c Cond) *Node { l, _ := t.critic(scope, x, c); return l },
		G: func(z *Node, c Cond) *Node { return t.generate(scope, z, c) }}
	loss, names, recorded := addTerms(v.DTerms, pass, probe, loss)
	t.dTerms = names
	t.optimizerOf(DiscriminatorScope).UpdateGraph(scope.At(DiscriminatorScope), g, loss)
	for _, c := range v.DConstraints {
		c(scope, g)
	}
	return append([]*Node{loss, ReduceAllMean(Sigmoid(realLogits)), ReduceAllMean(Sigmoid(fakeLogits)), probe.output(g), gap}, recorded...)
}

// gStepGraph: one generator update through the frozen discriminator. Inputs: see gInputs. Outputs: G loss (with
// its terms), the layer probe, then the values G's terms record.
func (t *Trainer) gStepGraph(scope *model.Scope, in []*Node) []*Node {
	_, fakeNames, err := t.condNames()
	if err != nil {
		panic(err)
	}
	z, in := in[0], in[1:]
	fakeCond, _ := unflatten(in, fakeNames)
	g := z.Graph()
	scope.Store().SetTraining(g, true)
	probe := startProbe(scope, g)
	t.gProbe = probe
	probe.pass = "G(z)"
	fake := t.generate(scope, z, fakeCond)
	probe.pass = "D(G(z))"
	logits, heads := t.critic(scope, fake, fakeCond)
	loss := t.Variant.Loss.Generator(logits)
	pass := &Pass{Scope: scope, Z: z, Fake: fake, FakeCond: fakeCond, FakeLogits: logits, FakeHeads: heads,
		D: func(x *Node, c Cond) *Node { l, _ := t.critic(scope, x, c); return l },
		G: func(z *Node, c Cond) *Node { return t.generate(scope, z, c) }}
	loss, names, recorded := addTerms(t.Variant.GTerms, pass, probe, loss)
	t.gTerms = names
	t.optimizerOf(GeneratorScope).UpdateGraph(scope.At(GeneratorScope), g, loss)
	for _, c := range t.Variant.GConstraints {
		c(scope, g)
	}
	return append([]*Node{loss, probe.output(g)}, recorded...)
}

func (t *Trainer) compile() error {
	if t.dStep != nil {
		return nil
	}
	var err error
	if t.dStep, err = model.NewExec(t.Backend, t.Scope.Store(), t.dStepGraph); err != nil {
		return err
	}
	if t.gStep, err = model.NewExec(t.Backend, t.Scope.Store(), t.gStepGraph); err != nil {
		return err
	}
	if err = t.distribute(); err != nil {
		return err
	}
	t.sampler, err = model.NewExec(t.Backend, t.Scope.Store(), func(scope *model.Scope, in []*Node) *Node {
		_, fakeNames, err := t.condNames()
		if err != nil {
			panic(err)
		}
		c, _ := unflatten(in[1:], fakeNames)
		return t.generate(scope, in[0], c)
	})
	return err
}

// NonFiniteError reports a loss that became NaN or ±Inf.
type NonFiniteError struct {
	Loss  string
	Step  int
	Value float64
	// Layer names the first layer output in that step's forward pass that held a NaN or Inf, e.g.
	// "/generator/006_dense in G(z) (50176 values, their sum NaN)"; empty when the networks are not probed
	// (not a models.Stack) or every layer output was finite (the loss itself overflowed).
	Layer string
}

func (e *NonFiniteError) Error() string {
	where := ""
	if e.Layer != "" {
		where = "; the first non-finite layer output was " + e.Layer
	}
	return fmt.Sprintf("training stopped: %s became %v at step %d%s; the last checkpoint (if any) holds the weights from before it. Lower the learning rate or check the data",
		e.Loss, e.Value, e.Step, where)
}

func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	panic(fmt.Sprintf("expected a float scalar, got %s", t.Shape()))
}

// checkFinite frees a step's outputs and returns a *NonFiniteError when the loss value is NaN or ±Inf, naming the
// first non-finite layer output that probe recorded in out[probeOut].
func checkFinite(loss string, step int, value float64, probe *layerProbe, out []*tensors.Tensor, probeOut int) error {
	var err error
	if math.IsNaN(value) || math.IsInf(value, 0) {
		err = &NonFiniteError{Loss: loss, Step: step, Value: value, Layer: probe.firstNonFinite(out[probeOut])}
	}
	for _, o := range out {
		o.FinalizeAll()
	}
	return err
}

// recordTerms copies the values the terms recorded (outputs from first on) into rec.
func recordTerms(rec *Record, names []string, out []*tensors.Tensor, first int) {
	for i, name := range names {
		if rec.Terms == nil {
			rec.Terms = map[string]float64{}
		}
		rec.Terms[name] = scalar(out[first+i])
	}
}

// TrainStep runs one generator step: critic_steps discriminator updates, then one generator update. It returns
// the step's record, or a *NonFiniteError naming the loss and step when a loss is NaN or Inf.
func (t *Trainer) TrainStep() (rec Record, err error) {
	if t.n == 0 {
		return rec, errors.New("gan.Trainer: no data; call SetData first")
	}
	if err := t.compile(); err != nil {
		return rec, err
	}
	defer func() {
		// Graph building and execution report errors by panicking (GoMLX's convention).
		if r := recover(); r != nil {
			err = fmt.Errorf("gan step %d: %v", t.step+1, r)
		}
	}()
	k := t.criticSteps()
	stepNum := t.step + 1
	for i := range k {
		dIndex := t.step*k + i
		rng := rand.New(rand.NewPCG(t.Config.Seed, uint64(2*dIndex+1)))
		args, err := t.dInputs(dIndex, rng)
		if err != nil {
			return rec, err
		}
		out, err := t.dStep.Call(t.shard(args...)...)
		if err != nil {
			return rec, err
		}
		rec.DLoss, rec.DReal, rec.DFake, rec.WEstimate = scalar(out[0]), scalar(out[1]), scalar(out[2]), scalar(out[4])
		recordTerms(&rec, t.dTerms, out, 5)
		if err := checkFinite("discriminator loss", stepNum, rec.DLoss, t.dProbe, out, 3); err != nil {
			return rec, err
		}
	}
	rng := rand.New(rand.NewPCG(t.Config.Seed, uint64(2*t.step+2)|1<<62))
	out, err := t.gStep.Call(t.shard(t.gInputs(t.draw(rng, t.batchSize()))...)...)
	if err != nil {
		return rec, err
	}
	rec.GLoss = scalar(out[0])
	recordTerms(&rec, t.gTerms, out, 2)
	if err := checkFinite("generator loss", stepNum, rec.GLoss, t.gProbe, out, 1); err != nil {
		return rec, err
	}
	t.step = stepNum
	rec.Step = t.step
	rec.Epoch = float64(t.step*k) / float64(t.StepsPerEpoch())
	t.History = append(t.History, rec.clone())
	return rec, nil
}

// Train runs generator steps until Step() reaches totalSteps (so a resumed trainer continues where it stopped),
// calling each callback after every step. It stops at the first error, which it returns; ErrStop from a callback
// ends training without error.
func (t *Trainer) Train(totalSteps int, callbacks ...Callback) error {
	for t.step < totalSteps {
		rec, err := t.TrainStep()
		if err != nil {
			return err
		}
		for _, cb := range callbacks {
			if cb == nil {
				continue
			}
			if err := cb(t, rec); err != nil {
				if errors.Is(err, ErrStop) {
					return nil
				}
				return err
			}
		}
	}
	return nil
}

// Generate runs G in inference mode on the given noise z (len count·LatentDim) and returns count images NHWC with
// values in [-1, 1]. A conditional variant's images get the condition of its fixed grid (Condition.Fixed).
func (t *Trainer) Generate(z []float32) ([]float32, error) {
	var c Values
	if t.Variant.Condition != nil {
		c = t.Variant.Condition.Fixed(len(z) / t.Variant.LatentDim)
	}
	return t.GenerateWith(z, c)
}

// GenerateWith runs G in inference mode on noise z (len count·LatentDim) with the given condition (nil for an
// unconditional variant; each tensor [count, …], with the names the variant's Condition uses). It returns count
// images NHWC in [-1, 1].
func (t *Trainer) GenerateWith(z []float32, c Values) (images []float32, err error) {
	v := t.Variant
	count := len(z) / v.LatentDim
	if count == 0 || count*v.LatentDim != len(z) {
		return nil, fmt.Errorf("GenerateWith: %d noise values are not whole vectors of %d", len(z), v.LatentDim)
	}
	if err := t.compile(); err != nil {
		return nil, err
	}
	_, names, err := t.condNames()
	if err != nil {
		return nil, err
	}
	if !slices.Equal(names, condNames(c)) {
		return nil, fmt.Errorf("GenerateWith: variant %q's condition has %v, got %v", v.Name, names, condNames(c))
	}
	for k, x := range c {
		if x.Shape().Rank() == 0 || x.Shape().Dimensions[0] != count {
			return nil, fmt.Errorf("GenerateWith: condition %s is %s, want %d rows", k, x.Shape(), count)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("GenerateWith: %v", r)
		}
	}()
	var args []any
	for _, a := range t.gInputs(z, c) {
		args = append(args, a)
	}
	out, err := t.sampler.Call(args...)
	if err != nil {
		return nil, err
	}
	defer out[0].FinalizeAll()
	return tensors.CopyFlatData[float32](out[0])
}

// Judge runs D in inference mode on count images x (NHWC, values in G's range [-1, 1]) with their condition (nil
// for an unconditional variant) and returns its logits [count] and its heads (flattened, by name).
func (t *Trainer) Judge(x []float32, c Values) (logits []float32, heads map[string][]float32, err error) {
	if err := t.compile(); err != nil {
		return nil, nil, err
	}
	v := t.Variant
	count := len(x) / t.imageSize()
	if count == 0 || count*t.imageSize() != len(x) {
		return nil, nil, fmt.Errorf("Judge: %d values are not whole %dx%dx%d images", len(x), v.Height, v.Width, v.Channels)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("Judge: variant %q: %v", v.Name, r)
		}
	}()
	names := condNames(c)
	key := strings.Join(names, ",")
	j := t.judges[key]
	if j == nil {
		j = &judgeExec{}
		j.exec, err = model.NewExec(t.Backend, t.Scope.Store(), func(scope *model.Scope, in []*Node) []*Node {
			cond, _ := unflatten(in[1:], names)
			logits, heads := t.critic(scope, in[0], cond)
			out := []*Node{logits}
			j.heads = slices.Sorted(maps.Keys(heads))
			for _, h := range j.heads {
				out = append(out, heads[h])
			}
			return out
		})
		if err != nil {
			return nil, nil, err
		}
		if t.judges == nil {
			t.judges = map[string]*judgeExec{}
		}
		t.judges[key] = j
	}
	exec := j.exec
	args := []any{tensors.FromFlatDataAndDimensions(x, count, v.Height, v.Width, v.Channels)}
	for _, k := range names {
		args = append(args, c[k])
	}
	out, err := exec.Call(args...)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		for _, o := range out {
			o.FinalizeAll()
		}
	}()
	logits = tensors.MustCopyFlatData[float32](out[0])
	heads = map[string][]float32{}
	for i, h := range j.heads {
		heads[h] = tensors.MustCopyFlatData[float32](out[1+i])
	}
	return logits, heads, nil
}

// judgeExec is a compiled D in inference mode and the names of its heads (known once its graph is built).
type judgeExec struct {
	exec  *model.Exec
	heads []string
}

// Discriminate runs D in inference mode on count images x (NHWC, len count·H·W·C, values in G's range [-1, 1])
// of an unconditional variant and returns D(x) = sigmoid(logit) for each, in [0, 1].
func (t *Trainer) Discriminate(x []float32) ([]float32, error) {
	if err := t.compile(); err != nil {
		return nil, err
	}
	v := t.Variant
	count := len(x) / t.imageSize()
	if count == 0 || count*t.imageSize() != len(x) {
		return nil, fmt.Errorf("Discriminate: %d values are not whole %dx%dx%d images", len(x), v.Height, v.Width, v.Channels)
	}
	if real, _, err := t.condNames(); err != nil || len(real) > 0 {
		return nil, fmt.Errorf("Discriminate: variant %q is conditional; D needs its condition (use Judge)", v.Name)
	}
	if t.judge == nil {
		var err error
		t.judge, err = model.NewExec(t.Backend, t.Scope.Store(), func(scope *model.Scope, x *Node) *Node {
			logits, _ := t.critic(scope, x, nil)
			return Sigmoid(logits)
		})
		if err != nil {
			return nil, err
		}
	}
	out, err := t.judge.Call(tensors.FromFlatDataAndDimensions(x, count, v.Height, v.Width, v.Channels))
	if err != nil {
		return nil, err
	}
	defer out[0].FinalizeAll()
	return tensors.CopyFlatData[float32](out[0])
}

// Samples returns G's images for the fixed noise (FixedSamples images, NHWC, values in [-1, 1]): the same z at
// every call, so grids from different steps show how the same samples evolve.
func (t *Trainer) Samples() ([]float32, error) { return t.Generate(t.FixedNoise) }

// RandomSamples returns count images from fresh noise drawn with the given seed.
// A conditional variant's condition is drawn from its prior too.
func (t *Trainer) RandomSamples(count int, seed uint64) ([]float32, error) {
	z, c := t.draw(rand.New(rand.NewPCG(seed, 0xA11CE)), count)
	return t.GenerateWith(z, c)
}

// VariableValues returns a copy of every float32 variable of a player's network (scope "generator" or
// "discriminator"), keyed by its path: for tests and inspection. The player's optimizer state, which lives in the
// same scope (see GeneratorScope), is left out.
func (t *Trainer) VariableValues(scope string) map[string][]float32 {
	out := map[string][]float32{}
	prefix := model.ScopeSeparator + scope
	for v := range t.Scope.Store().Scope(prefix).IterVariables() {
		if isOptimizerState(prefix, v) {
			continue
		}
		if val := v.MustValue(); val.DType() == dtypes.Float32 {
			out[v.Path()] = tensors.MustCopyFlatData[float32](val)
		}
	}
	return out
}

// optimizerStateScopes are the sub-scopes where the optimizers keep their state under the scope UpdateGraph is
// given: GoMLX's learning rate and Adam's step, ganlib's RMSProp and momentum (package optim).
var optimizerStateScopes = []string{optimizer.Scope, optimizer.AdamDefaultScope, optim.RMSPropScope, optim.MomentumScope}

// isOptimizerState reports whether v, a variable under the player scope prefix, belongs to its optimizer.
func isOptimizerState(prefix string, v *model.Variable) bool {
	rest := strings.TrimPrefix(v.Path(), prefix+model.ScopeSeparator)
	if rest == optim.MomentumStepName {
		return true
	}
	for _, s := range optimizerStateScopes {
		if strings.HasPrefix(rest, s+model.ScopeSeparator) {
			return true
		}
	}
	return false
}

// RunDiscriminatorStep and RunGeneratorStep run one update of a single player (for tests and teaching): the
// other player's variables are left untouched.
func (t *Trainer) RunDiscriminatorStep() (dLoss float64, err error) {
	if err := t.compile(); err != nil {
		return 0, err
	}
	args, err := t.dInputs(0, rand.New(rand.NewPCG(t.Config.Seed, 0xD)))
	if err != nil {
		return 0, err
	}
	out, err := t.dStep.Call(t.shard(args...)...)
	if err != nil {
		return 0, err
	}
	return scalar(out[0]), nil
}

// RunGeneratorStep: see RunDiscriminatorStep.
func (t *Trainer) RunGeneratorStep() (gLoss float64, err error) {
	if err := t.compile(); err != nil {
		return 0, err
	}
	out, err := t.gStep.Call(t.shard(t.gInputs(t.draw(rand.New(rand.NewPCG(t.Config.Seed, 0x6)), t.batchSize()))...)...)
	if err != nil {
		return 0, err
	}
	return scalar(out[0]), nil
}
