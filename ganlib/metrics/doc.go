// Package metrics measures generated images.
//
// Parzen-window log-likelihood (Parzen, ParzenSigmas, ...) is the protocol of Goodfellow et al. 2014's Table 1.
//
// The classifier-based scores use a domain classifier per dataset (LoadClassifier: "mnist" or "fashion-mnist"):
// a small CNN built from ganlib/nn layers, trained by the library on the train split (a couple of minutes on 2
// CPU cores with XLA; `ganlab data classifiers` does it ahead of time) and cached in the project data folder
// (<project>/.local/data/classifiers/<dataset>-<recipe hash>.bin, next to the datasets). Its test accuracy is checked when it
// is trained (MNIST >= 99 %, Fashion-MNIST >= 90 %) and stored with it. From it:
//
//   - Frechet: the Fréchet distance between Gaussians fitted to the classifier's penultimate-layer features of
//     the samples and of real images (FID with the dataset's classifier instead of Inception, Heusel et al.
//     2017). It is reported with its floor (Classifier.FDFloorAt): the FD of as many real train images against
//     the test set, what a perfect generator would score at that sample size.
//   - ClassifierScore: exp(E_x KL(p(y|x) ‖ p(y))), the Inception Score analogue (Salimans et al. 2016), in
//     [1, 10]: high when samples are classified confidently and all classes appear.
//   - ClassHistogram: how many samples fall in each class, with the entropy (log 10 = 2.303 nats when even):
//     a direct view of mode collapse.
//   - PrecisionRecall: improved precision and recall (Kynkäänniemi et al. 2019) from k-NN balls in feature
//     space: precision = how many samples look real, recall = how much of the real data's variety is covered.
//
// Evaluate computes them all into a Report; Callback prints one every N steps during gan.Trainer.Train;
// `ganlab eval -run DIR` does it for a checkpoint.
//
// All images are NHWC 28×28×1 float32 with values in [-1, 1] (the generators' tanh range).
package metrics
