package gan

import (
	. "github.com/gomlx/gomlx/core/graph"
)

// Wasserstein is the loss pair of WGAN (Arjovsky, Chintala & Bottou 2017, Algorithm 1,
// https://arxiv.org/abs/1701.07875), also used by WGAN-GP (Gulrajani et al. 2017, https://arxiv.org/abs/1704.00028).
// The discriminator is a critic f whose raw, unbounded output (no sigmoid: the "logits" passed in are f's scores)
// estimates the Wasserstein-1 distance as E[f(x)] − E[f(G(z))] when f is 1-Lipschitz. The critic maximises that
// estimate, i.e. minimises
//
//	L_D = E[f(G(z))] − E[f(x)]
//
// and the generator minimises L_G = −E[f(G(z))]. The means run over all elements of the [B] (or [B, 1]) scores.
// −L_D is the critic's Wasserstein estimate, the curve WGAN plots over training. The loss alone does not make f
// Lipschitz: pair it with weight clipping (WGAN) or GradientPenalty (WGAN-GP).
func Wasserstein() Loss {
	return Loss{
		Name: "wasserstein",
		Discriminator: func(realScores, fakeScores *Node) *Node {
			return Sub(ReduceAllMean(fakeScores), ReduceAllMean(realScores))
		},
		Generator: func(fakeScores *Node) *Node {
			return Neg(ReduceAllMean(fakeScores))
		},
		Critic: true,
	}
}
