package metrics

import "math"

// ClassifierScore is the Inception Score analogue computed with the domain classifier (Salimans et al. 2016,
// https://arxiv.org/abs/1606.03498, with the dataset's own classifier in place of Inception):
//
//	exp( E_x KL( p(y|x) ‖ p(y) ) ),  p(y) = E_x p(y|x)
//
// from probs, n rows of classes probabilities. It lies in [1, classes]: high when each sample is classified
// confidently AND the classes are used evenly. Real MNIST test images score close to 10 with a good classifier.
// Terms with p(y|x) = 0 contribute 0; n = 0 gives 0.
func ClassifierScore(probs []float32, n, classes int) float64 {
	if n <= 0 || classes <= 0 || len(probs) < n*classes {
		return 0
	}
	marginal := make([]float64, classes)
	for i := range n {
		for k := range classes {
			marginal[k] += float64(probs[i*classes+k])
		}
	}
	for k := range marginal {
		marginal[k] /= float64(n)
	}
	var kl float64
	for i := range n {
		for k := range classes {
			p := float64(probs[i*classes+k])
			if p > 0 && marginal[k] > 0 {
				kl += p * math.Log(p/marginal[k])
			}
		}
	}
	return math.Exp(kl / float64(n))
}

// ClassHistogram counts the labels per class (labels outside [0, classes) are ignored) and returns the entropy of
// the class frequencies in nats: log(classes) (2.303 for 10) when every class is equally frequent, 0 when all
// samples fall in one class (mode collapse).
func ClassHistogram(labels []int, classes int) (counts []int, entropy float64) {
	counts = make([]int, max(classes, 0))
	total := 0
	for _, l := range labels {
		if l >= 0 && l < classes {
			counts[l]++
			total++
		}
	}
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(total)
			entropy -= p * math.Log(p)
		}
	}
	return counts, entropy
}
