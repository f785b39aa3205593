package data

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// DICOMImage is the first frame of a single-channel DICOM image, with the attributes needed to stack slices.
type DICOMImage struct {
	Rows, Cols int
	// Pixels holds Rows·Cols values, row-major, after RescaleSlope/RescaleIntercept; MONOCHROME1 images are
	// inverted (max+min-v) so that larger always means brighter.
	Pixels []float32
	// TransferSyntax is the transfer syntax UID, e.g. "1.2.840.10008.1.2.1" (explicit VR little endian).
	TransferSyntax string
	Modality       string
	Photometric    string
	InstanceNumber int
	// ImagePosition (0020,0032) and ImageOrientation (0020,0037) in the patient's LPS+ frame, when present.
	ImagePosition    []float64
	ImageOrientation []float64
	// PixelSpacing (0028,0030): row spacing, column spacing in mm, when present.
	PixelSpacing  []float64
	SliceLocation float64
	Source        string
}

// Transfer syntaxes ReadDICOM decodes; every compressed one is refused by name.
var dicomSyntaxes = map[string]string{
	"1.2.840.10008.1.2":   "implicit VR little endian",
	"1.2.840.10008.1.2.1": "explicit VR little endian",
	"1.2.840.10008.1.2.2": "explicit VR big endian",
	"1.2.840.10008.1.2.5": "RLE lossless",
}

const (
	dicomMaxFileBytes = 1 << 30
	dicomMaxDepth     = 16
)

// ReadDICOM reads an uncompressed DICOM file (Part 10 with the 128-byte preamble and "DICM", or a bare dataset in
// implicit VR little endian): implicit VR little endian, explicit VR little or big endian, deflated explicit VR
// little endian; 8, 16 or 32 bits
// allocated, signed or unsigned, one sample per pixel. Sequences are skipped (defined or undefined length). Only
// the first frame of a multi-frame image is returned.
//
// Errors name the file and say what is wrong: a compressed or unknown transfer syntax (by name), an element whose
// length runs past the end of the file, missing Rows/Columns/PixelData, pixel data shorter than Rows·Columns.
// Every length is checked against the bytes left, so allocations are bounded by the file's length.
func ReadDICOM(path string) (*DICOMImage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("DICOM file %s: %w", path, err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, dicomMaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("DICOM file %s: %w", path, err)
	}
	if len(raw) > dicomMaxFileBytes {
		return nil, fmt.Errorf("DICOM file %s: larger than %d bytes", path, dicomMaxFileBytes)
	}
	im, err := decodeDICOM(raw)
	if err != nil {
		return nil, fmt.Errorf("DICOM file %s: %w", path, err)
	}
	im.Source = path
	return im, nil
}

// dicomReader walks a dataset.
type dicomReader struct {
	b        []byte
	pos      int
	bo       binary.ByteOrder
	explicit bool
}

type dicomElement struct {
	group, elem uint16
	vr          string
	length      uint32 // 0xFFFFFFFF: undefined
	value       []byte // nil for undefined length
	at          int
}

func (e dicomElement) tag() string { return fmt.Sprintf("(%04X,%04X)", e.group, e.elem) }

// VRs whose explicit-VR length is 4 bytes after 2 reserved ones.
var longVRs = map[string]bool{"OB": true, "OD": true, "OF": true, "OL": true, "OV": true, "OW": true, "SQ": true,
	"SV": true, "UC": true, "UN": true, "UR": true, "UT": true, "UV": true}

func (r *dicomReader) need(n int, what string) error {
	if n < 0 || r.pos+n > len(r.b) {
		return fmt.Errorf("truncated at byte %d: %s needs %d bytes, %d left", r.pos, what, n, len(r.b)-r.pos)
	}
	return nil
}

// next reads one element header and, for a defined length, its value.
func (r *dicomReader) next() (dicomElement, error) {
	e := dicomElement{at: r.pos}
	if err := r.need(8, "an element header"); err != nil {
		return e, err
	}
	e.group, e.elem = r.bo.Uint16(r.b[r.pos:]), r.bo.Uint16(r.b[r.pos+2:])
	r.pos += 4
	if r.explicit && e.group != 0xFFFE {
		e.vr = string(r.b[r.pos : r.pos+2])
		r.pos += 2
		if longVRs[e.vr] {
			if err := r.need(6, "element "+e.tag()+"'s length"); err != nil {
				return e, err
			}
			e.length = r.bo.Uint32(r.b[r.pos+2:])
			r.pos += 6
		} else {
			e.length = uint32(r.bo.Uint16(r.b[r.pos:]))
			r.pos += 2
		}
	} else {
		e.length = r.bo.Uint32(r.b[r.pos:])
		r.pos += 4
	}
	if e.length == 0xFFFFFFFF {
		return e, nil
	}
	if uint64(e.length) > uint64(len(r.b)-r.pos) {
		return e, fmt.Errorf("element %s at byte %d claims %d bytes, only %d left in the file", e.tag(), e.at, e.length, len(r.b)-r.pos)
	}
	e.value = r.b[r.pos : r.pos+int(e.length)]
	r.pos += int(e.length)
	return e, nil
}

// skipUndefined skips the items of a sequence of undefined length, up to its delimiter (FFFE,E0DD).
func (r *dicomReader) skipUndefined(depth int) error {
	if depth > dicomMaxDepth {
		return fmt.Errorf("sequences nested deeper than %d at byte %d", dicomMaxDepth, r.pos)
	}
	for {
		e, err := r.next()
		if err != nil {
			return err
		}
		switch {
		case e.group == 0xFFFE && e.elem == 0xE0DD: // sequence delimiter
			return nil
		case e.group == 0xFFFE && e.elem == 0xE000 && e.length == 0xFFFFFFFF: // item of undefined length
			if err := r.skipItem(depth + 1); err != nil {
				return err
			}
		case e.group == 0xFFFE && e.elem == 0xE000: // item of defined length: already skipped
		default:
			return fmt.Errorf("unexpected element %s at byte %d inside a sequence", e.tag(), e.at)
		}
	}
}

// skipItem skips the elements of an item of undefined length, up to its delimiter (FFFE,E00D).
func (r *dicomReader) skipItem(depth int) error {
	for {
		e, err := r.next()
		if err != nil {
			return err
		}
		if e.group == 0xFFFE && e.elem == 0xE00D {
			return nil
		}
		if e.length == 0xFFFFFFFF {
			if err := r.skipUndefined(depth + 1); err != nil {
				return err
			}
		}
	}
}

func decodeDICOM(b []byte) (*DICOMImage, error) {
	im := &DICOMImage{}
	r := &dicomReader{b: b, bo: binary.LittleEndian}
	if len(b) >= 132 && string(b[128:132]) == "DICM" {
		// File meta information: group 0002, always explicit VR little endian.
		r.pos, r.explicit = 132, true
		for r.pos+2 <= len(b) && binary.LittleEndian.Uint16(b[r.pos:]) == 0x0002 {
			e, err := r.next()
			if err != nil {
				return nil, fmt.Errorf("file meta information: %w", err)
			}
			if e.elem == 0x0010 {
				im.TransferSyntax = dicomString(e.value)
			}
		}
		if im.TransferSyntax == "" {
			return nil, errors.New("file meta information has no transfer syntax UID (0002,0010)")
		}
	} else {
		if len(b) < 8 {
			return nil, fmt.Errorf("only %d bytes: not a DICOM file", len(b))
		}
		// No preamble: a bare dataset; the default transfer syntax is implicit VR little endian. Sniff for an
		// explicit VR after the first tag, as old writers did both.
		im.TransferSyntax = "1.2.840.10008.1.2"
		if vr := string(b[4:6]); len(vr) == 2 && vr[0] >= 'A' && vr[0] <= 'Z' && vr[1] >= 'A' && vr[1] <= 'Z' {
			im.TransferSyntax = "1.2.840.10008.1.2.1"
		}
		if g := binary.LittleEndian.Uint16(b); g != 0x0008 && g != 0x0002 && g != 0x0010 && g != 0x0018 && g != 0x0020 && g != 0x0028 {
			return nil, fmt.Errorf("no \"DICM\" at byte 128 and the first group is %04X: not a DICOM file", g)
		}
	}
	switch im.TransferSyntax {
	case "1.2.840.10008.1.2":
		r.explicit = false
	case "1.2.840.10008.1.2.1":
		r.explicit = true
	case "1.2.840.10008.1.2.2":
		r.explicit, r.bo = true, binary.BigEndian
	case "1.2.840.10008.1.2.1.99":
		// Deflated: the dataset after the meta information is one raw deflate stream.
		zr := flate.NewReader(bytes.NewReader(b[r.pos:]))
		inflated, err := io.ReadAll(io.LimitReader(zr, int64(len(b)-r.pos)*deflateMaxRatio))
		zr.Close()
		if err != nil {
			return nil, fmt.Errorf("deflated dataset: %w", err)
		}
		r.b, r.pos, r.explicit = inflated, 0, true
		b = inflated
	default:
		name := dicomSyntaxes[im.TransferSyntax]
		if name == "" && strings.HasPrefix(im.TransferSyntax, "1.2.840.10008.1.2.4.") {
			name = "JPEG family"
		}
		if name == "" {
			name = "unknown"
		}
		return nil, fmt.Errorf("transfer syntax %s (%s) is not supported: only uncompressed ones are (implicit VR little endian, explicit VR little or big endian, deflated)", im.TransferSyntax, name)
	}

	var bitsAlloc, bitsStored, signed, samples = 16, 0, 0, 1
	var slope, inter = 1.0, 0.0
	var pixel []byte
	for r.pos < len(b) {
		e, err := r.next()
		if err != nil {
			return nil, err
		}
		if e.length == 0xFFFFFFFF {
			if e.group == 0x7FE0 && e.elem == 0x0010 {
				return nil, errors.New("encapsulated (compressed) pixel data in an uncompressed transfer syntax")
			}
			if err := r.skipUndefined(1); err != nil {
				return nil, fmt.Errorf("in sequence %s: %w", e.tag(), err)
			}
			continue
		}
		us := func() int {
			if len(e.value) < 2 {
				return -1
			}
			return int(r.bo.Uint16(e.value))
		}
		switch uint32(e.group)<<16 | uint32(e.elem) {
		case 0x00080060:
			im.Modality = dicomString(e.value)
		case 0x00200013:
			im.InstanceNumber, _ = strconv.Atoi(dicomString(e.value))
		case 0x00200032:
			im.ImagePosition = dicomFloats(e.value)
		case 0x00200037:
			im.ImageOrientation = dicomFloats(e.value)
		case 0x00201041:
			if f := dicomFloats(e.value); len(f) > 0 {
				im.SliceLocation = f[0]
			}
		case 0x00280002:
			samples = us()
		case 0x00280004:
			im.Photometric = dicomString(e.value)
		case 0x00280010:
			im.Rows = us()
		case 0x00280011:
			im.Cols = us()
		case 0x00280030:
			im.PixelSpacing = dicomFloats(e.value)
		case 0x00280100:
			bitsAlloc = us()
		case 0x00280101:
			bitsStored = us()
		case 0x00280103:
			signed = us()
		case 0x00281052:
			if f := dicomFloats(e.value); len(f) > 0 {
				inter = f[0]
			}
		case 0x00281053:
			if f := dicomFloats(e.value); len(f) > 0 && f[0] != 0 {
				slope = f[0]
			}
		case 0x7FE00010:
			pixel = e.value
		}
	}
	switch {
	case pixel == nil:
		return nil, errors.New("no pixel data (7FE0,0010)")
	case im.Rows <= 0 || im.Cols <= 0:
		return nil, fmt.Errorf("rows (0028,0010) %d and columns (0028,0011) %d: both must be given and positive", im.Rows, im.Cols)
	case samples != 1:
		return nil, fmt.Errorf("%d samples per pixel (0028,0002): only single-channel images are supported", samples)
	case bitsAlloc != 8 && bitsAlloc != 16 && bitsAlloc != 32:
		return nil, fmt.Errorf("%d bits allocated (0028,0100): want 8, 16 or 32", bitsAlloc)
	}
	if bitsStored <= 0 || bitsStored > bitsAlloc {
		bitsStored = bitsAlloc
	}
	n := im.Rows * im.Cols
	bpp := bitsAlloc / 8
	if len(pixel) < n*bpp {
		return nil, fmt.Errorf("pixel data holds %d bytes, %d×%d pixels of %d bits need %d", len(pixel), im.Rows, im.Cols, bitsAlloc, n*bpp)
	}
	im.Pixels = make([]float32, n)
	mask := uint32(1)<<bitsStored - 1
	if bitsStored == 32 {
		mask = math.MaxUint32
	}
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for i := range n {
		var u uint32
		switch bpp {
		case 1:
			u = uint32(pixel[i])
		case 2:
			u = uint32(r.bo.Uint16(pixel[2*i:]))
		case 4:
			u = r.bo.Uint32(pixel[4*i:])
		}
		u &= mask
		var v float64
		if signed == 1 && u&(1<<(bitsStored-1)) != 0 {
			v = float64(int64(u) - int64(1)<<bitsStored)
		} else {
			v = float64(u)
		}
		x := float32(v*slope + inter)
		im.Pixels[i] = x
		lo, hi = min(lo, x), max(hi, x)
	}
	if im.Photometric == "MONOCHROME1" {
		for i, x := range im.Pixels {
			im.Pixels[i] = lo + hi - x
		}
	}
	return im, nil
}

func dicomString(v []byte) string {
	return strings.TrimRight(string(bytes.TrimRight(v, "\x00")), " ")
}

// dicomFloats parses a DS/IS value with backslash-separated numbers.
func dicomFloats(v []byte) []float64 {
	var out []float64
	for _, s := range strings.Split(dicomString(v), `\`) {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			out = append(out, f)
		}
	}
	return out
}
