package gan

import (
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	. "github.com/gomlx/gomlx/core/graph"
)

// Network builds one player's graph inside the scope it is given: images or noise in, images or logits out.
type Network func(scope *model.Scope, x *Node) *Node

// Cond is a batch's condition inside a graph: named inputs beside z (for G) or the images (for D), batch first,
// e.g. a cGAN's one-hot labels. It is empty for an unconditional GAN. The trainer passes it through and never
// looks inside: what a condition means belongs to the variant (its Condition and its networks).
type Cond map[string]*Node

// Values is a condition on the host: one tensor per name, batch first.
type Values map[string]*tensors.Tensor

// Generator maps noise z [B, LatentDim] and the fakes' condition to images [B, Height, Width, Channels] with
// values in [-1, 1] (tanh).
type Generator func(scope *model.Scope, z *Node, c Cond) *Node

// Discriminator maps images [B, Height, Width, Channels] and their condition to logits [B] or [B, 1]
// (D(x) = sigmoid(logit)) and any named heads that loss terms read (InfoGAN's Q), nil when it has none.
type Discriminator func(scope *model.Scope, x *Node, c Cond) (logits *Node, heads Cond)

// PlainG and PlainD make an unconditional network a Generator or a Discriminator: it ignores the condition.
func PlainG(net Network) Generator {
	return func(scope *model.Scope, z *Node, _ Cond) *Node { return net(scope, z) }
}

// PlainD: see PlainG.
func PlainD(net Network) Discriminator {
	return func(scope *model.Scope, x *Node, _ Cond) (*Node, Cond) { return net(scope, x), nil }
}

// NoiseKind is the prior p_z the generator's input is drawn from.
type NoiseKind int

const (
	// Normal is z ~ N(0, 1), as in the lecture's Keras loop.
	Normal NoiseKind = iota
	// Uniform is z ~ U(−1, 1), as in Goodfellow et al. 2014.
	Uniform
)

// Prior is what the trainer draws for G: z of LatentDim from Noise and, for a conditional variant, a condition.
type Prior struct {
	LatentDim int
	Noise     NoiseKind
	// Condition draws the conditions of a conditional variant; nil for an unconditional one.
	Condition Condition
}

// Condition is a variant's conditioning on the host: the trainer asks it for the condition of every batch it
// builds and passes the Values, unopened, to the networks and loss terms. Draws use the rng they are given, which
// derives from the seed and the step (after z's draw), so a resumed run draws the same conditions and checkpoints
// need no extra state.
type Condition interface {
	// Draw draws the condition of b fake images.
	Draw(rng *rand.Rand, b int) Values
	// Real is the condition D sees with b real images whose class labels are labels (nil when the data has
	// none); it returns an error when the variant needs labels the data lacks, or a label is out of range.
	Real(labels []int, b int) (Values, error)
	// Fixed is the condition of the fixed sample grid of count images.
	Fixed(count int) Values
}

// Pass is what a loss term sees of the step it is part of (Real, RealLogits and RealHeads are nil in G's step).
type Pass struct {
	// Scope is the trainer's root scope: settings are read from it (model.GetParamOr(p.Scope, "gp_lambda", 10.0)),
	// random numbers drawn with it.
	Scope *model.Scope
	// Z is the noise G made Fake from, Real the real batch, Fake G's images (with their gradient stopped in D's
	// step).
	Z, Real, Fake          *Node
	RealCond, FakeCond     Cond
	RealLogits, FakeLogits *Node
	RealHeads, FakeHeads   Cond
	// D runs the discriminator again, e.g. on interpolates of real and fake images, and returns its logits [B].
	D func(x *Node, c Cond) *Node
	// G runs the generator again, e.g. on perturbed noise (a path-length or consistency term).
	G func(z *Node, c Cond) *Node
}

// Term is an extra term of one player's loss: a gradient penalty, InfoGAN's mutual information, a cycle loss, ...
type Term struct {
	// Name is the key of the recorded value in Record.Terms, e.g. "grad_norm".
	Name string
	// Loss returns the scalar added to the player's loss and a scalar to record under Name (nil: none).
	Loss func(p *Pass) (add, record *Node)
}

// Constraint changes a player's variables right after its update, inside the same compiled step (WGAN's weight
// clipping). scope is the trainer's root scope.
type Constraint func(scope *model.Scope, g *Graph)

// Variant is a GAN as a few closed parts (STYLE §3). The trainer plays the game with them and knows no variant
// and no kind of condition: everything a paper adds is a part.
type Variant struct {
	// Name of the variant, e.g. "vanilla"; recorded in checkpoints.
	Name string
	// Height, Width, Channels of the images G makes and D reads.
	Height, Width, Channels int
	// Prior draws z (and the condition of a conditional variant).
	Prior
	// Generator and Discriminator are the two players.
	Generator     Generator
	Discriminator Discriminator
	// Loss is the pair of losses; NonSaturating when zero.
	Loss Loss
	// DTerms and GTerms are added to D's and G's losses.
	DTerms, GTerms []Term
	// DConstraints and GConstraints run after D's and G's updates.
	DConstraints, GConstraints []Constraint
	// Settings are the variant's defaults over the trainer's (DefaultSettings): its paper's optimizer, learning
	// rates, critic steps, λs. Its parts read them from the scope.
	Settings Settings
}
