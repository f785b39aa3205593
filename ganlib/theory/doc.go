// Package theory computes and draws what notebook 02 shows about the theory of Goodfellow et al. 2014
// (https://arxiv.org/abs/1406.2661): a one-dimensional GAN whose p_data is a Gaussian mixture, trained with
// ganlib's gan.Trainer, and the quantities of the paper's §4 measured on it.
//
//   - density.go: the mixture p_data, kernel density estimates of p_g, the optimal discriminator
//     D*(x) = p_data/(p_data+p_g), the Jensen–Shannon divergence and C(G) = −log 4 + 2·JSD, and the generator
//     losses' gradients with respect to D's logit (saturating against non-saturating).
//   - model.go: the 1-D variant (small MLPs, z ~ U(−1, 1), x as a 1×1×1 "image").
//   - experiment.go: the run behind Figure 1 (panels (a)–(d): partway, D trained to D* with G frozen, a G update
//     with D frozen, convergence), a trace of JSD and |D − ½| during training, and the saturating vs
//     non-saturating comparison. Results are saved as JSON in a run folder, so each notebook cell (a separate
//     process) can reload them.
//   - plot.go: the PNGs (gonum/plot) and Show* helpers, which display nothing outside a notebook.
package theory
