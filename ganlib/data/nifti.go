package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Volume is a 3-D scan in memory. Data holds NX·NY·NZ values in the file's order, the first index fastest:
// Data[x + NX*(y + NY*z)], after the file's own scaling (NIfTI scl_slope/scl_inter), not normalised.
type Volume struct {
	NX, NY, NZ int
	Data       []float32
	// Spacing is the voxel size in mm along x, y, z (NIfTI pixdim[1..3]).
	Spacing [3]float64
	// Affine maps voxel indices (x, y, z, 1) to world millimetres in RAS+ (NIfTI sform, else qform, else the
	// diagonal of Spacing).
	Affine [3][4]float64
	// Source names the file it came from.
	Source string
}

// At returns the value at voxel (x, y, z).
func (v *Volume) At(x, y, z int) float32 { return v.Data[x+v.NX*(y+v.NY*z)] }

// AxisCodes says where each voxel axis points in the world, nibabel-style: "RAS" means x grows toward the
// patient's Right, y toward Anterior, z toward Superior; "LPI" the opposite. Taken from the dominant component of
// each column of Affine.
func (v *Volume) AxisCodes() string {
	pos, neg := "RAS", "LPI"
	var codes [3]byte
	for i := range 3 {
		best, bestAbs := 0, -1.0
		for w := range 3 {
			if a := math.Abs(v.Affine[w][i]); a > bestAbs {
				best, bestAbs = w, a
			}
		}
		if v.Affine[best][i] >= 0 {
			codes[i] = pos[best]
		} else {
			codes[i] = neg[best]
		}
	}
	return string(codes[:])
}

const (
	niftiHeaderSize = 348
	// niftiMaxVoxels bounds what a header may claim (2^30 voxels), before the file-length bound applies.
	niftiMaxVoxels = 1 << 30
)

// niftiTypes maps NIfTI-1 datatype codes to byte sizes and names.
var niftiTypes = map[int16]struct {
	size int
	name string
}{
	2: {1, "uint8"}, 4: {2, "int16"}, 8: {4, "int32"}, 16: {4, "float32"}, 64: {8, "float64"},
	256: {1, "int8"}, 512: {2, "uint16"}, 768: {4, "uint32"},
}

// ReadNIfTI reads a single-file NIfTI-1 volume (.nii, or .nii.gz: gzip is detected by content), either byte order.
// Only the first 3-D volume of a 4-D file is returned. Supported datatypes: uint8, int8, int16, uint16, int32,
// uint32, float32, float64.
//
// Errors name the file and say what is wrong (bad sizeof_hdr, magic, dims, datatype, a body shorter than the
// header says). Allocations are bounded by the file's length (for gzip: by deflate's largest ratio times it, and
// by what the stream really holds), so a lying header cannot allocate gigabytes.
func ReadNIfTI(path string) (*Volume, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("NIfTI file %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("NIfTI file %s: %w", path, err)
	}
	v, err := readNIfTI(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("NIfTI file %s: %w", path, err)
	}
	v.Source = path
	return v, nil
}

func readNIfTI(r io.Reader, size int64) (*Volume, error) {
	br := bufio.NewReader(r)
	avail, where := size, ""
	var src io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("bad gzip stream: %w", err)
		}
		defer zr.Close()
		src, avail, where = gzipErrReader{zr}, size*deflateMaxRatio, " (after gunzip)"
	}
	hdr := make([]byte, niftiHeaderSize)
	if n, err := io.ReadFull(src, hdr); err != nil {
		return nil, wrapRead(err, fmt.Sprintf("truncated header: %d of %d bytes%s", n, niftiHeaderSize, where))
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch {
	case binary.LittleEndian.Uint32(hdr) == niftiHeaderSize:
	case binary.BigEndian.Uint32(hdr) == niftiHeaderSize:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("sizeof_hdr is %d, want 348: not a NIfTI-1 file (NIfTI-2 is not supported)", binary.LittleEndian.Uint32(hdr))
	}
	magic := hdr[344:348]
	switch {
	case bytes.Equal(magic, []byte("n+1\x00")):
	case bytes.Equal(magic, []byte("ni1\x00")):
		return nil, errors.New("magic \"ni1\": a header with a separate .img file (a pair), not supported; convert it to one .nii")
	default:
		return nil, fmt.Errorf("bad magic %q at byte 344, want \"n+1\\0\"", magic)
	}
	i16 := func(off int) int16 { return int16(bo.Uint16(hdr[off:])) }
	f32 := func(off int) float64 { return float64(math.Float32frombits(bo.Uint32(hdr[off:]))) }
	ndim := int(i16(40))
	if ndim < 1 || ndim > 7 {
		return nil, fmt.Errorf("dim[0] is %d, want 1 to 7", ndim)
	}
	dims := [3]int{1, 1, 1}
	for i := 0; i < 3 && i < ndim; i++ {
		d := int(i16(42 + 2*i))
		if d < 1 {
			return nil, fmt.Errorf("dim[%d] is %d, want ≥ 1", i+1, d)
		}
		dims[i] = d
	}
	dt := i16(70)
	typ, ok := niftiTypes[dt]
	if !ok {
		return nil, fmt.Errorf("datatype %d is not supported (want uint8, int8, int16, uint16, int32, uint32, float32 or float64)", dt)
	}
	voxels := int64(dims[0]) * int64(dims[1]) * int64(dims[2])
	if voxels > niftiMaxVoxels {
		return nil, fmt.Errorf("dims %d×%d×%d claim %d voxels, more than the limit of %d", dims[0], dims[1], dims[2], voxels, niftiMaxVoxels)
	}
	voxOffset := f32(108)
	if voxOffset < niftiHeaderSize || voxOffset > float64(avail) || voxOffset != math.Trunc(voxOffset) {
		return nil, fmt.Errorf("vox_offset %g is not an integer between 348 and the file's length", voxOffset)
	}
	nbytes := voxels * int64(typ.size)
	if int64(voxOffset)+nbytes > avail {
		return nil, fmt.Errorf("header claims %d×%d×%d %s voxels (%d bytes) from offset %d, more than the file can hold (%d bytes%s)",
			dims[0], dims[1], dims[2], typ.name, nbytes, int64(voxOffset), avail, where)
	}
	if _, err := io.CopyN(io.Discard, src, int64(voxOffset)-niftiHeaderSize); err != nil {
		return nil, wrapRead(err, fmt.Sprintf("truncated extension: the data should start at byte %d%s", int64(voxOffset), where))
	}
	// Read in chunks so that a stream shorter than the header says fails before a big allocation completes.
	raw, err := readAtMost(src, nbytes)
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) < nbytes {
		return nil, fmt.Errorf("truncated data: header says %d×%d×%d %s voxels (%d bytes), only %d present%s",
			dims[0], dims[1], dims[2], typ.name, nbytes, len(raw), where)
	}
	v := &Volume{NX: dims[0], NY: dims[1], NZ: dims[2], Data: make([]float32, voxels)}
	decodeSamples(v.Data, raw, dt, bo)
	slope, inter := f32(112), f32(116)
	if slope != 0 && !math.IsNaN(slope) && !math.IsInf(slope, 0) && (slope != 1 || inter != 0) {
		for i, x := range v.Data {
			v.Data[i] = float32(float64(x)*slope + inter)
		}
	}
	for i := range 3 {
		v.Spacing[i] = math.Abs(f32(80 + 4*i))
		if v.Spacing[i] == 0 || math.IsNaN(v.Spacing[i]) {
			v.Spacing[i] = 1
		}
	}
	qcode, scode := i16(252), i16(254)
	switch {
	case scode > 0:
		for row := range 3 {
			for c := range 4 {
				v.Affine[row][c] = f32(280 + 16*row + 4*c)
			}
		}
	case qcode > 0:
		b, c, d := f32(256), f32(260), f32(264)
		a := math.Sqrt(max(0, 1-(b*b+c*c+d*d)))
		qfac := 1.0
		if f32(76) < 0 {
			qfac = -1
		}
		R := [3][3]float64{
			{a*a + b*b - c*c - d*d, 2 * (b*c - a*d), 2 * (b*d + a*c)},
			{2 * (b*c + a*d), a*a + c*c - b*b - d*d, 2 * (c*d - a*b)},
			{2 * (b*d - a*c), 2 * (c*d + a*b), a*a + d*d - c*c - b*b},
		}
		for row := range 3 {
			v.Affine[row][0] = R[row][0] * v.Spacing[0]
			v.Affine[row][1] = R[row][1] * v.Spacing[1]
			v.Affine[row][2] = R[row][2] * v.Spacing[2] * qfac
			v.Affine[row][3] = f32(268 + 4*row)
		}
	default:
		for i := range 3 {
			v.Affine[i][i] = v.Spacing[i]
		}
	}
	return v, nil
}

// readAtMost reads up to n bytes from r, growing its buffer as data really arrives (at most 64 MiB ahead).
func readAtMost(r io.Reader, n int64) ([]byte, error) {
	const chunk = 64 << 20
	buf := make([]byte, 0, min(n, chunk))
	for int64(len(buf)) < n {
		want := min(n-int64(len(buf)), chunk)
		if int64(cap(buf)-len(buf)) < want {
			buf = append(buf[:cap(buf)], make([]byte, want)...)[:len(buf)]
		}
		m, err := io.ReadFull(r, buf[len(buf):len(buf)+int(want)])
		buf = buf[:len(buf)+m]
		if err != nil {
			var gz gzipError
			if errors.As(err, &gz) {
				return nil, wrapRead(err, fmt.Sprintf("reading the data, %d of %d bytes read", len(buf), n))
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return buf, nil
			}
			return nil, err
		}
	}
	return buf, nil
}

// decodeSamples converts raw samples of NIfTI datatype dt into dst.
func decodeSamples(dst []float32, raw []byte, dt int16, bo binary.ByteOrder) {
	for i := range dst {
		switch dt {
		case 2:
			dst[i] = float32(raw[i])
		case 256:
			dst[i] = float32(int8(raw[i]))
		case 4:
			dst[i] = float32(int16(bo.Uint16(raw[2*i:])))
		case 512:
			dst[i] = float32(bo.Uint16(raw[2*i:]))
		case 8:
			dst[i] = float32(int32(bo.Uint32(raw[4*i:])))
		case 768:
			dst[i] = float32(bo.Uint32(raw[4*i:]))
		case 16:
			dst[i] = math.Float32frombits(bo.Uint32(raw[4*i:]))
		case 64:
			dst[i] = float32(math.Float64frombits(bo.Uint64(raw[8*i:])))
		}
	}
}
