// Package theory computes and draws what notebook 02 shows about the theory of Goodfellow et al. 2014
// (https://arxiv.org/abs/1406.2661): a one-dimensional GAN whose p_data is a Gaussian mixture, trained with
// ganlib's gan.Trainer, and the quantities of the paper's §4 measured on it; then two-dimensional GANs on a ring of
// Gaussians, for mode collapse and the saturating loss.
//
//   - density.go: the mixture p_data, kernel density estimates of p_g, the optimal discriminator
//     D*(x) = p_data/(p_data+p_g), the Jensen–Shannon divergence and C(G) = −log 4 + 2·JSD, and the generator
//     losses' gradients with respect to D's logit (saturating against non-saturating).
//   - model.go: the 1-D variant (small MLPs, z ~ U(−1, 1), x as a 1×1×1 "image").
//   - experiment.go: the run behind Figure 1 (panels (a)–(d): partway, D trained to D* with G frozen, a G update
//     with D frozen, convergence) and a trace of JSD and |D − ½| during training. Results are saved as JSON in a
//     run folder, so each notebook cell (a separate process) can reload them.
//   - ring.go: the ring of Gaussians (8 modes, radius 2, σ 0.02), the measure of modes covered and of high-quality
//     samples (within 3σ of a mode), the 2-D networks (a point as a 1×2 "image") and a G term recording how hard
//     G's loss pushes each fake.
//   - modes.go: the vanilla GAN against WGAN-GP (gan.Wasserstein with models/wgangp's penalty) on the ring, same
//     networks and generator steps, several seeds.
//   - headstart.go: the saturating against the non-saturating generator loss after D has had a head start.
//   - plot.go: the PNGs (gonum/plot) and Show* helpers, which display nothing outside a notebook.
package theory
