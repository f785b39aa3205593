package main

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/ganlab/ganlab/ganlib/internal/npy"
)

// writeSamplesNPY writes count samples (NHWC, the generator's range [-1, 1]; [0, 1] when unit) as a .npy file of
// shape (count, h, w, c) to path (default RUN/samples-stepN.npy), atomically.
func writeSamplesNPY(run, path, ckpt string, step int, px []float32, count, h, w, c int, unit bool) error {
	values := px
	if unit {
		values = make([]float32, len(px))
		for i, v := range px {
			values[i] = (v + 1) / 2
		}
	}
	if path == "" {
		path = filepath.Join(run, "samples-step"+strconv.Itoa(step)+".npy")
	}
	if err := npy.Write(path, values, count, h, w, c); err != nil {
		return err
	}
	what := "[-1, 1]"
	if unit {
		what = "[0, 1]"
	}
	fmt.Printf("%d samples from %s (step %d) → %s (float32, shape (%d, %d, %d, %d), values in %s)\n", count, ckpt, step, path,
		count, h, w, c, what)
	return nil
}
