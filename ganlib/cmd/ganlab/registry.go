package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

// modelSpec builds a variant for images of size×size×channels.
type modelSpec struct {
	doc  string
	size int // default image size
	new  func(size, channels int) gan.Variant
}

var modelRegistry = map[string]modelSpec{
	"vanilla": {doc: "MLP GAN of the lecture's introduction (G 100-256-512-1024-784, D 784-512-256-1)", size: 28,
		new: func(size, channels int) gan.Variant { return vanilla.New(size, size, channels) }},
}

func modelNames() string {
	var names []string
	for n := range modelRegistry {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
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
	return spec.new(size, channels), nil
}
