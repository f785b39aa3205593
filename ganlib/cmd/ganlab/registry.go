package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/models/biggan"
	"github.com/ganlab/ganlab/ganlib/models/cgan"
	"github.com/ganlab/ganlab/ganlib/models/cyclegan"
	"github.com/ganlab/ganlab/ganlib/models/dcgan"
	"github.com/ganlab/ganlab/ganlib/models/infogan"
	"github.com/ganlab/ganlab/ganlib/models/pggan"
	"github.com/ganlab/ganlab/ganlib/models/stylegan"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
	"github.com/ganlab/ganlab/ganlib/models/wgan"
	"github.com/ganlab/ganlab/ganlib/models/wgangp"
)

// modelSpec builds a variant for images of size×size×channels.
type modelSpec struct {
	doc  string
	size int // default image size
	// order is the model's place in the lecture, for listings (vanilla first); models without one come last.
	order int
	new   func(size, channels int) gan.Variant
	// callbacks, when set, run after every training step of ganlab train (a growing network's schedule).
	callbacks func() []gan.Callback
	// data, when set, is the only -data the model trains on (a translator whose two domains are fixed).
	data string
	// summaryNote, when set, is a line ganlab summary prints under the totals, given G + D's parameter count (for
	// networks the trainer's Generator and Discriminator do not build).
	summaryNote func(total int) string
}

var modelRegistry = map[string]modelSpec{
	"vanilla": {doc: "MLP GAN of the lecture's introduction (G 100-256-512-1024-784, D 784-512-256-1)", size: 28, order: 1,
		new: func(size, channels int) gan.Variant { return vanilla.New(size, size, channels) }},
	"lecture-dcgan": {doc: "the lecture's Keras DCGAN (slide 5): any size divisible by 4 (28 trains on Fashion-MNIST as it is)", size: dcgan.LectureSize, order: 2,
		new: func(size, channels int) gan.Variant { return dcgan.Lecture(size, channels) }},
	"dcgan": {doc: "Radford et al. 2015's DCGAN (BatchNorm, ReLU in G, N(0,0.02) init); sizes like 28, 32, 64", size: 64, order: 3,
		new: func(size, channels int) gan.Variant { return dcgan.Radford(size, channels) }},
	"dcgan-da": {doc: "Radford's DCGAN at an eighth of its width (16 outer filters) with differentiable augmentation (Zhao et al. 2020) of real and fake before D: the small-data CPU setting for MRI, 64×64", size: 64, order: 13,
		new: func(size, channels int) gan.Variant { return dcgan.SmallAugmented(size, channels) }},
	"cgan": {doc: "Mirza & Osindero 2014's conditional GAN: G and D see the dataset's 10 class labels; 28×28", size: 28, order: 4,
		new: func(size, channels int) gan.Variant { return cgan.New(size, channels) }},
	"wgan": {doc: "Arjovsky et al. 2017: critic without sigmoid, weights clipped at 0.01, RMSProp 5e-5, 5 critic steps", size: 28, order: 5,
		new: func(size, channels int) gan.Variant { return wgan.New(size, channels) }},
	"wgan-gp": {doc: "Gulrajani et al. 2017: WGAN with the gradient penalty (λ 10) instead of clipping, Adam(1e-4, β 0, 0.9)", size: 28, order: 6,
		new: func(size, channels int) gan.Variant { return wgangp.New(size, channels) }},
	"infogan": {doc: "Chen et al. 2016: a 10-value categorical and 2 continuous codes recovered by a Q head on D; 28×28", size: 28, order: 7,
		new: func(size, channels int) gan.Variant { return infogan.New(size, channels) }},
	"infogan-augq": {doc: "InfoGAN whose Q names the categorical code from a randomly warped copy of the image (ganlab's addition)", size: 28, order: 8,
		new: func(size, channels int) gan.Variant { return infogan.AugmentedQ(size, channels) }},
	"pggan": {doc: "Karras et al. 2018: grows 4→8→16→32 every pggan_steps_per_stage steps with fade-in α, pixel norm, minibatch stddev, equalised lr, WGAN-GP + drift; 32×32 (-size 32 pads 28×28 data)", size: 32, order: 12,
		new:       func(size, channels int) gan.Variant { return pggan.New(size, channels) },
		callbacks: func() []gan.Callback { return []gan.Callback{pggan.GrowBySettings()} }},
	"stylegan": {doc: "Karras et al. 2019: mapping network, constant input, modulated convs (StyleGAN2), noise, style mixing, truncation ψ, R1; 32×32 (28 too)", size: 32, order: 11,
		new: func(size, channels int) gan.Variant { return stylegan.New(size, channels) }},
	"cyclegan": {doc: "Zhu et al. 2017: translators MNIST→sklearn-digits (G) and back (F), LSGAN PatchGAN Ds, cycle (λ 10) and identity (5) losses, buffer of 50 fakes; 28×28, trains only with -data sklearn-digits (domain B)", size: 28, order: 9,
		new:  func(size, channels int) gan.Variant { return cyclegan.New(size, channels) },
		data: data.SKDigitsName,
		summaryNote: func(total int) string {
			return fmt.Sprintf("CycleGAN has four networks: the tables show G (A→B) and D_B; F (B→A) and D_A, built by its terms, are the same\n"+
				"networks for the other direction. Total params of all four (G + F + D_B + D_A): %s", models.Commas(2*total))
		}},
	"biggan": {doc: "Brock et al. 2019, small: class-conditional BatchNorm, projection D, hinge loss, spectral norm, orthogonal reg.; 32×32 (-size 32 pads 28×28 data)", size: 32, order: 10,
		new: func(size, channels int) gan.Variant { return biggan.New(size, channels) }},
}

func modelNames() string { return strings.Join(modelList(), ", ") }

// modelList returns the registry's model names in the lecture's order.
func modelList() []string {
	var names []string
	for n := range modelRegistry {
		names = append(names, n)
	}
	// In the lecture's order, then by name.
	rank := func(n string) int {
		if o := modelRegistry[n].order; o > 0 {
			return o
		}
		return 1 << 30
	}
	sort.Slice(names, func(i, j int) bool {
		if ri, rj := rank(names[i]), rank(names[j]); ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	return names
}

// lossList returns the loss pairs ganlab train -loss accepts: non-saturating, minimax, and the registry models'
// own (wasserstein), which only their models train with (chooseLoss).
func lossList() []string {
	names := []string{gan.NonSaturating().Name, gan.Minimax().Name}
	for _, m := range modelList() {
		spec := modelRegistry[m]
		if v, err := buildModel(m, spec, spec.size, 1); err == nil && !slices.Contains(names, v.Loss.Name) {
			names = append(names, v.Loss.Name)
		}
	}
	return names
}

func newModel(name string, size, channels int) (gan.Variant, error) {
	spec, ok := modelRegistry[name]
	if !ok {
		return gan.Variant{}, fmt.Errorf("unknown model %q; known models: %s", name, modelNames())
	}
	if size <= 0 {
		size = spec.size
	}
	if channels != 1 && channels != 3 {
		return gan.Variant{}, fmt.Errorf("channels must be 1 or 3, got %d", channels)
	}
	return buildModel(name, spec, size, channels)
}

// buildModel turns a constructor's panic (e.g. an image size the architecture cannot make) into an error.
func buildModel(name string, spec modelSpec, size, channels int) (v gan.Variant, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("model %q at %d×%d×%d: %v", name, size, size, channels, r)
		}
	}()
	return spec.new(size, channels), nil
}
