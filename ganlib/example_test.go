package ganlib_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/janpfeifer/must"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

// Example trains the vanilla GAN for three steps on random 28×28 images and samples from it. In a notebook or
// the CLI the backend is backend.Default() (XLA CPU when its plugin is installed) and the data come from
// data.Load("fashion-mnist", "train").
func Example() {
	b := must.M1(backend.NewGo())
	defer b.Finalize()
	v := vanilla.New(28, 28, 1)
	g, d := must.M2(models.Summarize(b, v))
	fmt.Printf("G has %s parameters, D %s\n", models.Commas(g.Total), models.Commas(d.Total))

	rng := rand.New(rand.NewPCG(1, 2))
	pixels := make([]float32, 128*28*28) // 128 images with values in [0, 1]
	for i := range pixels {
		pixels[i] = rng.Float32()
	}
	tr := must.M1(gan.New(b, v, gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 32}}))
	must.M(tr.SetData(pixels, 128, 28, 28, 1, 0, 1))
	must.M(tr.Train(3, func(_ *gan.Trainer, r gan.Record) error {
		fmt.Printf("step %d: epoch %.2f\n", r.Step, r.Epoch)
		return nil
	}))
	samples := must.M1(tr.Samples())
	fmt.Printf("%d fixed-noise samples of %d pixels\n", len(samples)/(28*28), 28*28)
	// Output:
	// G has 1,486,352 parameters, D 533,505
	// step 1: epoch 0.25
	// step 2: epoch 0.50
	// step 3: epoch 0.75
	// 10 fixed-noise samples of 784 pixels
}
