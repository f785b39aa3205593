// Package optim holds the optimizers GoMLX does not have, each checked against its reference:
//
//   - RMSProp (RMSPropWith): PyTorch's torch.optim.RMSprop with its defaults, the optimizer of WGAN; tested
//     against PyTorch's update written out in float64.
//   - Momentum (MomentumConfig, GoodfellowMomentum): SGD with classical momentum and pylearn2's learning-rate and
//     momentum schedules, the optimizer of Goodfellow et al. 2014; tested against the update computed by hand.
//
// FromScope builds the optimizer a player's settings name ("optimizer": adam, sgd, rmsprop or momentum) with its
// settings (learning_rate, ...), which is how gan's Trainer gets its two.
//
// Both implement GoMLX's optimizer.Interface and keep all their state in
// ordinary variables under the scope UpdateGraph is given, so checkpoints save and restore it. The names of that
// state (RMSPropScope, MomentumScope, MomentumStepName) are part of the checkpoint format: gan's Trainer uses them
// to leave optimizer state out of VariableValues, and they must not change.
package optim
