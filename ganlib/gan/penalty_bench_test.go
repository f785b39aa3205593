package gan_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn"

	. "github.com/gomlx/gomlx/core/graph"
)

// BenchmarkCriticStep times one WGAN critic update on XLA for an MNIST-size convolutional critic (28×28×1 →
// Conv2D 64 k4 s2 → LeakyReLU → Conv2D 128 k4 s2 → LeakyReLU → Dense 1), batch 64, Adam: the Wasserstein loss
// alone ("plain") and with WGAN-GP's gradient penalty ("penalty"), whose second-order backward pass is the extra
// cost. Run: go test ./ganlib/gan -run '^$' -bench CriticStep -benchtime 20x
func BenchmarkCriticStep(b *testing.B) {
	backend := backendtest.XLA(b)
	critic := func(scope *model.Scope, x *Node) *Node {
		y := nn.LeakyReLU(nn.Conv2D(scope.At("000_conv"), x, 64, 4, 2, nn.Same), 0.2)
		y = nn.LeakyReLU(nn.Conv2D(scope.At("001_conv"), y, 128, 4, 2, nn.Same), 0.2)
		return nn.Dense(scope.At("002_dense"), nn.Flatten(y), 1)
	}
	const batch = 64
	rng := rand.New(rand.NewPCG(1, 2))
	realV, fakeV := make([]float32, batch*28*28), make([]float32, batch*28*28)
	for i := range realV {
		realV[i], fakeV[i] = rng.Float32()*2-1, rng.Float32()*2-1
	}
	realT := tensors.FromFlatDataAndDimensions(realV, batch, 28, 28, 1)
	fakeT := tensors.FromFlatDataAndDimensions(fakeV, batch, 28, 28, 1)
	for _, withPenalty := range []bool{false, true} {
		name := "plain"
		if withPenalty {
			name = "penalty"
		}
		b.Run(name, func(b *testing.B) {
			scope := model.NewStore().RootScope()
			opt := optimizer.Adam().LearningRate(1e-4).Betas(0, 0.9).Done()
			step := model.MustNewExec(backend, scope.Store(), func(scope *model.Scope, r, f *Node) *Node {
				d := scope.At(gan.DiscriminatorScope)
				loss := gan.Wasserstein().Discriminator(critic(d, r), critic(d, f))
				if withPenalty {
					p, _ := gan.GradientPenalty(func(x *Node) *Node { return critic(d, x) }, r, f, gan.DrawAlpha(scope, r), 10)
					loss = Add(loss, p)
				}
				opt.UpdateGraph(scope.At(gan.DiscriminatorScope), r.Graph(), loss)
				return loss
			})
			defer step.Finalize()
			step.MustCall(realT, fakeT) // compile
			b.ResetTimer()
			for range b.N {
				step.MustCall(realT, fakeT)
			}
		})
	}
}
