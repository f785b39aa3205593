package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The cerebrum range of a head volume, from its head-area profile (the fraction of each axial slice's pixels above
// MRIOptions.Threshold, smoothed over about 5 mm along z), read from the top of the head down:
//
//   - going down from the vertex the head's cross-section grows to its widest (the peak, at the level of the
//     temporal lobes and lateral ventricles), then narrows to a waist at the skull base (orbits, sinuses,
//     cerebellum: air and bone are dark) before the face and jaw widen it again;
//   - the waist is the first minimum below the peak that is at least mriDip of the peak's area below it and is
//     followed, further down, by a rise of at least mriDip (in a volume that ends first: its smallest slice below
//     the peak);
//   - the cerebrum range starts at the lowest slice above the waist whose area has climbed back mriClimb of the
//     way from the waist to the peak (below it: skull base, face, jaw and neck), and ends at the highest slice
//     whose area is still mriCap of the peak's (above it: small vertex caps, a ring of skull around a disc of
//     cortex).
//
// The constants were set by looking at the contact sheet of all slices of the three heads (docs/mri-measures.md):
// with them the range starts at the level of the orbits' roof and the midbrain, where the temporal and frontal
// lobes fill the skull, and ends where the cortex still fills a clear oval inside the skull's ring.
const (
	mriDip        = 0.05
	mriClimb      = 0.75
	mriCap        = 0.42
	mriSmoothMM   = 5.0
	mriLevelsFile = "slices.csv"
)

// Reasons a slice is not in the training set, as slices.csv writes them.
const (
	MRIEmpty = "empty"          // under MinFraction of its pixels above Threshold
	MRIDim   = "dim"            // its 99th percentile under MinPeak (e.g. the UNC head's neck at the coil's edge)
	MRIBelow = "below-cerebrum" // skull base, face, jaw or neck
	MRICap   = "vertex-cap"     // above the range: a small cap of the vertex
)

// MRISlice describes one axial slice of a volume that BuildMRI read: one line of its slices.csv.
type MRISlice struct {
	// File is the PNG's path relative to the build folder ("no/colin27_080.png" in the training set,
	// "excluded/unc_040.png" outside the cerebrum range); "" for empty and dim slices, which are not written.
	File string
	// Volume is the source's name ("colin27", "unc", "dicom"), Index the slice's index in it from inferior (0) to
	// superior, Slices the volume's number of axial slices.
	Volume        string
	Index, Slices int
	// Level is the slice's place in its volume's cerebrum range: 0 at the lowest slice of the range, 1 at the
	// highest, below 0 under it and above 1 over it. It is the label the MRI feature network learns.
	Level float64
	// VolumeLevel is Index/(Slices-1): its place in the scanned field, which differs from head to head.
	VolumeLevel float64
	// HeadArea is the fraction of the slice's pixels above the threshold (unsmoothed).
	HeadArea float64
	// Kept: in the default training set (no/). Reason says why not (MRIEmpty, MRIDim, MRIBelow, MRICap).
	Kept   bool
	Reason string
}

// cerebrumRange returns the first and last slice of the cerebrum range of a head-area profile (inferior first),
// smoothed over window slices, and the peak and waist found (see the comment on mriDip). ok is false when the
// profile holds no head.
func cerebrumRange(area []float64, window int) (lo, hi, peak, waist int, ok bool) {
	s := smooth(area, window)
	top := -1
	for k := len(s) - 1; k >= 0; k-- {
		if s[k] > 0 {
			top = k
			break
		}
	}
	if top < 0 {
		return 0, -1, -1, -1, false
	}
	// Down from the top: a new maximum resets the search for the waist; a dip of mriDip followed by a rise of
	// mriDip ends it.
	peak, waist = top, top
	best, low := s[top], s[top]
	for k := top - 1; k >= 0; k-- {
		if s[k] > best {
			best, low, peak, waist = s[k], s[k], k, k
			continue
		}
		if s[k] < low {
			low, waist = s[k], k
		}
		if best-low >= mriDip*best && s[k]-low >= mriDip*best {
			break
		}
	}
	lo = peak
	for k := waist; k <= peak; k++ {
		if s[k] >= low+mriClimb*(best-low) {
			lo = k
			break
		}
	}
	hi = peak
	for k := peak; k < len(s) && s[k] >= mriCap*best; k++ {
		hi = k
	}
	return lo, hi, peak, waist, true
}

// smooth is a centred moving average over window (odd) values, shrunk at the ends.
func smooth(x []float64, window int) []float64 {
	h := max(0, window/2)
	out := make([]float64, len(x))
	for i := range x {
		a, b := max(0, i-h), min(len(x)-1, i+h)
		var sum float64
		for _, v := range x[a : b+1] {
			sum += v
		}
		out[i] = sum / float64(b-a+1)
	}
	return out
}

// smoothWindow is the odd number of slices that spans about mriSmoothMM at slice spacing dz (mm).
func smoothWindow(dz float64) int {
	if dz <= 0 || math.IsNaN(dz) {
		return 1
	}
	return 2*int(math.Round(mriSmoothMM/dz/2)) + 1
}

var mriLevelsHeader = []string{"file", "volume", "slice", "slices", "level", "volume_level", "head_area", "set", "reason"}

// writeMRILevels writes slices.csv: one line per axial slice of every volume.
func writeMRILevels(path string, rows []MRISlice) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write(mriLevelsHeader)
	for _, r := range rows {
		set := "train"
		switch {
		case r.Kept:
		case r.File != "":
			set = "excluded"
		default:
			set = "dropped"
		}
		w.Write([]string{r.File, r.Volume, strconv.Itoa(r.Index), strconv.Itoa(r.Slices),
			strconv.FormatFloat(r.Level, 'f', 4, 64), strconv.FormatFloat(r.VolumeLevel, 'f', 4, 64),
			strconv.FormatFloat(r.HeadArea, 'f', 4, 64), set, r.Reason})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// ReadMRISlices reads the slices.csv that BuildMRI writes into dir (the build folder, or its no/ sub-folder): one
// MRISlice per axial slice of every volume, in the order written (volume by volume, inferior first).
func ReadMRISlices(dir string) ([]MRISlice, error) {
	path := filepath.Join(dir, mriLevelsFile)
	if _, err := os.Stat(path); err != nil && filepath.Base(filepath.Clean(dir)) == "no" {
		path = filepath.Join(filepath.Dir(filepath.Clean(dir)), mriLevelsFile)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is missing: the MRI folder %s was not built by this version of `ganlab data mri` (rebuild it)", path, dir)
		}
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil || strings.Join(head, ",") != strings.Join(mriLevelsHeader, ",") {
		return nil, fmt.Errorf("%s: first line %q, want %q", path, strings.Join(head, ","), strings.Join(mriLevelsHeader, ","))
	}
	var out []MRISlice
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var s MRISlice
		var errs []error
		atoi := func(v string) int { n, err := strconv.Atoi(v); errs = append(errs, err); return n }
		atof := func(v string) float64 { x, err := strconv.ParseFloat(v, 64); errs = append(errs, err); return x }
		s.File, s.Volume, s.Index, s.Slices = rec[0], rec[1], atoi(rec[2]), atoi(rec[3])
		s.Level, s.VolumeLevel, s.HeadArea = atof(rec[4]), atof(rec[5]), atof(rec[6])
		s.Kept, s.Reason = rec[7] == "train", rec[8]
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if rec[7] != "train" && rec[7] != "excluded" && rec[7] != "dropped" {
			return nil, fmt.Errorf("%s line %d: set %q, want train, excluded or dropped", path, line, rec[7])
		}
		out = append(out, s)
	}
}

// mriLevels decides for each slice of one volume (inferior first, slice spacing dz mm) whether it is empty, dim,
// outside the cerebrum range or kept, and its level.
func mriLevels(volume string, sl []slice2D, dz float64, mo MRIOptions) []MRISlice {
	area := make([]float64, len(sl))
	rows := make([]MRISlice, len(sl))
	for i, s := range sl {
		area[i] = s.fraction(mo.Threshold)
		rows[i] = MRISlice{Volume: volume, Index: i, Slices: len(sl), HeadArea: area[i],
			VolumeLevel: float64(i) / float64(max(1, len(sl)-1))}
	}
	lo, hi, _, _, ok := cerebrumRange(area, smoothWindow(dz))
	for i, s := range sl {
		r := &rows[i]
		if ok {
			r.Level = float64(i-lo) / float64(max(1, hi-lo))
		}
		switch {
		case area[i] < mo.MinFraction:
			r.Reason = MRIEmpty
		case float64(percentile(s.pix, 0.99)) < mo.MinPeak:
			r.Reason = MRIDim
		case !ok || i < lo:
			r.Reason = MRIBelow
		case i > hi:
			r.Reason = MRICap
		default:
			r.Kept = true
		}
	}
	return rows
}

// LoadMRISlices reads every slice BuildMRI wrote into dir (the training set in no/ and the other head slices in
// excluded/), in slices.csv's order, as size×size grayscale images in [0,1] (size 0: 128), with the slices.csv
// row of each: its volume and level. Labels are 1 for the training set and 0 for the rest (ClassNames "excluded",
// "no", as the folders).
func LoadMRISlices(dir string, size int) (*Images, []MRISlice, error) {
	rows, err := ReadMRISlices(dir)
	if err != nil {
		return nil, nil, err
	}
	if size <= 0 {
		size = defaultFolderSize
	}
	o := FolderOptions{Size: size, Channels: 1, MaxPixels: defaultMaxPixels, MaxFileBytes: defaultMaxFileBytes}
	im := &Images{Name: filepath.Base(filepath.Clean(dir)), Split: "train", H: size, W: size, C: 1,
		ClassNames: []string{"excluded", "no"}, Labels: []int{}}
	var written []MRISlice
	for _, r := range rows {
		if r.File == "" {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(r.File))
		pix, err := o.readImage(path)
		if err != nil {
			return nil, nil, fmt.Errorf("MRI slices %s: %s: %w", dir, path, err)
		}
		im.Pixels = append(im.Pixels, pix...)
		label := 0
		if r.Kept {
			label = 1
		}
		im.Labels = append(im.Labels, label)
		im.N++
		written = append(written, r)
	}
	if im.N == 0 {
		return nil, nil, fmt.Errorf("MRI slices %s: slices.csv names no written slice", dir)
	}
	im.Source = fmt.Sprintf("MRI slices %s: %d written slices of %d, %d×%d", dir, im.N, len(rows), size, size)
	return im, written, nil
}
