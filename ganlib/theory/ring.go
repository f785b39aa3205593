package theory

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/nn"
)

// Ring is the two-dimensional p_data of the mode-collapse literature (Metz et al. 2017, "Unrolled GANs";
// Srivastava et al. 2017, "VEEGAN"): Modes Gaussians of equal weight and standard deviation Std, their centres
// evenly spaced on a circle of radius Radius around the origin.
type Ring struct {
	Modes  int     `json:"modes"`
	Radius float64 `json:"radius"`
	Std    float64 `json:"std"`
}

// LiteratureRing is the ring of those papers: 8 modes on a circle of radius 2, standard deviation 0.02.
func LiteratureRing() Ring { return Ring{Modes: 8, Radius: 2, Std: 0.02} }

// Validate says what is wrong with r, if anything.
func (r Ring) Validate() error {
	if r.Modes < 1 || !(r.Radius > 0) || !(r.Std > 0) {
		return fmt.Errorf("theory.Ring: want Modes ≥ 1, Radius > 0 and Std > 0, got %+v", r)
	}
	return nil
}

// Centers returns the modes' centres, the first at angle 0, counter-clockwise.
func (r Ring) Centers() [][2]float64 {
	c := make([][2]float64, r.Modes)
	for k := range c {
		a := 2 * math.Pi * float64(k) / float64(r.Modes)
		c[k] = [2]float64{r.Radius * math.Cos(a), r.Radius * math.Sin(a)}
	}
	return c
}

// Sample draws n points, as x₀, y₀, x₁, y₁, …: a mode chosen uniformly, plus Gaussian noise of Std on each axis.
func (r Ring) Sample(rng *rand.Rand, n int) []float32 {
	c := r.Centers()
	out := make([]float32, 2*n)
	for i := range n {
		m := c[rng.IntN(len(c))]
		out[2*i] = float32(m[0] + r.Std*rng.NormFloat64())
		out[2*i+1] = float32(m[1] + r.Std*rng.NormFloat64())
	}
	return out
}

// Coverage measures samples of G against the ring, as the mode-collapse papers do: a sample is of high quality
// when it lies within 3 standard deviations (Euclidean distance ≤ 3·Std) of some mode's centre, and a mode is
// covered when at least MinShare of all samples are high-quality samples of that mode.
type Coverage struct {
	N int `json:"n"`
	// PerMode counts the samples within 3σ of each mode.
	PerMode []int `json:"per_mode"`
	// Covered is the number of modes with at least MinShare·N of them.
	Covered  int     `json:"covered"`
	MinShare float64 `json:"min_share"`
	// HighQuality is the share of samples within 3σ of any mode (≈ 0.989 for samples of p_data itself).
	HighQuality float64 `json:"high_quality"`
}

// Measure counts xy (x₀, y₀, x₁, y₁, …) against r's modes.
func (r Ring) Measure(xy []float32, minShare float64) (Coverage, error) {
	if len(xy)%2 != 0 || len(xy) == 0 {
		return Coverage{}, fmt.Errorf("theory.Ring.Measure: want a non-empty list of x, y pairs, got %d numbers", len(xy))
	}
	if err := r.Validate(); err != nil {
		return Coverage{}, err
	}
	c := r.Centers()
	cov := Coverage{N: len(xy) / 2, PerMode: make([]int, len(c)), MinShare: minShare}
	good := 0
	for i := 0; i < len(xy); i += 2 {
		for k, m := range c {
			if math.Hypot(float64(xy[i])-m[0], float64(xy[i+1])-m[1]) <= 3*r.Std {
				cov.PerMode[k]++
				good++
				break // the 3σ discs of distinct modes do not overlap on the rings used here
			}
		}
	}
	for _, n := range cov.PerMode {
		if n > 0 && float64(n) >= minShare*float64(cov.N) {
			cov.Covered++
		}
	}
	cov.HighQuality = float64(good) / float64(cov.N)
	return cov, nil
}

func relu() models.Layer {
	return models.Layer{Name: "relu", Fn: func(_ *model.Scope, x *graph.Node) *graph.Node { return activation.Relu(x) }}
}

// Generator2D is G for the ring: z [B, latent] → (Dense h → ReLU) ×3 → Dense 2 → [B, 1, 2, 1] (a point as a
// 1×2 one-channel "image", linear output in data units), the MLP of the Unrolled-GAN and WGAN-GP toy experiments.
func Generator2D(hidden int) models.Stack {
	return models.Stack{
		dense(hidden), relu(),
		dense(hidden), relu(),
		dense(hidden), relu(),
		dense(2),
		{Name: "reshape", Fn: func(_ *model.Scope, x *graph.Node) *graph.Node { return nn.Reshape(x, 1, 2, 1) }},
	}
}

// Discriminator2D is D (or the critic) for the ring: [B, 1, 2, 1] → Flatten → (Dense h → ReLU) ×3 → Dense 1.
func Discriminator2D(hidden int) models.Stack {
	return models.Stack{
		{Name: "flatten", Fn: func(_ *model.Scope, x *graph.Node) *graph.Node { return nn.Flatten(x) }},
		dense(hidden), relu(),
		dense(hidden), relu(),
		dense(hidden), relu(),
		dense(1),
	}
}

// Variant2D is a GAN on 2-D points: z ~ N(0, I) of latent numbers, G and D from Generator2D and Discriminator2D,
// the given loss pair and D terms (nil for none), and settings over the trainer's defaults.
func Variant2D(name string, hidden, latent int, loss gan.Loss, dTerms []gan.Term, settings gan.Settings) gan.Variant {
	return gan.Variant{
		Name:          name,
		Prior:         gan.Prior{LatentDim: latent, Noise: gan.Normal},
		Height:        1,
		Width:         2,
		Channels:      1,
		Generator:     gan.PlainG(Generator2D(hidden).Network()),
		Discriminator: gan.PlainD(Discriminator2D(hidden).Network()),
		Loss:          loss,
		DTerms:        dTerms,
		Settings:      settings,
	}
}

// GGradTerm is a G term that adds nothing to G's loss and records, as "g_grad", the mean over the batch of
// ‖∂ℓ_i/∂x_i‖: how hard each fake x_i = G(z_i) is pushed by its own loss ℓ_i under loss's generator loss (loss must
// be the variant's). This is the signal that flows back into G's weights; a saturating loss makes it vanish.
func GGradTerm(loss gan.Loss) gan.Term {
	return gan.Term{Name: "g_grad", Loss: func(p *gan.Pass) (*graph.Node, *graph.Node) {
		if p.Fake.Rank() < 2 {
			return nil, nil
		}
		b := p.Fake.Shape().Dimensions[0]
		// The loss is a mean over the batch: ∂(mean)/∂x_i = ∂ℓ_i/∂x_i / B.
		grad := graph.MulScalar(graph.Gradient(loss.Generator(p.FakeLogits), p.Fake)[0], float64(b))
		axes := make([]int, p.Fake.Rank()-1)
		for i := range axes {
			axes[i] = i + 1
		}
		return nil, graph.StopGradient(graph.ReduceAllMean(graph.Sqrt(graph.ReduceSum(graph.Square(grad), axes...))))
	}}
}

var errNoSeeds = errors.New("theory.ModesExperiment: no seeds")
