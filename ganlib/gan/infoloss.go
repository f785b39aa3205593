package gan

import (
	"github.com/gomlx/gomlx/support/exceptions"

	. "github.com/gomlx/gomlx/core/graph"
)

// InfoLoss is InfoGAN's mutual-information term (Chen et al. 2016, eq. 5–6 and §6,
// https://arxiv.org/abs/1606.03657), the loss L_I that both G and the Q head (sharing D's body) minimise, added to
// their GAN losses:
//
//	L_I = λ_cat · mean_b [ −Σ_k c_bk · log softmax(q_b)_k ]  +  λ_cont · mean_b [ Σ_l ½ (c_bl − μ_bl)² ]
//
// Minimising L_I maximises the variational lower bound E[log Q(c | G(z, c))] + H(c) on the mutual information
// I(c; G(z, c)), H(c) being a constant of the fixed code prior.
//
//   - Categorical code: qCatLogits [B, K] are Q's logits, catOneHot [B, K] the one-hot code that was fed to G; the
//     term is the cross-entropy −log Q(c|x), averaged over the batch (natural log).
//   - Continuous codes: qCont [B, L] are Q's means μ, cont [B, L] the codes fed to G (U(−1, 1) in the paper's MNIST
//     runs). Q is a factored Gaussian with unit variance, as in the paper's MNIST experiment: the term is its
//     negative log-likelihood Σ_l ½(c − μ)² + (L/2)·log 2π WITHOUT the constant (L/2)·log 2π, averaged over the
//     batch. Equivalently (L/2)·MSE with MSE the mean over all B·L elements — for the paper's L = 2 codes it equals
//     the MSE, the loss PyTorch-GAN's InfoGAN uses.
//
// Either pair may be nil (a model without categorical or without continuous codes), not both. Shapes must match
// exactly; the codes are constants for this loss (no gradient flows into catOneHot or cont). The paper uses
// λ_cat = 1, and λ_cont = 0.1 is common for continuous codes. It returns a scalar.
func InfoLoss(qCatLogits, catOneHot, qCont, cont *Node, lambdaCat, lambdaCont float64) *Node {
	if (qCatLogits == nil) != (catOneHot == nil) || (qCont == nil) != (cont == nil) {
		exceptions.Panicf("gan.InfoLoss: give both of qCatLogits and catOneHot (or neither), and both of qCont and cont (or neither)")
	}
	if qCatLogits == nil && qCont == nil {
		exceptions.Panicf("gan.InfoLoss: no codes given (all inputs nil)")
	}
	var loss *Node
	if qCatLogits != nil {
		if qCatLogits.Rank() != 2 || !qCatLogits.Shape().Equal(catOneHot.Shape()) {
			exceptions.Panicf("gan.InfoLoss: want qCatLogits and catOneHot both [B, K], got %s and %s", qCatLogits.Shape(), catOneHot.Shape())
		}
		onehot := StopGradient(catOneHot)
		ce := Neg(ReduceSum(Mul(onehot, LogSoftmax(qCatLogits, -1)), -1)) // [B]
		loss = MulScalar(ReduceAllMean(ce), lambdaCat)
	}
	if qCont != nil {
		if qCont.Rank() != 2 || !qCont.Shape().Equal(cont.Shape()) {
			exceptions.Panicf("gan.InfoLoss: want qCont and cont both [B, L], got %s and %s", qCont.Shape(), cont.Shape())
		}
		nll := MulScalar(ReduceSum(Square(Sub(qCont, StopGradient(cont))), -1), 0.5) // [B]
		term := MulScalar(ReduceAllMean(nll), lambdaCont)
		if loss == nil {
			loss = term
		} else {
			loss = Add(loss, ConvertDType(term, loss.DType()))
		}
	}
	return loss
}
