package vanilla_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

// BenchmarkStep times one full GAN step (one D update + one G update, Adam) of the vanilla MLP GAN on 28×28
// images at batch 64, on each backend: go test -run '^$' -bench Step ./ganlib/models/vanilla
func BenchmarkStep(b *testing.B) {
	for _, name := range []string{"xla", "go"} {
		b.Run(name, func(b *testing.B) {
			var be backends.Backend
			var err error
			if name == "go" {
				be, err = backend.NewGo()
			} else {
				plugin := backend.FindPlugin("cpu")
				if plugin == "" {
					b.Skip("no PJRT CPU plugin")
				}
				be, err = backends.NewWithConfig("xla:" + plugin + ",shared_buffers")
			}
			if err != nil {
				b.Fatal(err)
			}
			defer be.Finalize()
			rng := rand.New(rand.NewPCG(1, 1))
			px := make([]float32, 1024*784)
			for i := range px {
				px[i] = rng.Float32()
			}
			tr, err := gan.New(be, vanilla.New(28, 28, 1), gan.Config{BatchSize: 64, Seed: 1})
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
}
