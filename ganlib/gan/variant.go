package gan

import (
	"github.com/gomlx/gomlx/pkg/ml/context"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// Network builds one player's graph inside the scope it is given.
type Network func(ctx *context.Context, x *Node) *Node

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
}
