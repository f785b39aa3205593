// Package gan plays the adversarial game of Goodfellow et al. 2014 for any GAN given as a Variant: a few closed
// parts, none of which the trainer looks inside.
//
//   - Generator G(z, c) and Discriminator D(x, c): one signature each; c is the batch's condition (Cond, named
//     inputs, empty for an unconditional GAN), and D may return named heads beside its logits (InfoGAN's Q).
//     PlainG and PlainD adapt an unconditional network.
//   - Prior: z's size and distribution and, for a conditional GAN, a Condition that draws the fakes' condition,
//     gives the real images' (from their labels) and the fixed sample grid's. cGAN's labels live in models/cgan,
//     InfoGAN's codes in models/infogan.
//   - Loss: the pair of losses on D's logits (minimax, non-saturating, Wasserstein).
//   - DTerms and GTerms: extra loss terms, each seeing the step's real and fake images, their conditions, logits and
//     heads, and D itself (gradient penalty, mutual information, ...); each may record a value in Record.Terms.
//   - DConstraints and GConstraints: changes to a player's variables right after its update (weight clipping).
//   - Settings: the variant's defaults over the trainer's (DefaultSettings).
//
// Settings flow one way (settings.go): the trainer's defaults, then the variant's, then the user's
// (Config.Settings, the CLI's -set, -lr and -batch) are GoMLX model parameters in the trainer's store; the
// trainer (batch_size, critic_steps), the optimizers (optim.FromScope: optimizer, learning_rate, adam_beta1, ...)
// and the variant's parts read them from there; checkpoints store them, and a resumed run takes them back except
// those the user gave again.
//
// The Trainer compiles one D step and one G step (each player's optimizer updates only the variables under its
// scope), draws every batch, noise vector and condition from the seed and the step number (so a resumed run is
// the uninterrupted one), guards against NaN/Inf naming the first bad layer, trains data-parallel over several
// devices on request, and saves atomic checkpoints.
package gan
