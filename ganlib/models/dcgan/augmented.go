package dcgan

import (
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"

	. "github.com/gomlx/gomlx/core/graph"
)

// RadfordWidth is the number of filters of Radford et al.'s outermost layers (D's first convolution, G's last
// hidden one); each stage inwards doubles it (128, 256, 512, 1024 at 64×64).
const RadfordWidth = 128

// SmallWidth is SmallAugmented's outermost width: an eighth of the paper's, so about 1/64 of its compute.
const SmallWidth = 16

// SmallAugmented returns the small-data setting of notebook 06 (named "dcgan-da"): Radford et al.'s DCGAN with
// SmallWidth filters instead of RadfordWidth (at 64×64: G 128→64→32→16→1 channels from a 4×4 map, D 16→32→64→128),
// and data.DiffAugmentPaper applied to every image D sees in training, real and generated alike (Zhao et al.
// 2020). Everything else is Radford's: BatchNorm, ReLU in G, LeakyReLU(0.2) in D, N(0, 0.02²) weights, the
// non-saturating loss, Adam(2e-4, β₁ 0.5).
//
// Why: a few hundred training slices are too few for a D that sees them unchanged (it memorises them and G's
// gradient fades), and the paper's widths cost too much for a laptop's CPU. At inference (Trainer.Discriminate)
// D sees images unchanged.
func SmallAugmented(size, channels int) gan.Variant {
	checkChannels("SmallAugmented", channels)
	d := withInit(radfordDiscriminator(size, SmallWidth).Network(), InitStddev)
	aug := data.DiffAugmentPaper
	return gan.Variant{
		Name:      "dcgan-da",
		Prior:     gan.Prior{LatentDim: NoiseDim, Noise: gan.Normal},
		Height:    size,
		Width:     size,
		Channels:  channels,
		Generator: gan.PlainG(withInit(radfordGenerator(size, channels, SmallWidth).Network(), InitStddev)),
		Discriminator: gan.PlainD(func(scope *model.Scope, x *Node) *Node {
			return d(scope, aug.Apply(scope, x))
		}),
		Loss: gan.NonSaturating(),
	}
}
