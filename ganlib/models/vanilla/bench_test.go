package vanilla_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

// BenchmarkStep times one full GAN step (one D update + one G update, Adam) of the vanilla MLP GAN on 28×28
// images at batch 64, on each backend: go test -run '^$' -bench Step ./ganlib/models/vanilla
func BenchmarkStep(b *testing.B) {
	backendtest.EachB(b, func(b *testing.B, be compute.Backend) {
		rng := rand.New(rand.NewPCG(1, 1))
		px := make([]float32, 1024*784)
		for i := range px {
			px[i] = rng.Float32()
		}
		tr, err := gan.New(be, vanilla.New(28, 28, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 64}})
		if err != nil {
			b.Fatal(err)
		}
		if err := tr.SetData(px, 1024, 28, 28, 1, 0, 1); err != nil {
			b.Fatal(err)
		}
		if _, err := tr.TrainStep(); err != nil { // compile outside the timing
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			if _, err := tr.TrainStep(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
