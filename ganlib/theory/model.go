package theory

import (
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/nn"

	"github.com/gomlx/gomlx/core/graph"
)

func dense(units int) models.Layer {
	return models.Layer{Name: "dense", Fn: func(scope *model.Scope, x *graph.Node) *graph.Node { return nn.Dense(scope, x, units) }}
}

func tanh() models.Layer {
	return models.Layer{Name: "tanh", Fn: func(_ *model.Scope, x *graph.Node) *graph.Node { return graph.Tanh(x) }}
}

// Generator1D is G for the 1-D experiment: z [B, 1] → Dense h → tanh → Dense h → tanh → Dense 1 → [B, 1, 1, 1].
// The output is not squashed by a tanh: it is x in G's units (the data range [Lo, Hi] maps to [−1, 1]), and
// tanh units in the hidden layers let G make the steep steps that carry z's uniform mass across the gaps between
// modes.
func Generator1D(hidden int) models.Stack {
	return models.Stack{
		dense(hidden), tanh(),
		dense(hidden), tanh(),
		dense(1),
		{Name: "reshape", Fn: func(_ *model.Scope, x *graph.Node) *graph.Node { return nn.Reshape(x, 1, 1, 1) }},
	}
}

// Discriminator1D is D for the 1-D experiment: x [B, 1, 1, 1] → Flatten → Dense h → tanh → Dense h → tanh →
// Dense 1 (logit; D(x) = sigmoid). Smooth units make D(x) a smooth curve, as in the paper's Figure 1.
func Discriminator1D(hidden int) models.Stack {
	return models.Stack{
		{Name: "flatten", Fn: func(_ *model.Scope, x *graph.Node) *graph.Node { return nn.Flatten(x) }},
		dense(hidden), tanh(),
		dense(hidden), tanh(),
		dense(1),
	}
}

// Variant1D is the 1-D GAN as a gan.Variant: z ~ U(−1, 1) of one number (as in Goodfellow et al. 2014, whose
// Figure 1 draws z as a line), x as a 1×1×1 image, G and D with hidden units per layer, and the given loss pair.
func Variant1D(hidden int, loss gan.Loss) gan.Variant {
	return gan.Variant{
		Name:          "gan1d",
		Prior:         gan.Prior{LatentDim: 1, Noise: gan.Uniform},
		Height:        1,
		Width:         1,
		Channels:      1,
		Generator:     gan.PlainG(Generator1D(hidden).Network()),
		Discriminator: gan.PlainD(Discriminator1D(hidden).Network()),
		Loss:          loss,
	}
}
