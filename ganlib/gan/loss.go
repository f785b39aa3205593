package gan

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
)

// Loss is a pair of losses, one for each player, computed from the discriminator's logits (pre-sigmoid scores):
// D(x) = sigmoid(logit). Taking logits instead of probabilities keeps log D and log(1−D) finite in float32.
type Loss struct {
	// Name identifies the loss pair in histories and checkpoints, e.g. "non-saturating".
	Name string
	// Discriminator returns the scalar loss D minimises, from logits on real [B] and fake [B] images.
	Discriminator func(realLogits, fakeLogits *Node) *Node
	// Generator returns the scalar loss G minimises, from D's logits on fake images [B].
	Generator func(fakeLogits *Node) *Node
	// Critic says that D is a critic (WGAN): its scores are unbounded, so sigmoid(score), the Record's DReal and
	// DFake, is no probability; displays show the critic's estimate E[f(x)] − E[f(G(z))] (Record.WEstimate)
	// instead.
	Critic bool
}

// BCEWithLogits is the binary cross-entropy −[y·log σ(l) + (1−y)·log(1−σ(l))] of logits l against label y,
// averaged over all elements, computed stably as softplus(l) − y·l. It is Keras's binary_crossentropy on a sigmoid
// output.
func BCEWithLogits(logits *Node, label float64) *Node {
	return ReduceAllMean(Sub(Softplus(logits), MulScalar(logits, label)))
}

// discriminatorBCE is the loss of the lecture's slide: D is trained on concat(real, fake) with labels realLabel
// for the real half and fakeLabel for the fake half, binary cross-entropy averaged over the 2B examples.
func discriminatorBCE(realLabel, fakeLabel float64) func(realLogits, fakeLogits *Node) *Node {
	return func(realLogits, fakeLogits *Node) *Node {
		// Both halves have B elements, so the mean over the concatenation is the mean of the two means.
		return MulScalar(Add(BCEWithLogits(realLogits, realLabel), BCEWithLogits(fakeLogits, fakeLabel)), 0.5)
	}
}

// Minimax is the loss pair of Goodfellow et al. 2014, eq. 1 (https://arxiv.org/abs/1406.2661): D maximises
// E[log D(x)] + E[log(1 − D(G(z)))], written as the binary cross-entropy with labels 1 (real) and 0 (fake), and G
// minimises E[log(1 − D(G(z)))] directly. This G loss saturates: when D rejects the fakes confidently
// (D(G(z)) → 0) its gradient vanishes.
func Minimax() Loss {
	return Loss{
		Name:          "minimax",
		Discriminator: discriminatorBCE(1, 0),
		Generator: func(fakeLogits *Node) *Node {
			// log(1 − σ(l)) = −softplus(l).
			return ReduceAllMean(Neg(Softplus(fakeLogits)))
		},
	}
}

// NonSaturating is the loss pair used in practice (Goodfellow et al. 2014, §3; the lecture's Keras loop): D as in
// Minimax, and G minimises −E[log D(G(z))], i.e. the binary cross-entropy of D's output on fakes against the
// target 1 ("G trained through the frozen D with target 1").
func NonSaturating() Loss {
	return NonSaturatingWithLabels(1, 0)
}

// NonSaturatingWithLabels is NonSaturating with the discriminator's labels for real and fake images chosen by the
// caller. The lecture's second training slide builds its labels as `disc_y = np.zeros(2*BATCH_SIZE);
// disc_y[BATCH_SIZE:] = 1`: the real half is labelled 0 and the fake half 1, i.e. NonSaturatingWithLabels(0, 1),
// so D learns the task backwards while G still asks it for "real". NonSaturatingWithLabels(1, 1) (everything
// labelled real) is the other way to break it: D is taught that everything is real and gives G no signal. Labels
// like 0.9 give one-sided label smoothing.
func NonSaturatingWithLabels(realLabel, fakeLabel float64) Loss {
	name := "non-saturating"
	if realLabel != 1 || fakeLabel != 0 {
		name = fmt.Sprintf("non-saturating(real=%g,fake=%g)", realLabel, fakeLabel)
	}
	return Loss{
		Name:          name,
		Discriminator: discriminatorBCE(realLabel, fakeLabel),
		Generator: func(fakeLogits *Node) *Node {
			return BCEWithLogits(fakeLogits, 1)
		},
	}
}

// LossByName returns "minimax" or "non-saturating".
func LossByName(name string) (Loss, error) {
	switch name {
	case "minimax":
		return Minimax(), nil
	case "non-saturating", "nonsaturating", "ns", "":
		return NonSaturating(), nil
	}
	return Loss{}, fmt.Errorf("unknown GAN loss %q: want minimax or non-saturating", name)
}
