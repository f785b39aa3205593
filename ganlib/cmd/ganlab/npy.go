package main

import (
	"bytes"
	byteorder "encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ganlab/ganlab/ganlib/internal/project"
)

// encodeNPY returns values (float32, C order) as a NumPy .npy file, format version 1.0
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): the magic "\x93NUMPY", version 1.0,
// a little-endian uint16 header length, then the header, a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (N, H, W, C), } padded with spaces and ended by '\n' so that
// the data starts at a multiple of 64 bytes, then the raw little-endian float32 values.
func encodeNPY(values []float32, shape ...int) ([]byte, error) {
	n := 1
	dims := make([]string, len(shape))
	for i, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("npy: negative dimension %d in shape %v", d, shape)
		}
		n *= d
		dims[i] = fmt.Sprint(d)
	}
	if n != len(values) {
		return nil, fmt.Errorf("npy: shape %v holds %d values, got %d", shape, n, len(values))
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", tuple)
	const prefix = 6 + 2 + 2 // magic, version, header length
	total := prefix + len(header) + 1
	pad := (64 - total%64) % 64
	header += strings.Repeat(" ", pad) + "\n"
	if len(header) > math.MaxUint16 {
		return nil, fmt.Errorf("npy: header too long (%d bytes) for format 1.0", len(header))
	}
	var buf bytes.Buffer
	buf.Grow(prefix + len(header) + 4*len(values))
	buf.WriteString("\x93NUMPY")
	buf.Write([]byte{1, 0})
	_ = byteorder.Write(&buf, byteorder.LittleEndian, uint16(len(header)))
	buf.WriteString(header)
	raw := make([]byte, 4*len(values))
	for i, v := range values {
		byteorder.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	buf.Write(raw)
	return buf.Bytes(), nil
}

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
	raw, err := encodeNPY(values, count, h, w, c)
	if err != nil {
		return err
	}
	if path == "" {
		path = filepath.Join(run, "samples-step"+strconv.Itoa(step)+".npy")
	}
	if err := project.WriteFileAtomic(path, raw); err != nil {
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
