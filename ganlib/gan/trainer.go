package gan

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
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

// Config holds the trainer's settings. Zero values take the defaults of the lecture's Keras loop.
type Config struct {
	// BatchSize B of real images per D step (and of noise vectors per step). Default 64.
	BatchSize int
	// Seed makes a run reproducible: batches, noise, initial weights and dropout all derive from it.
	Seed uint64
	// DOptimizer and GOptimizer build each player's optimizer; default Adam(2e-4, β1 0.5) (Radford et al. 2015,
	// the lecture).
	DOptimizer, GOptimizer func() optimizer.Interface
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
	// GradNorm is what the variant's Penalty reports (WGAN-GP: the mean ‖∇D(x̂)‖₂) in the last D step.
	GradNorm float64 `json:"grad_norm,omitempty"`
	// MILoss is InfoGAN's mutual-information loss (unweighted) on the fakes of the last D step.
	MILoss float64 `json:"mi_loss,omitempty"`
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
	// GeneratorScope and DiscriminatorScope), the RNG state and the global step.
	Scope   *model.Scope
	Variant Variant
	Config  Config

	// Data holds real images, already scaled to the generator's output range [-1, 1], NHWC, len N·H·W·C.
	data   []float32
	n      int
	labels []int // class of each real image, for a conditional variant (SetLabels)

	// History of every step taken (also across resumes).
	History []Record
	// FixedNoise [FixedSamples·LatentDim] used for sample grids; part of the checkpoint.
	FixedNoise []float32

	dProbe    *layerProbe // layer outputs probed by the D and G step graphs (see probe.go)
	gProbe    *layerProbe
	step      int // generator steps taken
	dStep     *model.Exec
	gStep     *model.Exec
	sampler   *model.Exec
	judge     *model.Exec
	coder     *model.Exec
	dOpt      optimizer.Interface
	gOpt      optimizer.Interface
	epochPerm []int
	permEpoch int
	realBuf   []float32
	labelBuf  []int
}

// New creates a trainer for variant on backend, with freshly initialised networks (seeded by cfg.Seed).
func New(backend compute.Backend, variant Variant, cfg Config) (*Trainer, error) {
	if err := checkParts(variant); err != nil {
		return nil, err
	}
	if variant.LatentDim <= 0 || variant.Height <= 0 || variant.Width <= 0 || variant.Channels <= 0 {
		return nil, fmt.Errorf("gan.New: variant %q has invalid dims: latent %d, image %dx%dx%d",
			variant.Name, variant.LatentDim, variant.Height, variant.Width, variant.Channels)
	}
	if variant.Loss.Discriminator == nil {
		variant.Loss = NonSaturating()
	}
	if variant.CriticSteps <= 0 {
		variant.CriticSteps = 1
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 64
	}
	if err := checkDevices(backend, cfg); err != nil {
		return nil, err
	}
	if cfg.FixedSamples <= 0 {
		cfg.FixedSamples = 10
	}
	adam := func() optimizer.Interface {
		return optimizer.Adam().LearningRate(2e-4).Betas(0.5, 0.999).Done()
	}
	if cfg.DOptimizer == nil {
		cfg.DOptimizer = adam
	}
	if cfg.GOptimizer == nil {
		cfg.GOptimizer = adam
	}
	t := &Trainer{
		Backend: backend,
		Scope:   model.NewStore().RootScope(),
		Variant: variant,
		Config:  cfg,
		dOpt:    cfg.DOptimizer(),
		gOpt:    cfg.GOptimizer(),
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
	if n < t.Config.BatchSize {
		return fmt.Errorf("data has %d images, fewer than the batch size %d", n, t.Config.BatchSize)
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

// StepsPerEpoch is ⌊N/B⌋: the number of steps in one pass over the real data.
func (t *Trainer) StepsPerEpoch() int {
	if t.n == 0 {
		return 0
	}
	return t.n / t.Config.BatchSize
}

func (t *Trainer) imageSize() int { return t.Variant.Height * t.Variant.Width * t.Variant.Channels }

// realBatch returns the batch of real images for D step number dStep (0-based): epochs are shuffled with a
// permutation derived from the seed and the epoch number, so a run is reproducible and a resumed run sees the
// same batches as an uninterrupted one.
func (t *Trainer) realBatch(dStep int) []float32 {
	b := t.Config.BatchSize
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

// dArgs are the inputs of a D step: the real batch number dIndex (with its one-hot labels for a conditional
// variant), the noise and the fakes' condition drawn from rng.
func (t *Trainer) dArgs(dIndex int, rng *rand.Rand) ([]*tensors.Tensor, error) {
	v, b := t.Variant, t.Config.BatchSize
	if v.Classes > 0 && t.labels == nil {
		return nil, fmt.Errorf("variant %q is conditional (%d classes): give the real images' labels with SetLabels", v.Name, v.Classes)
	}
	args := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(t.realBatch(dIndex), b, v.Height, v.Width, v.Channels)}
	if v.Classes > 0 {
		args = append(args, tensors.FromFlatDataAndDimensions(oneHot(t.labelBuf, v.Classes), b, v.Classes))
	}
	return append(args, t.gArgs(rng)...), nil
}

// gArgs are the inputs of a G call in training: noise and condition drawn from rng (z first, so that the noise
// of a variant without condition is the same as before conditions existed).
func (t *Trainer) gArgs(rng *rand.Rand) []*tensors.Tensor {
	b := t.Config.BatchSize
	args := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(t.noise(rng, b), b, t.Variant.LatentDim)}
	return append(args, t.genArgs(t.drawCond(rng, b), true)...)
}

// checkParts checks that a variant has the networks its parts need.
func checkParts(v Variant) error {
	switch {
	case v.CondDim() == 0 && v.Generator == nil:
		return fmt.Errorf("gan.New: variant %q needs a Generator", v.Name)
	case v.CondDim() > 0 && v.ConditionalGenerator == nil:
		return fmt.Errorf("gan.New: variant %q has a condition (%d classes, codes %+v) and needs a ConditionalGenerator", v.Name, v.Classes, v.Codes)
	case v.Codes.HasCodes() && (v.InfoDiscriminator == nil || v.InfoLoss == nil):
		return fmt.Errorf("gan.New: variant %q has InfoGAN codes and needs an InfoDiscriminator and an InfoLoss", v.Name)
	case !v.Codes.HasCodes() && v.Classes > 0 && v.ConditionalDiscriminator == nil && v.InfoDiscriminator == nil:
		return fmt.Errorf("gan.New: variant %q is conditional and needs a ConditionalDiscriminator", v.Name)
	case v.Classes == 0 && !v.Codes.HasCodes() && v.Discriminator == nil:
		return fmt.Errorf("gan.New: variant %q needs a Discriminator", v.Name)
	case v.Codes.Categorical < 0 || v.Codes.Continuous < 0 || v.Classes < 0 || v.ClipWeights < 0:
		return fmt.Errorf("gan.New: variant %q has negative classes, codes or clipping", v.Name)
	}
	return nil
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

// generate runs G on z and, for a variant with a condition, c [B, CondDim].
func (t *Trainer) generate(scope *model.Scope, z, c *Node) *Node {
	v := t.Variant
	var fake *Node
	if c != nil {
		fake = v.ConditionalGenerator(scope.At(GeneratorScope), z, c)
	} else {
		fake = v.Generator(scope.At(GeneratorScope), z)
	}
	fake.AssertDims(z.Shape().Dimensions[0], v.Height, v.Width, v.Channels)
	return fake
}

// dStepGraph: one discriminator update on a real batch and G(z), G frozen. Inputs: see dArgs. Outputs: D loss
// (with the penalty and the weighted MI loss when the variant has them), mean D(x), mean D(G(z)), the layer probe,
// the logit gap (Record.WEstimate), the penalty's gradient norm and the MI loss (0 when absent).
func (t *Trainer) dStepGraph(scope *model.Scope, in []*Node) []*Node {
	v := t.Variant
	real, in := in[0], in[1:]
	var yReal *Node
	if v.Classes > 0 {
		yReal, in = in[0], in[1:]
	}
	s, _ := t.unpackGen(in, true)
	g := real.Graph()
	scope.Store().SetTraining(g, true)
	probe := startProbe(scope, g)
	t.dProbe = probe
	probe.pass = "G(z)"
	fake := StopGradient(t.generate(scope, s.z, s.c))
	// The lecture's slide feeds D concat(real, fake) with labels [1…1, 0…0]; for a D without batch statistics that
	// is the same as two calls, which avoid Slice/Concatenate, whose gradients GoMLX's pure-Go backend lacks.
	probe.pass = "D(x)"
	realLogits, _, _ := t.critic(scope, real, yReal)
	probe.pass = "D(G(z))"
	fakeLogits, qCat, qCont := t.critic(scope, fake, s.y)
	loss := v.Loss.Discriminator(realLogits, fakeLogits)
	gap := Sub(ReduceAllMean(realLogits), ReduceAllMean(fakeLogits))
	var gradNorm *Node
	if v.Penalty != nil {
		probe.pass = "D(x̂)"
		critic := func(x *Node) *Node {
			logits, _, _ := t.critic(scope, x, yReal)
			return logits
		}
		var penalty *Node
		penalty, gradNorm = v.Penalty(scope, critic, real, fake)
		loss = Add(loss, penalty)
	}
	mi, miRaw := t.infoLoss(s, qCat, qCont)
	if mi != nil {
		loss = Add(loss, mi)
	}
	t.dOpt.UpdateGraph(scope.At(DiscriminatorScope), g, loss)
	if v.ClipWeights > 0 {
		ClipVariables(scope, g, DiscriminatorScope, v.ClipWeights)
	}
	return []*Node{loss, ReduceAllMean(Sigmoid(realLogits)), ReduceAllMean(Sigmoid(fakeLogits)), probe.output(g),
		gap, scalarOr(g, gradNorm), scalarOr(g, miRaw)}
}

// gStepGraph: one generator update through the frozen discriminator. Inputs: see gArgs. Outputs: G loss (with
// the weighted MI loss for InfoGAN), the layer probe.
func (t *Trainer) gStepGraph(scope *model.Scope, in []*Node) []*Node {
	s, _ := t.unpackGen(in, true)
	g := s.z.Graph()
	scope.Store().SetTraining(g, true)
	probe := startProbe(scope, g)
	t.gProbe = probe
	probe.pass = "G(z)"
	fake := t.generate(scope, s.z, s.c)
	probe.pass = "D(G(z))"
	logits, qCat, qCont := t.critic(scope, fake, s.y)
	loss := t.Variant.Loss.Generator(logits)
	if mi, _ := t.infoLoss(s, qCat, qCont); mi != nil {
		loss = Add(loss, mi)
	}
	t.gOpt.UpdateGraph(scope.At(GeneratorScope), g, loss)
	return []*Node{loss, probe.output(g)}
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
		s, _ := t.unpackGen(in, false)
		return t.generate(scope, s.z, s.c)
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

// TrainStep runs one generator step: CriticSteps discriminator updates, then one generator update. It returns
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
	k := t.Variant.CriticSteps
	stepNum := t.step + 1
	for i := range k {
		dIndex := t.step*k + i
		rng := rand.New(rand.NewPCG(t.Config.Seed, uint64(2*dIndex+1)))
		args, err := t.dArgs(dIndex, rng)
		if err != nil {
			return rec, err
		}
		out, err := t.dStep.Call(t.shard(args...)...)
		if err != nil {
			return rec, err
		}
		rec.DLoss, rec.DReal, rec.DFake = scalar(out[0]), scalar(out[1]), scalar(out[2])
		rec.WEstimate, rec.GradNorm, rec.MILoss = scalar(out[4]), scalar(out[5]), scalar(out[6])
		if err := checkFinite("discriminator loss", stepNum, rec.DLoss, t.dProbe, out, 3); err != nil {
			return rec, err
		}
	}
	rng := rand.New(rand.NewPCG(t.Config.Seed, uint64(2*t.step+2)|1<<62))
	out, err := t.gStep.Call(t.shard(t.gArgs(rng)...)...)
	if err != nil {
		return rec, err
	}
	rec.GLoss = scalar(out[0])
	if err := checkFinite("generator loss", stepNum, rec.GLoss, t.gProbe, out, 1); err != nil {
		return rec, err
	}
	t.step = stepNum
	rec.Step = t.step
	rec.Epoch = float64(t.step*k) / float64(t.StepsPerEpoch())
	t.History = append(t.History, rec)
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
// values in [-1, 1].
//
// A conditional variant's images get the fixed condition (see GenerateWith): image i has label (and category)
// i mod Classes (Codes.Categorical), continuous codes 0.
func (t *Trainer) Generate(z []float32) ([]float32, error) {
	return t.generateCond(z, t.fixedCond(len(z)/t.Variant.LatentDim))
}

func (t *Trainer) generateCond(z []float32, c cond) ([]float32, error) {
	if err := t.compile(); err != nil {
		return nil, err
	}
	count := len(z) / t.Variant.LatentDim
	args := []any{tensors.FromFlatDataAndDimensions(z, count, t.Variant.LatentDim)}
	for _, a := range t.genArgs(c, false) {
		args = append(args, a)
	}
	out, err := t.sampler.Call(args...)
	if err != nil {
		return nil, err
	}
	defer out[0].FinalizeAll()
	return tensors.CopyFlatData[float32](out[0])
}

// Discriminate runs D in inference mode on count images x (NHWC, len count·H·W·C, values in G's range [-1, 1])
// and returns D(x) = sigmoid(logit) for each, in [0, 1].
func (t *Trainer) Discriminate(x []float32) ([]float32, error) {
	if err := t.compile(); err != nil {
		return nil, err
	}
	v := t.Variant
	count := len(x) / t.imageSize()
	if count == 0 || count*t.imageSize() != len(x) {
		return nil, fmt.Errorf("Discriminate: %d values are not whole %dx%dx%d images", len(x), v.Height, v.Width, v.Channels)
	}
	if v.Classes > 0 {
		return nil, fmt.Errorf("Discriminate: variant %q is conditional; D needs labels", v.Name)
	}
	if t.judge == nil {
		var err error
		t.judge, err = model.NewExec(t.Backend, t.Scope.Store(), func(scope *model.Scope, x *Node) *Node {
			logits, _, _ := t.critic(scope, x, nil)
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
// A conditional variant's labels and codes are drawn from their priors too.
func (t *Trainer) RandomSamples(count int, seed uint64) ([]float32, error) {
	rng := rand.New(rand.NewPCG(seed, 0xA11CE))
	z := t.noise(rng, count)
	return t.generateCond(z, t.drawCond(rng, count))
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
	args, err := t.dArgs(0, rand.New(rand.NewPCG(t.Config.Seed, 0xD)))
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
	out, err := t.gStep.Call(t.shard(t.gArgs(rand.New(rand.NewPCG(t.Config.Seed, 0x6)))...)...)
	if err != nil {
		return 0, err
	}
	return scalar(out[0]), nil
}
