package data

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// idxBytes encodes an unsigned-byte IDX file.
func idxBytes(dims []int, data []byte) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return append(b, data...)
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func writeFile(t testing.TB, dir, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadIDX(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 2*3*4)
	for i := range data {
		data[i] = byte(i * 10)
	}
	raw := idxBytes([]int{2, 3, 4}, data)
	// The gzip file is named without .gz: compression is detected by its magic bytes.
	for _, p := range []string{writeFile(t, dir, "plain-idx3-ubyte", raw), writeFile(t, dir, "compressed-idx3-ubyte", gzipBytes(raw))} {
		dims, got, err := ReadIDX(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(dims) != 3 || dims[0] != 2 || dims[1] != 3 || dims[2] != 4 || !bytes.Equal(got, data) {
			t.Errorf("%s: got dims %v data %v, want [2 3 4] %v", p, dims, got, data)
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	valid := idxBytes([]int{3, 28, 28}, make([]byte, 3*28*28))
	validGz := gzipBytes(valid)
	badCRC := bytes.Clone(validGz)
	badCRC[len(badCRC)-6] ^= 0xFF // the CRC-32 in the trailer
	hugeGz := gzipBytes(idxBytes([]int{60000, 28, 28}, make([]byte, 100)))
	noise := make([]byte, 1000)
	for i := range noise {
		noise[i] = byte(i * i * 7919 >> 3)
	}
	shortGz := gzipBytes(idxBytes([]int{3, 28, 28}, noise))
	cases := []struct {
		name, want string
		content    []byte
	}{
		{"empty", "truncated header: 0 of 4 magic bytes", nil},
		{"short-magic", "truncated header: 3 of 4 magic bytes", []byte{0, 0, 8}},
		{"short-dims", "truncated header: 3 dims need 12 bytes, only 5 present", valid[:9]},
		{"short-body", "truncated body: header says 3×28×28 = 2352 bytes of data but the file holds only 1000", valid[:16+1000]},
		{"wrong-magic", "bad magic 50 4b 03 04", append([]byte("PK\x03\x04"), valid[4:]...)},
		{"float-type", "unsupported type code 0x0D (float32)", append([]byte{0, 0, 0x0D, 3}, valid[4:]...)},
		{"no-dims", "wrong number of dims: header says 0", []byte{0, 0, 8, 0, 1, 2}},
		{"many-dims", "wrong number of dims: header says 200", append([]byte{0, 0, 8, 200}, make([]byte, 900)...)},
		{"zero-dim", "dimension 1 is 0", idxBytes([]int{3, 0, 28}, nil)},
		{"lying-dims", "header says 4294967295×4294967295×28 = more than 4294967296 bytes", idxBytes([]int{1<<32 - 1, 1<<32 - 1, 28}, make([]byte, 50))},
		{"lying-dims-60000", "truncated body: header says 60000×28×28 = 47040000 bytes of data but the file holds only 100", idxBytes([]int{60000, 28, 28}, make([]byte, 100))},
		{"trailing", "trailing data: header says 3×28×28 = 2352 bytes of data but 5 more bytes follow", append(bytes.Clone(valid), 1, 2, 3, 4, 5)},
		{"gzip-garbage", "bad gzip stream", append([]byte{0x1f, 0x8b}, []byte("this is not deflate data at all")...)},
		{"gzip-truncated", "bad gzip stream: compressed data cut short", validGz[:len(validGz)/2]},
		{"gzip-bad-crc", "bad gzip stream: gzip: invalid checksum", badCRC},
		{"gzip-short-content", "truncated body: header says 3×28×28 = 2352 bytes of data but the file holds only 1000 (after gunzip)", shortGz},
		{"gzip-lying-dims", "header says 60000×28×28 = 47040000 bytes of data, more than a", hugeGz},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, dir, c.name+"-idx3-ubyte.gz", c.content)
			_, _, err := ReadIDX(p)
			if err == nil {
				t.Fatalf("ReadIDX(%s): no error, want %q", p, c.want)
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ReadIDX error %q: want it to name %s and say %q", err, p, c.want)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		p := filepath.Join(dir, "absent-idx1-ubyte")
		if _, _, err := ReadIDX(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("ReadIDX(%s) = %v, want an error naming the file", p, err)
		}
	})
}

// TestReadIDXLyingHeaderAllocation checks that a header claiming 47 MB in a small file allocates no more than a
// small multiple of the file's size.
func TestReadIDXLyingHeaderAllocation(t *testing.T) {
	dir := t.TempDir()
	plain := writeFile(t, dir, "plain", idxBytes([]int{60000, 28, 28}, make([]byte, 1000)))
	gz := writeFile(t, dir, "gz", gzipBytes(idxBytes([]int{60000, 28, 28}, make([]byte, 1000))))
	for _, p := range []string{plain, gz} {
		if alloc := allocated(func() { ReadIDX(p) }); alloc > 1<<20 {
			t.Errorf("ReadIDX(%s) allocated %d bytes for a file claiming 47 MB; want under 1 MiB", p, alloc)
		}
	}
}

// allocated returns the bytes allocated by f.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// FuzzReadIDX feeds arbitrary bytes to ReadIDX: it must not panic, must return data matching its dims, and must
// not allocate much more than the data it returns (or, on error, than the file's size).
func FuzzReadIDX(f *testing.F) {
	small := idxBytes([]int{2, 3, 3}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})
	f.Add(small)
	f.Add(gzipBytes(small))
	f.Add(idxBytes([]int{4}, []byte{1, 2, 3, 4}))
	f.Add(idxBytes([]int{60000, 28, 28}, []byte{1, 2, 3}))
	if b, err := os.ReadFile(filepath.Join("testdata", "mnist", "t10k-labels-idx1-ubyte.gz")); err == nil {
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content []byte) {
		p := filepath.Join(dir, "fuzz-idx")
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		var dims []int
		var data []byte
		var err error
		alloc := allocated(func() { dims, data, err = ReadIDX(p) })
		if limit := uint64(4*(len(content)+len(data))) + 1<<20; alloc > limit {
			t.Errorf("ReadIDX allocated %d bytes for a %d-byte file returning %d bytes (err %v)", alloc, len(content), len(data), err)
		}
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		n := 1
		for _, d := range dims {
			n *= d
		}
		if n != len(data) {
			t.Errorf("dims %v hold %d values, data has %d", dims, n, len(data))
		}
		if content[0] != 0x1f && len(data) > len(content) {
			t.Errorf("plain file of %d bytes gave %d bytes of data", len(content), len(data))
		}
	})
}
