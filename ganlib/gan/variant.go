package gan

import (
	"github.com/gomlx/gomlx/ml/model"

	. "github.com/gomlx/gomlx/core/graph"
)

// Network builds one player's graph inside the scope it is given.
type Network func(scope *model.Scope, x *Node) *Node

// NoiseKind is the prior p_z the generator's input is drawn from.
type NoiseKind int

const (
	// Normal is z ~ N(0, 1), as in the lecture's Keras loop.
	Normal NoiseKind = iota
	// Uniform is z ~ U(−1, 1), as in Goodfellow et al. 2014.
	Uniform
)

// Variant is a GAN as data (STYLE §3): its two networks, its loss pair and how many critic steps it takes per
// generator step. The trainer never switches on a variant's name.
type Variant struct {
	// Name of the variant, e.g. "vanilla"; recorded in checkpoints.
	Name string
	// LatentDim is the size of z.
	LatentDim int
	// Noise is the prior of z.
	Noise NoiseKind
	// Height, Width, Channels of the images G makes and D reads.
	Height, Width, Channels int
	// Generator maps z [B, LatentDim] to images [B, Height, Width, Channels] with values in [-1, 1] (tanh).
	Generator Network
	// Discriminator maps images [B, Height, Width, Channels] to logits [B] or [B, 1]; D(x) = sigmoid(logit).
	Discriminator Network
	// Loss is the pair of losses; NonSaturating when zero.
	Loss Loss
	// CriticSteps is k of Goodfellow's Algorithm 1: discriminator steps per generator step (default 1).
	CriticSteps int

	// The parts below are zero for an unconditional GAN trained with a loss pair only; each one the trainer uses
	// wherever it is set, whatever the variant is called.

	// Classes > 0 makes a conditional GAN (Mirza & Osindero 2014): real images come with their labels (see
	// Trainer.SetLabels), fake ones with labels drawn uniformly from [0, Classes), and both players see the label
	// as a one-hot vector y [B, Classes]: G through ConditionalGenerator's c, D through ConditionalDiscriminator
	// (or InfoDiscriminator).
	Classes int
	// Codes are InfoGAN's latent codes (Chen et al. 2016), drawn for every fake image next to z.
	Codes Codes
	// ConditionalGenerator replaces Generator when the variant has a condition (Classes or Codes): it maps z
	// [B, LatentDim] and the condition c [B, CondDim()] to images. c is the concatenation of one-hot(label)
	// [Classes], one-hot(categorical code) [Codes.Categorical] and the continuous codes [Codes.Continuous].
	ConditionalGenerator func(scope *model.Scope, z, c *Node) *Node
	// ConditionalDiscriminator replaces Discriminator when Classes > 0: it maps images and one-hot labels y
	// [B, Classes] to logits [B] or [B, 1].
	ConditionalDiscriminator func(scope *model.Scope, x, y *Node) *Node
	// InfoDiscriminator replaces Discriminator (and ConditionalDiscriminator) when the variant has Codes: one
	// shared body with two heads, D's logits [B] or [B, 1], and Q's guess of the codes: qCat, logits over the
	// Codes.Categorical values [B, Codes.Categorical] (nil without one), and qCont, the predicted continuous codes
	// [B, Codes.Continuous] (nil without them). y is the one-hot label when Classes > 0, else nil.
	InfoDiscriminator func(scope *model.Scope, x, y *Node) (logits, qCat, qCont *Node)
	// InfoLoss is the mutual-information term for Codes, to be minimised (a negated lower bound of I(c; G(z, c))
	// up to a constant): from Q's outputs on fake images and the codes they were made with (cat: int32 [B]; cont:
	// [B, Codes.Continuous]). Both D/Q and G add InfoWeight × InfoLoss to their losses.
	InfoLoss func(qCat, qCont, cat, cont *Node) *Node
	// InfoWeight is λ of InfoGAN's objective (default 1, the paper's value for MNIST's categorical code).
	InfoWeight float64
	// Penalty, when set, is added to D's loss (WGAN-GP's gradient penalty): critic maps images to D's logits [B]
	// (with the real labels bound, for a conditional D), real and fake are the batch D trains on. It returns the
	// scalar penalty and a scalar to record as Record.GradNorm (e.g. the mean ‖∇D(x̂)‖₂; nil when none).
	Penalty func(scope *model.Scope, critic func(x *Node) *Node, real, fake *Node) (penalty, gradNorm *Node)
	// ClipWeights > 0 clips every trainable variable of D to [−ClipWeights, ClipWeights] after each D update,
	// inside the same compiled step (WGAN's Lipschitz constraint, Arjovsky et al. 2017, Algorithm 1).
	ClipWeights float64
}

// Codes are InfoGAN's latent codes: one categorical code with Categorical values (one-hot) and Continuous codes
// drawn from U(−1, 1).
type Codes struct {
	Categorical, Continuous int
}

// CondDim is the size of the condition c that ConditionalGenerator receives: Classes + Codes.Categorical +
// Codes.Continuous (0 for an unconditional variant).
func (v Variant) CondDim() int { return v.Classes + v.Codes.Categorical + v.Codes.Continuous }

// HasCodes tells whether the variant has InfoGAN codes.
func (c Codes) HasCodes() bool { return c.Categorical > 0 || c.Continuous > 0 }
