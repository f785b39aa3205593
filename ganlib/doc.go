// Package ganlib is ganlab's library: Generative Adversarial Networks in Go on GoMLX, compiled by XLA through a
// PJRT plugin (CPU here, CUDA on a GPU) or run by GoMLX's pure-Go backend as a fallback.
//
// Its packages, from the bottom up:
//
//   - backend: picks XLA CPU/CUDA or pure Go, never downloads, and says which plugin file it loaded and why.
//   - nn: layers (Dense, Conv2D, Conv2DTranspose, LeakyReLU, Dropout, BatchNorm, Maxout, Flatten, Reshape) whose
//     gradients are checked against finite differences on both backends.
//   - gan: the adversarial game: loss pairs, the Trainer (two optimizers in their own scopes, each player frozen
//     during the other's update, k critic steps, seeds, fixed sample noise, history, callbacks, NaN/Inf guard),
//     and atomic checkpoints with exact resume.
//   - optim: optimizers GoMLX does not have, each checked against its reference: RMSProp (PyTorch's, WGAN's) and
//     SGD with pylearn2's momentum schedules (Goodfellow et al.'s).
//   - models: Stack and Summary (Keras-like tables); models/vanilla: the MLP GAN of the lecture's introduction.
//   - data: MNIST and Fashion-MNIST from a user folder, a registry package, or their URLs with SHA-256 checks.
//   - nbui: inline image grids, a grid updated in place, loss curves and progress bars for GoNB notebooks
//     (no-ops elsewhere).
//   - lab: a training session as notebooks and the CLI run it: run folder, resume, per-epoch logs and grids.
//   - cmd/ganlab: the command line (doctor, train, sample, summary, data fetch).
//
// See the Example for the shortest complete use.
package ganlib
