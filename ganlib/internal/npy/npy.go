// Package npy writes float32 arrays as NumPy .npy files (format version 1.0,
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html), so that anyone can load ganlab's raw
// samples with numpy.load.
package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/ganlab/ganlab/ganlib/internal/project"
)

// Encode returns values (float32, C order) of the given shape as a .npy file: the magic "\x93NUMPY", version 1.0,
// a little-endian uint16 header length, then the header, a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (N, H, W, C), } padded with spaces and ended by '\n' so that
// the data starts at a multiple of 64 bytes (the fewest spaces that do; numpy's own writer adds more, room to grow
// the shape in place, and readers accept both), then the raw little-endian float32 values. It is an error when the
// shape does not hold len(values) values.
func Encode(values []float32, shape ...int) ([]byte, error) {
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
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	if len(header) > math.MaxUint16 {
		return nil, fmt.Errorf("npy: header too long (%d bytes) for format 1.0", len(header))
	}
	var buf bytes.Buffer
	buf.Grow(prefix + len(header) + 4*len(values))
	buf.WriteString("\x93NUMPY")
	buf.Write([]byte{1, 0})
	buf.Write(binary.LittleEndian.AppendUint16(nil, uint16(len(header))))
	buf.WriteString(header)
	raw := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	buf.Write(raw)
	return buf.Bytes(), nil
}

// Write writes values of the given shape to path as a .npy file (see Encode), atomically: a reader, or a run
// killed while writing, never sees a partial file.
func Write(path string, values []float32, shape ...int) error {
	raw, err := Encode(values, shape...)
	if err == nil {
		err = project.WriteFileAtomic(path, raw)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
