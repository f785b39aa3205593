package data_test

import (
	"fmt"
	"path/filepath"

	"github.com/ganlab/ganlab/ganlib/data"
)

// Load a split from a folder; without the Dir option, Load finds the data itself (see the package documentation).
func ExampleLoad() {
	im, err := data.Load("fashion-mnist", "test", data.Dir(filepath.Join("testdata", "fashion-mnist")))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s: %d images of %d×%d×%d\n", im.Name, im.Split, im.N, im.H, im.W, im.C)
	fmt.Printf("first label: %d (%s), mean pixel %.3f\n", im.Labels[0], im.ClassNames[im.Labels[0]], im.Mean())
	// Output:
	// fashion-mnist test: 32 images of 28×28×1
	// first label: 9 (Ankle boot), mean pixel 0.274
}

// Iterate over shuffled epochs in batches, with pixels scaled to [-1,1] for a tanh generator.
func ExampleNewIterator() {
	im, err := data.Load("mnist", "test", data.Dir(filepath.Join("testdata", "mnist")))
	if err != nil {
		fmt.Println(err)
		return
	}
	it := data.NewIterator(im, 8, 42).WithRange(-1, 1)
	for range it.BatchesPerEpoch() + 1 {
		idx, pixels := it.Next()
		_, _ = idx, pixels // pixels: 8×28×28×1 values in [-1,1]
	}
	fmt.Println("batches per epoch:", it.BatchesPerEpoch(), "epochs completed:", it.Epoch())
	// Output:
	// batches per epoch: 4 epochs completed: 1
}

// Fetch the files once (what `ganlab data fetch` does), then Load reads them from the project data folder.
func ExampleFetch() {
	dir, source, err := data.Fetch("mnist")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dir, source)
}
