// Package nn holds the layers ganlab's GANs are built from, each with a gradient that is checked against finite
// differences on both the XLA backend and GoMLX's pure-Go backend (see the tests).
//
// A layer is a plain function over a model scope: the caller picks the scope with scope.At("001_conv") and the
// layer names its variables plainly ("weights", "biases", ...). All shapes are NHWC for images: [batch, height,
// width, channels].
//
// Why not GoMLX's own layers: GoMLX v0.28.2's convolution input gradient is still wrong for even kernels, it has
// no trainable transposed convolution (no gradient through input dilation), no second-order convolution gradient
// (WGAN-GP needs one), and its pure-Go convolution is far slower than the routes below; its Dot gradient is
// right now, but slower on the pure-Go backend than MatMul's (docs/upstream/ has the defects, docs/benchmarks.md
// the timings). So:
//
//   - Dense and every convolution end in MatMul, a matrix product whose gradient is two matrix products (set
//     with the internal vjp package).
//   - On the pure-Go backend (route "im2col"), Conv2D is im2col (one Gather of k·k taps per output pixel, from
//     the image zero-padded so that every tap lies inside it) followed by MatMul; Conv2DTranspose is MatMul to
//     all k·k taps of every input pixel followed by the adjoint of im2col (one ScatterSum). Both are built only
//     from Gather, ScatterSum, Concatenate, Slice, Reshape and MatMul, so their first- and second-order
//     gradients (needed by WGAN-GP's gradient penalty) work on every backend. MatMul's products are put in
//     [m, k]·[k, n] order there, the only layout compute sends to its fastest kernels (and to ganlib's GEMM,
//     ganlib/backend/speed_gemm.go).
//   - On XLA (route "native"), both use XLA's ConvGeneral with hand-written gradients: conv, transposed conv and
//     kernel gradient are each other's VJPs, so gradients of every order are correct (and fast).
//
// Those two routes are the readable path, ganlib's default. ganlab's speed switch (package ganlib/speed: on in the
// CLI and the notebooks' kernels) adds three more, which "auto" then takes where they measured faster
// (ParamConvRoute): on the pure-Go backend a Conv2DTranspose on a large input by concatenations of shifted copies
// of the input, no ScatterSum or Gather (route "shift", speed_conv_shift.go), and images up to 64×64 by products with 0/1
// selection matrices, one kernel row at a time (route "select", speed_conv_select.go); on XLA's CPU backend a large
// strided transposed convolution (Conv2DTranspose, and Conv2D's input gradient) as stride² stride-1 convolutions,
// one per output phase, instead of one convolution over an input dilated with zeros (route "phase").
//
// Hyperparameters read from the context: ParamInitStddev, ParamConvRoute.
package nn

// ParamInitStddev is the context hyperparameter (float64, default 0) that chooses the initializer of every
// kernel ("weights") created by this package: 0 means Glorot uniform, Keras's default
// (U[-l, l] with l = sqrt(6/(fan_in+fan_out))); a value > 0 means N(0, stddev²), as in Radford et al. 2015's DCGAN
// (stddev 0.02, https://arxiv.org/abs/1511.06434). Biases always start at zero.
const ParamInitStddev = "nn_init_stddev"
