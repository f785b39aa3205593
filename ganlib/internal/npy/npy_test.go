package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readNPY decodes a .npy file (npy.Decode), failing the test on an error.
func readNPY(t *testing.T, raw []byte) (shape []int, values []float32) {
	t.Helper()
	shape, values, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return shape, values
}

// TestEncode round-trips shapes of 1 to 21 dimensions, among them one whose header needs no padding at all (the
// magic, version, length and header already end on 64 bytes).
func TestEncode(t *testing.T) {
	aligned := append(make([]int, 0, 21), 10) // (1, 1, …, 1, 10): 20 ones; 10 + len(header) + 1 = 128
	for range 20 {
		aligned = append([]int{1}, aligned...)
	}
	for _, shape := range [][]int{{3}, {2, 3}, {1, 28, 28, 1}, {0, 2}, {}, aligned} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = float32(i)*0.5 - 1
		}
		raw, err := Encode(vals, shape...)
		if err != nil {
			t.Fatal(err)
		}
		gotShape, got := readNPY(t, raw)
		if fmt.Sprint(gotShape) != fmt.Sprint(shape) || fmt.Sprint(got) != fmt.Sprint(vals) {
			t.Errorf("shape %v: read back %v %v", shape, gotShape, got)
		}
	}
	if raw, _ := Encode(make([]float32, 10), aligned...); binary.LittleEndian.Uint16(raw[8:10]) != 128-10 {
		t.Errorf("shape %v: header length %d, want 118 (no padding)", aligned, binary.LittleEndian.Uint16(raw[8:10]))
	}
	if _, err := Encode(make([]float32, 5), 2, 3); err == nil {
		t.Error("5 values for shape (2, 3) accepted")
	}
	if _, err := Encode(nil, 2, -1); err == nil {
		t.Error("a negative dimension accepted")
	}
}

// TestEncodeBytes pins the exact bytes of a small file: the header padded with the fewest spaces that start the
// data at a multiple of 64 (byte 128: the header alone is 57 bytes), then the values little-endian.
func TestEncodeBytes(t *testing.T) {
	raw, err := Encode([]float32{1, -2}, 2)
	if err != nil {
		t.Fatal(err)
	}
	header := "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
	want := "\x93NUMPY\x01\x00\x76\x00" + header + strings.Repeat(" ", 128-10-len(header)-1) + "\n" +
		"\x00\x00\x80\x3f" + "\x00\x00\x00\xc0"
	if string(raw) != want {
		t.Errorf("Encode([1, -2], 2) =\n%q\nwant\n%q", raw, want)
	}
}

// TestWrite: Write puts Encode's bytes at path, leaves no temporary file, and reports a bad shape with the path.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	vals := []float32{0, 0.25, 0.5, 0.75, 1, math.MaxFloat32}
	if err := Write(path, vals, 3, 2); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Encode(vals, 3, 2)
	if !bytes.Equal(got, want) {
		t.Error("Write wrote other bytes than Encode returns")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, err %v: want 0644", fi.Mode().Perm(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only x.npy", len(entries))
	}
	if err := Write(filepath.Join(dir, "bad.npy"), vals, 4, 2); err == nil || !strings.Contains(err.Error(), "bad.npy") {
		t.Errorf("6 values for shape (4, 2): err %v, want one naming the file", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.npy")); !os.IsNotExist(err) {
		t.Error("a bad shape still wrote a file")
	}
}

// TestDecodeRejects: Decode says what is wrong with a file it cannot read.
func TestDecodeRejects(t *testing.T) {
	good, err := Encode([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	f64 := bytes.Replace(bytes.Clone(good), []byte("'<f4'"), []byte("'<f8'"), 1)
	fortran := bytes.Replace(bytes.Clone(good), []byte("False"), []byte("True "), 1)
	v2 := bytes.Clone(good)
	v2[6] = 2
	for name, c := range map[string]struct {
		raw  []byte
		want string
	}{
		"empty":      {nil, "not a .npy version 1.0 file"},
		"version 2":  {v2, "not a .npy version 1.0 file"},
		"float64":    {f64, "not little-endian float32 in C order"},
		"fortran":    {fortran, "not little-endian float32 in C order"},
		"short body": {good[:len(good)-4], "shape [2 3] needs 24 bytes of data, the file has 20"},
		"long body":  {append(bytes.Clone(good), 0, 0, 0, 0), "the file has 28"},
		"cut header": {good[:40], "does not start at a multiple of 64"},
	} {
		if _, _, err := Decode(c.raw); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, c.want)
		}
	}
}
