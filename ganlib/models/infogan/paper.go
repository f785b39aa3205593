package infogan

import (
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// The paper's MNIST networks at full width (Chen et al. 2016, Appendix C, Table 1), about 5× the arithmetic of
// New's narrow ones per image:
//
//	G: [z, c] → FC 1024 → BN → ReLU → FC 7·7·128 → BN → ReLU → upconv 64 4×4 s2 → BN → ReLU → upconv 1 4×4 s2 → tanh
//	D body: conv 64 4×4 s2 → lReLU → conv 128 4×4 s2 → BN → lReLU → FC 1024 → BN → lReLU      h [B, 1024]
//	D head: FC 1(h);  Q head: FC 128(h) → BN → lReLU → FC 10 (categorical logits), FC 2 (continuous means)
//
// G's first layer is Dense(z) + Dense(c), the same map as one Dense of the concatenation [z, c].
const (
	paperFC    = 1024
	paperConv  = 64
	paperQHead = 128
)

// PaperGenerator is G(z, c) of the paper's Table 1 for size×size×channels images (size a multiple of 4).
func PaperGenerator(size, channels int) func(scope *model.Scope, z, c *Node) *Node {
	if size <= 0 || size%4 != 0 || channels <= 0 {
		exceptions.Panicf("infogan.PaperGenerator: image size must be a positive multiple of 4 and channels positive, got %d×%d×%d", size, size, channels)
	}
	s4 := size / 4
	return func(scope *model.Scope, z, c *Node) *Node {
		h := Add(nn.Dense(scope.At("000_dense_z"), z, paperFC), nn.Dense(scope.At("001_dense_c"), c, paperFC))
		h = activation.Relu(nn.BatchNorm(scope.At("002_batch_norm"), h))
		h = nn.Dense(scope.At("003_dense"), h, s4*s4*2*paperConv)
		h = activation.Relu(nn.BatchNorm(scope.At("004_batch_norm"), h))
		h = nn.Reshape(h, s4, s4, 2*paperConv)
		h = nn.Conv2DTranspose(scope.At("005_conv2d_transpose"), h, paperConv, 4, 2, nn.Same)
		h = activation.Relu(nn.BatchNorm(scope.At("006_batch_norm"), h))
		h = nn.Conv2DTranspose(scope.At("007_conv2d_transpose"), h, channels, 4, 2, nn.Same)
		return Tanh(h)
	}
}

// PaperDiscriminator is D's body of the paper's Table 1 with its D and Q heads (see Discriminator).
func PaperDiscriminator(scope *model.Scope, x *Node, _ gan.Cond) (*Node, gan.Cond) {
	return discriminator(scope, x, paperConv, paperFC, paperQHead)
}

// Paper returns InfoGAN with the paper's full-width MNIST networks (named "infogan-paper"); everything else as New.
func Paper(size, channels int) gan.Variant {
	v := New(size, channels)
	v.Name = "infogan-paper"
	g := PaperGenerator(size, channels)
	v.Generator = func(scope *model.Scope, z *Node, c gan.Cond) *Node { return g(scope, z, c[Code]) }
	v.Discriminator = PaperDiscriminator
	return v
}
