package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// IDX format (LeCun's MNIST page): a 4-byte magic 0x00 0x00 <type code> <number of dims>, then each dimension as a
// big-endian uint32, then the data in row-major order. MNIST and Fashion-MNIST use type code 0x08 (unsigned byte).

// idxTypeNames names the IDX type codes, for error messages.
var idxTypeNames = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
}

const (
	// idxMaxDims bounds the dimension count; the format allows 255, real files use 1 to 4.
	idxMaxDims = 8
	// idxMaxBytes bounds the data size a header may claim (4 GiB), so that a product of dims cannot overflow.
	idxMaxBytes = 1 << 32
	// deflateMaxRatio is the largest expansion deflate can achieve (about 1032:1); a gzip file of n bytes cannot
	// decompress to more than deflateMaxRatio*n bytes, so a header claiming more is a lie we can reject at once.
	deflateMaxRatio = 1032
)

// ReadIDX reads one IDX file of unsigned bytes, gzip-compressed or not (detected by the magic bytes 0x1f 0x8b, not
// by the name), and returns its dims and raw data, len(data) = product of dims.
//
// Errors name the file and say what is wrong: bad magic, unsupported type code, a dimension count outside 1..8, a
// zero dimension, a body shorter or longer than the header says, or a broken gzip stream. Allocations are bounded by
// the file's real length (for gzip: by what the stream actually holds), never by the header alone, so a lying header
// cannot make ReadIDX allocate gigabytes.
func ReadIDX(path string) (dims []int, data []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("IDX file %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("IDX file %s: %w", path, err)
	}
	dims, data, err = readIDX(f, st.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("IDX file %s: %w", path, err)
	}
	return dims, data, nil
}

// readIDX decodes an IDX stream of size bytes (as stored, possibly gzip-compressed).
func readIDX(r io.Reader, size int64) ([]int, []byte, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("bad gzip stream: %w", err)
		}
		defer zr.Close()
		return decodeIDX(gzipErrReader{zr}, size, true)
	}
	return decodeIDX(br, size, false)
}

// gzipError marks an error raised by the gzip/flate decoder (as opposed to the end of the stream).
type gzipError struct{ err error }

func (e gzipError) Error() string { return e.err.Error() }
func (e gzipError) Unwrap() error { return e.err }

// gzipErrReader wraps a gzip reader so that its errors, other than the clean io.EOF at the end of the stream, are
// gzipErrors: io.ReadFull turns only io.EOF into io.ErrUnexpectedEOF, so a decompressed stream that ends early can
// be told apart from compressed data that is cut short or corrupt.
type gzipErrReader struct{ r io.Reader }

func (g gzipErrReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = gzipError{err}
	}
	return n, err
}

// decodeIDX reads the header and body from r. size is the file's size as stored; for gzip streams (gz) r delivers
// the decompressed bytes, at most deflateMaxRatio*size of them.
func decodeIDX(r io.Reader, size int64, gz bool) ([]int, []byte, error) {
	where, avail := "", size
	if gz {
		where, avail = " (after gunzip)", size*deflateMaxRatio
	}
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, nil, wrapRead(err, fmt.Sprintf("truncated header: %d of 4 magic bytes%s", n, where))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, nil, fmt.Errorf("bad magic % x%s: an IDX file starts with 00 00 <type> <dims>", magic[:], where)
	}
	if magic[2] != 0x08 {
		name := idxTypeNames[magic[2]]
		if name == "" {
			name = "unknown"
		}
		return nil, nil, fmt.Errorf("unsupported type code 0x%02X (%s): only 0x08 (unsigned byte) is supported", magic[2], name)
	}
	nd := int(magic[3])
	if nd < 1 || nd > idxMaxDims {
		return nil, nil, fmt.Errorf("wrong number of dims: header says %d, want 1 to %d", nd, idxMaxDims)
	}
	raw := make([]byte, 4*nd)
	if n, err := io.ReadFull(r, raw); err != nil {
		return nil, nil, wrapRead(err, fmt.Sprintf("truncated header: %d dims need %d bytes, only %d present%s", nd, 4*nd, n, where))
	}
	dims := make([]int, nd)
	total := int64(1)
	for i := range dims {
		d := int64(raw[4*i])<<24 | int64(raw[4*i+1])<<16 | int64(raw[4*i+2])<<8 | int64(raw[4*i+3])
		if d == 0 {
			return nil, nil, fmt.Errorf("dimension %d is 0 in header %s", i, dimsString(raw, nd))
		}
		dims[i] = int(d)
		if total > idxMaxBytes/d { // checked before multiplying, so the product cannot overflow
			total = idxMaxBytes + 1
		} else {
			total *= d
		}
		if total > idxMaxBytes {
			return nil, nil, fmt.Errorf("header says %s = more than %d bytes of data: not a plausible IDX file", dimsString(raw, nd), int64(idxMaxBytes))
		}
	}
	headerLen := int64(4 + 4*nd)
	if bodyMax := avail - headerLen; total > bodyMax {
		if !gz {
			return nil, nil, fmt.Errorf("truncated body: header says %s = %d bytes of data but the file holds only %d", dimsString(raw, nd), total, max(bodyMax, 0))
		}
		return nil, nil, fmt.Errorf("header says %s = %d bytes of data, more than a %d-byte gzip file can hold (deflate expands at most %d:1)",
			dimsString(raw, nd), total, size, deflateMaxRatio)
	}
	// A plain file holds the whole body (checked above), so allocate it at once. A gzip stream may still end early:
	// start from a small multiple of the compressed size and let memory grow only with the bytes actually present.
	var buf bytes.Buffer
	if gz {
		buf.Grow(int(min(total, 8*size+4096)))
	} else {
		buf.Grow(int(total))
	}
	n, err := io.Copy(&buf, io.LimitReader(r, total))
	if err != nil {
		return nil, nil, wrapRead(err, fmt.Sprintf("reading body after %d of %d bytes", n, total))
	}
	if n < total {
		return nil, nil, fmt.Errorf("truncated body: header says %s = %d bytes of data but the file holds only %d%s", dimsString(raw, nd), total, n, where)
	}
	// Anything after the data means the header and the body disagree. For gzip, this read also checks the CRC.
	var extra [1]byte
	k, err := io.ReadFull(r, extra[:])
	if k > 0 {
		rest, _ := io.Copy(io.Discard, io.LimitReader(r, avail))
		return nil, nil, fmt.Errorf("trailing data: header says %s = %d bytes of data but %d more bytes follow%s", dimsString(raw, nd), total, rest+1, where)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, wrapRead(err, "after the data")
	}
	return dims, buf.Bytes(), nil
}

// wrapRead turns a read error into a message: an EOF means the (decompressed) data ends early and gives msg; a
// gzipError means the compressed stream is cut short or corrupt.
func wrapRead(err error, msg string) error {
	var ge gzipError
	switch {
	case errors.As(err, &ge) && errors.Is(ge.err, io.ErrUnexpectedEOF):
		return fmt.Errorf("bad gzip stream: compressed data cut short (%s)", msg)
	case errors.As(err, &ge):
		return fmt.Errorf("bad gzip stream: %v (%s)", ge.err, msg)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New(msg)
	default:
		return fmt.Errorf("%s: %w", msg, err)
	}
}

// dimsString formats the header's dims as "60000×28×28".
func dimsString(raw []byte, nd int) string {
	parts := make([]string, nd)
	for i := range parts {
		d := uint32(raw[4*i])<<24 | uint32(raw[4*i+1])<<16 | uint32(raw[4*i+2])<<8 | uint32(raw[4*i+3])
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "×")
}
