// Package experiments holds the paper reproductions and their measurements, on top of the networks and recipes
// of ganlib/models: what a notebook or a long test measures about a trained model, and the tables and figures it
// draws.
//
//   - Goodfellow et al. 2014 (vanilla.Goodfellow): the Parzen-window protocol's splits (ParzenSplits), samples as
//     pixels in [0, 1] (SamplesUnit), the rows of Table 1 (ParzenRow, GoodfellowTable1, FormatParzenTable), the
//     real-image caveats (ParzenCaveats) and Figure 2 (GoodfellowFigure2PNG); the command cmd/goodfellow trains
//     the paper's run and scores it.
//   - DCGAN (dcgan.Lecture): the cost of a training step on a backend (DCGANStepTiming, StepTiming; StepTime for
//     any variant, e.g. Radford's DCGAN beside the lecture's).
//   - cGAN: the class-conditioned grid (CGANClassGrid) and the classifier's accuracy on conditioned samples
//     (CGANAccuracy).
//   - InfoGAN: the categorical code's accuracy after matching codes to digits (CodeAccuracy) and the continuous
//     codes' sweeps (SweepGrid).
//   - BigGAN: samples cropped from 32×32 to the classifiers' 28×28 (CropCentre), the classifier's accuracy on
//     class-conditioned samples at a truncation ψ (BigGANAccuracy), the truncation trade-off of precision and
//     recall (BigGANTruncationCurve, TruncationPNG) and the class grid (BigGANClassGrid).
//   - WGAN and WGAN-GP: the Fréchet distance of a generator's samples (Frechet) and curves of the training history
//     (CurvePNG with WEstimate, GradNorm, MILoss).
//   - Brain MRI (issue 27, docs/mri-measures.md): the level network trained on the slices of `ganlab data mri`
//     (TrainMRILevelNetOn), the measures of a set of slices against the real ones (MRIMeasures: KID with its
//     floor, precision/recall, level, MS-SSIM, the copy check against the Kaggle protocol's 20 slices), the pair
//     grid of samples beside their nearest training slice (NearestPairsPNG); cmd/mrimeasures prints them.
//
// Notebooks 04 and 05 run at a Scale (Quick for the tests, Lesson by default, Paper for the paper's budgets, a
// switch in the notebook's first cell): Budget and Scale.RunDir give each scale its steps and run folder,
// GoodfellowRun and FamilyRun are the two notebooks' runs, TrainTimed measures a session's time per step, Goal
// checks a success signal at paper scale only, and Record (docs/records) shows a paper-scale run as it was
// recorded, with the command, commit, machine and date that produced it.
//
// The tests named Test*TrainMNIST are the long reproductions on MNIST; each is off unless its environment
// variable sets the number of steps.
package experiments
