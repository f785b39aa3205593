// Package metrics measures generated images.
//
// Parzen-window log-likelihood (Parzen, ParzenSigmas, ...) is the protocol of Goodfellow et al. 2014's Table 1.
//
// The classifier-based scores use a domain classifier per dataset (LoadClassifier: "mnist" or "fashion-mnist"):
// a small CNN built from ganlib/nn layers, trained once with a fixed recipe and seed and shipped with the library
// as float16 weights (ganlib/metrics/classifiers, pinned by SHA-256), so that the same samples get the same
// scores on every machine. Its test accuracy (MNIST >= 99 %, Fashion-MNIST >= 90 %), FD floors and the scores of
// three reference sets (ReferenceSets) are stored with it; `ganlab data classifiers` prints them and
// `ganlab data classifiers -train` makes new ones. From it:
//
//   - Frechet: the Fréchet distance between Gaussians fitted to the classifier's penultimate-layer features of
//     the samples and of real images (FID with the dataset's classifier instead of Inception, Heusel et al.
//     2017). It is reported with its floor (Classifier.FDFloorAt): the FD of as many real train images against
//     the test set, what a perfect generator would score at that sample size.
//   - ClassifierScore: exp(E_x KL(p(y|x) ‖ p(y))), the Inception Score analogue (Salimans et al. 2016), in
//     [1, 10]: high when samples are classified confidently and all classes appear.
//   - ClassHistogram: how many samples fall in each class, with the entropy (log 10 = 2.303 nats when even):
//     a direct view of mode collapse.
//   - Precision and recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020) from k-NN balls
//     of the features scaled to unit length: precision = how many samples look real, recall = how much of the
//     real data's variety is covered. (On the raw features the balls of outlying real images are large enough to
//     hold uniform noise: its precision was 0.12–0.50 depending on the classifier's seed and machine.)
//
// Evaluate computes them all into a Report; Callback prints one every N steps during gan.Trainer.Train;
// `ganlab eval -run DIR` does it for a checkpoint.
//
// All images are NHWC 28×28×1 float32 with values in [-1, 1] (the generators' tanh range).
//
// For the brain-MRI slices (docs/mri-measures.md) the feature network is the MRI level network (MRILevelNet,
// trained on the slices to predict each one's level in its head), and on its features: KID (unbiased, with
// KIDSubsets), precision and recall as above; MSSSIM and MeanMSSSIM measure a set's diversity, CheckCopies the
// nearest training image of each sample against that of held-out real images, with a verdict in words. These take
// images with pixels in [0, 1].
package metrics
