package gan

import (
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	. "github.com/gomlx/gomlx/core/graph"
)

// PenaltyEpsilon is added to each example's squared gradient norm before the square root in GradientPenalty:
// ‖g‖ = sqrt(Σg² + ε). It keeps the penalty's own gradient finite (zero) where D's gradient is exactly zero, e.g.
// for a critic that ignores its input, where d sqrt(s)/ds = 1/(2 sqrt(s)) would be infinite and the chain rule
// would give 0·∞ = NaN. It shifts a norm of 1 by 5e-13, far below float32's resolution.
const PenaltyEpsilon = 1e-12

// GradientPenalty is WGAN-GP's two-sided penalty (Gulrajani et al. 2017, Algorithm 1 and eq. 3,
// https://arxiv.org/abs/1704.00028):
//
//	x̂ = α·x + (1 − α)·G(z),    penalty = λ · mean_b (‖∇_x̂ D(x̂)‖₂ − 1)²
//
// critic maps images [B, …] to scores [B] or [B, 1] (raw, no sigmoid); it is called once, on x̂, so when it reads
// variables already created by another call of D the context must be in reuse mode (the trainer's is unchecked).
// real and fake are images of the same shape [B, …]; fake is usually G(z) (it need not be stopped: in the
// critic's step the generator's variables are frozen). alpha holds one draw of U[0, 1) per example, shape [B] (or
// [B, 1, …, 1]), broadcast over all the other axes — see DrawAlpha. lambda is the paper's λ (10).
//
// The gradient of Σ_b D(x̂_b) w.r.t. x̂ is each example's own gradient, since D treats examples independently
// (no BatchNorm in the critic: the paper's §4 and a reason this package's critics use none); its norm is taken
// per example over all non-batch axes, as sqrt(Σg² + PenaltyEpsilon) (see PenaltyEpsilon: no NaN when the gradient
// is zero). Differentiating penalty w.r.t. the critic's weights is a second-order derivative through D: the
// layers of ganlib/nn have VJPs verified for it (DESIGN §3; GoMLX's own convolution gradients are not).
//
// It returns the scalar penalty, to be added to the critic's loss, and gradNormMean = mean_b ‖∇D(x̂_b)‖, the
// number WGAN-GP's training curves show near 1.
func GradientPenalty(critic func(x *Node) *Node, real, fake, alpha *Node, lambda float64) (penalty, gradNormMean *Node) {
	if !real.Shape().Equal(fake.Shape()) {
		exceptions.Panicf("gan.GradientPenalty: real images %s and fake images %s differ in shape", real.Shape(), fake.Shape())
	}
	if real.Rank() < 2 {
		exceptions.Panicf("gan.GradientPenalty: images must be [B, …] with at least one axis besides the batch, got %s", real.Shape())
	}
	batch := real.Shape().Dimensions[0]
	if alpha.Shape().Size() != batch || (alpha.Rank() > 0 && alpha.Shape().Dimensions[0] != batch) {
		exceptions.Panicf("gan.GradientPenalty: alpha must hold one value per example, shape [%d] or [%d, 1, …], got %s",
			batch, batch, alpha.Shape())
	}
	alphaDims := make([]int, real.Rank())
	for i := range alphaDims {
		alphaDims[i] = 1
	}
	alphaDims[0] = batch
	a := Reshape(ConvertDType(alpha, real.DType()), alphaDims...)
	// x̂ = α·x + (1 − α)·fake = fake + α·(x − fake).
	xHat := Add(fake, Mul(a, Sub(real, fake)))
	scores := critic(xHat)
	if scores.Shape().Size() != batch {
		exceptions.Panicf("gan.GradientPenalty: the critic must return one score per example ([%d] or [%d, 1]), got %s",
			batch, batch, scores.Shape())
	}
	grad := Gradient(ReduceAllSum(scores), xHat)[0]
	axes := make([]int, real.Rank()-1)
	for i := range axes {
		axes[i] = i + 1
	}
	norms := Sqrt(AddScalar(ReduceSum(Square(grad), axes...), PenaltyEpsilon)) // [B]
	penalty = MulScalar(ReduceAllMean(Square(AddScalar(norms, -1))), lambda)
	gradNormMean = ReduceAllMean(norms)
	return penalty, gradNormMean
}

// DrawAlpha draws WGAN-GP's interpolation weights from the context's random number generator: one U[0, 1) value
// per example of like ([B, …]), shape [B], in like's dtype. Use it with GradientPenalty; the draw changes at every
// execution of the graph (the generator's state lives in the context, so it is checkpointed with it).
func DrawAlpha(scope *model.Scope, like *Node) *Node {
	if like.Rank() < 1 {
		exceptions.Panicf("gan.DrawAlpha: want a batch [B, …], got a scalar %s", like.Shape())
	}
	return scope.RandomUniform(like.Graph(), shapes.Make(like.DType(), like.Shape().Dimensions[0]))
}
