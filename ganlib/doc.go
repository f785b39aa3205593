// Package ganlib is ganlab's library: Generative Adversarial Networks in Go on GoMLX (v0.28), compiled by XLA
// through a PJRT plugin (CPU here, CUDA on a GPU; go-xla) or run by compute's pure-Go backend as a fallback.
//
// Its packages, from the bottom up:
//
//   - backend: picks XLA CPU/CUDA or pure Go, never downloads, and says which plugin file it loaded and why.
//   - speed: the one switch for CPU tuning (speed.On, GANLAB_SPEED): off, the readable path on GoMLX's own kernels;
//     on (the CLI, the notebooks' kernels, benchmarks), ganlib's GEMM, parallel ops, buffer donation, huge pages and
//     three more convolution routes (docs/speed.md).
//   - nn: layers (Dense, Conv2D, Conv2DTranspose, LeakyReLU, Dropout, BatchNorm, Maxout, Flatten, Reshape) whose
//     gradients are checked against finite differences on both backends.
//   - gan: the adversarial game for a Variant of closed parts (G and D taking a condition as data, a prior, a loss
//     pair, extra loss terms, constraints, default settings); the Trainer (each player's optimizer working in the
//     player's scope, critic steps, seeds, fixed sample noise, history, callbacks, NaN/Inf guard); settings as
//     GoMLX model parameters that flow one way and are stored with the atomic checkpoints (exact resume).
//   - optim: optimizers GoMLX does not have, each checked against its reference: RMSProp (PyTorch's, WGAN's) and
//     SGD with pylearn2's momentum schedules (Goodfellow et al.'s).
//   - models: Stack and Summary (Keras-like tables) and, one sub-package each, the networks and training recipes:
//     vanilla (the lecture's MLP GAN, Goodfellow et al.'s MNIST model), dcgan, cgan, wgan, wgangp, infogan.
//   - data: MNIST and Fashion-MNIST from a user folder, a registry package, or their URLs with SHA-256 checks;
//     folders of images (Kaggle layout) and the brain-MRI set; LoadTrain takes any of these by name.
//   - nbui: inline image grids, a grid updated in place, loss curves and progress bars for GoNB notebooks
//     (no-ops elsewhere).
//   - lab: a training session as notebooks and the CLI run it: run folder, resume, per-epoch logs and grids.
//   - metrics, theory, bench: measurements (FD, precision/recall, Parzen), the 1-D GAN of notebook 02, the
//     benchmark models.
//   - experiments: the paper reproductions and their measurements (Goodfellow et al.'s Table 1 and Figure 2 with
//     cmd/goodfellow, DCGAN step timing, cGAN and InfoGAN accuracies, Fréchet distance, training curves).
//   - cmd/ganlab: the command line (doctor, train, sample, eval, summary, bench, data).
//   - internal/project, internal/npy, internal/gemm, internal/purego, internal/tune: the project folder and atomic
//     writes, the .npy writer, ganlib's AVX-512 matrix product, the pure-Go backend test, the speed switch's state.
//
// See the Example for the shortest complete use.
package ganlib
