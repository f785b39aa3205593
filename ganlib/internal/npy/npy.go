// Package npy writes (and reads back) float32 arrays as NumPy .npy files (format version 1.0,
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html), so that anyone can load ganlab's raw
// samples with numpy.load.
package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"strconv"
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

// headerRE is the header Encode writes (numpy's own writer writes the same dict, with more padding).
var headerRE = regexp.MustCompile(`^\{'descr': '<f4', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \} *\n$`)

// Decode reads a .npy v1.0 file of little-endian float32 in C order, as Encode writes it, and returns its shape and
// values. Anything else (another version, dtype or order, a header that does not end the data's alignment, a body
// of the wrong length) is an error that says what is wrong.
func Decode(raw []byte) (shape []int, values []float32, err error) {
	if len(raw) < 10 || string(raw[:6]) != "\x93NUMPY" || raw[6] != 1 || raw[7] != 0 {
		return nil, nil, fmt.Errorf("npy: not a .npy version 1.0 file (starts % x)", raw[:min(len(raw), 10)])
	}
	hlen := int(binary.LittleEndian.Uint16(raw[8:10]))
	if len(raw) < 10+hlen || (10+hlen)%64 != 0 {
		return nil, nil, fmt.Errorf("npy: header length %d: the data does not start at a multiple of 64 bytes inside the file", hlen)
	}
	m := headerRE.FindStringSubmatch(string(raw[10 : 10+hlen]))
	if m == nil {
		return nil, nil, fmt.Errorf("npy: header %q is not little-endian float32 in C order", raw[10:10+hlen])
	}
	n := 1
	for _, f := range strings.Split(m[1], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil {
			return nil, nil, fmt.Errorf("npy: shape %q: %w", m[1], err)
		}
		shape = append(shape, d)
		n *= d
	}
	body := raw[10+hlen:]
	if len(body) != 4*n {
		return nil, nil, fmt.Errorf("npy: shape %v needs %d bytes of data, the file has %d", shape, 4*n, len(body))
	}
	values = make([]float32, n)
	for i := range values {
		values[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return shape, values, nil
}
