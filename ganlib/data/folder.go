package data

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	stddraw "image/draw"
	_ "image/gif" // registered decoders: a folder in the wild may hold these too
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	_ "golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// Fit says how LoadFolder makes a non-square image square.
type Fit int

const (
	// Pad scales the longer side to Size and pads the shorter one with black on both sides (nothing is lost; the
	// Kaggle MRI images have black backgrounds).
	Pad Fit = iota
	// Crop scales the shorter side to Size and keeps the centre of the longer one.
	Crop
)

func (f Fit) String() string {
	if f == Crop {
		return "centre-crop"
	}
	return "pad"
}

// FolderOptions configures LoadFolder. The zero value reads grayscale 128×128 images, padded, skipping what it
// cannot read.
type FolderOptions struct {
	// Size is the side N of the N×N images (default 128).
	Size int
	// Channels is 1 (grayscale, ITU-R 601 luma; the default) or 3 (RGB). Alpha is composited over black.
	Channels int
	// Fit is Pad (default) or Crop.
	Fit Fit
	// Strict makes LoadFolder fail on the first file it cannot read instead of skipping it.
	Strict bool
	// MaxPixels bounds the width×height a file's header may claim (default 1<<25, about 33 megapixels), checked
	// with image.DecodeConfig before anything is decoded, so a lying header cannot allocate gigabytes.
	MaxPixels int
	// MaxFileBytes bounds the size of a file that is read at all (default 256 MiB).
	MaxFileBytes int64
	// Logf, when set, receives one line per skipped file as it is skipped.
	Logf func(format string, args ...any)
}

// Skipped is a file LoadFolder could not read, and why.
type Skipped struct {
	Path   string
	Reason string
}

func (s Skipped) String() string { return s.Path + ": " + s.Reason }

const (
	defaultFolderSize    = 128
	defaultMaxPixels     = 1 << 25
	defaultMaxFileBytes  = 256 << 20
	maxFolderFiles       = 1 << 20
	topLevelClass        = "."
	folderImageFormats   = "JPEG, PNG, GIF, BMP, TIFF, WebP"
	folderFileExtensions = ".jpg .jpeg .png .gif .bmp .tif .tiff .webp"
)

// LoadFolder reads every image under dir into N×N×C float32 pixels in [0,1] (the trainer maps them to [-1,1]),
// resized with Catmull-Rom resampling after padding or centre-cropping to a square (opts.Fit).
//
// Layout (Kaggle's brain-MRI set is the model): when dir has sub-folders, each is a class (sorted by name; Labels
// and ClassNames are set) and is read recursively; images directly in dir then form the class "."; without
// sub-folders the set is unlabelled. Hidden files and folders (names starting with ".") and __MACOSX are ignored.
//
// Formats are recognised by content, not by extension (so upper-case or wrong extensions do not matter): JPEG
// (baseline, progressive; grayscale, YCbCr, CMYK/YCCK), PNG (1-16 bit, grayscale, RGB, palette, alpha), GIF (first
// frame), BMP, TIFF and WebP. EXIF orientation tags are not applied.
//
// Files that cannot be read (not an image, corrupt, too large) are skipped and returned with the reason, each also
// passed to opts.Logf; with opts.Strict the first one is an error instead. An empty or missing folder is an error
// that says what was expected. Images.Source says how many files were read and skipped.
func LoadFolder(dir string, opts FolderOptions) (*Images, []Skipped, error) {
	o := opts
	if o.Size <= 0 {
		o.Size = defaultFolderSize
	}
	if o.Channels == 0 {
		o.Channels = 1
	}
	if o.Channels != 1 && o.Channels != 3 {
		return nil, nil, fmt.Errorf("image folder %s: Channels=%d: want 1 (grayscale) or 3 (RGB)", dir, o.Channels)
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = defaultMaxPixels
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = defaultMaxFileBytes
	}
	if o.Size > 4096 {
		return nil, nil, fmt.Errorf("image folder %s: Size=%d is larger than 4096", dir, o.Size)
	}
	files, classes, err := listFolder(dir)
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("image folder %s holds no files: want image files (%s; any case) directly in it or in one sub-folder per class (e.g. yes/ and no/)", dir, folderFileExtensions)
	}

	// Decode in parallel, keep the order of files.
	type result struct {
		pix []float32
		err error
	}
	results := make([]result, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	workers := min(runtime.GOMAXPROCS(0), len(files))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				pix, err := o.readImage(files[i].path)
				results[i] = result{pix, err}
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()

	var skipped []Skipped
	im := &Images{Name: filepath.Base(filepath.Clean(dir)), Split: "train", H: o.Size, W: o.Size, C: o.Channels}
	if len(classes) > 0 {
		im.ClassNames = classes
		im.Labels = []int{}
	}
	for i, r := range results {
		if r.err != nil {
			if o.Strict {
				return nil, nil, fmt.Errorf("image folder %s: %s: %w (strict mode)", dir, files[i].path, r.err)
			}
			s := Skipped{files[i].path, r.err.Error()}
			skipped = append(skipped, s)
			if o.Logf != nil {
				o.Logf("data: skipped %s", s)
			}
			continue
		}
		im.Pixels = append(im.Pixels, r.pix...)
		if im.Labels != nil {
			im.Labels = append(im.Labels, files[i].class)
		}
		im.N++
	}
	if im.N == 0 {
		return nil, skipped, fmt.Errorf("image folder %s: none of its %d files could be read as an image (%s); first: %s",
			dir, len(files), folderImageFormats, skipped[0])
	}
	desc := "unlabelled"
	if len(classes) > 0 {
		desc = "classes " + strings.Join(classes, ", ")
	}
	im.Source = fmt.Sprintf("image folder %s (%s): %d images read, %d files skipped; %d×%d×%d, %s, Catmull-Rom",
		dir, desc, im.N, len(skipped), o.Size, o.Size, o.Channels, o.Fit)
	return im, skipped, nil
}

type folderFile struct {
	path  string
	class int
}

// listFolder lists the regular files under dir in a stable order with their class index, and the class names
// (nil when dir has no sub-folders).
func listFolder(dir string) ([]folderFile, []string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("image folder %s does not exist: want a folder of images (%s), flat or with one sub-folder per class (e.g. yes/ and no/)", dir, folderImageFormats)
		}
		return nil, nil, fmt.Errorf("image folder %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("image folder %s is a file, not a folder: want a folder of images, flat or with one sub-folder per class", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("image folder %s: %w", dir, err)
	}
	var classes []string
	var top []string
	for _, e := range entries {
		if ignoredName(e.Name()) {
			continue
		}
		if e.IsDir() {
			classes = append(classes, e.Name())
		} else if e.Type().IsRegular() {
			top = append(top, filepath.Join(dir, e.Name()))
		}
	}
	var files []folderFile
	if len(classes) == 0 {
		for _, p := range top {
			files = append(files, folderFile{p, 0})
		}
		return files, nil, nil
	}
	if len(top) > 0 {
		classes = append([]string{topLevelClass}, classes...)
		for _, p := range top {
			files = append(files, folderFile{p, 0})
		}
	}
	for ci, c := range classes {
		if c == topLevelClass {
			continue
		}
		err := filepath.WalkDir(filepath.Join(dir, c), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("image folder %s: %w", dir, err)
			}
			if ignoredName(d.Name()) && p != filepath.Join(dir, c) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				if len(files) >= maxFolderFiles {
					return fmt.Errorf("image folder %s holds more than %d files", dir, maxFolderFiles)
				}
				files = append(files, folderFile{p, ci})
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return files, classes, nil
}

func ignoredName(name string) bool {
	return strings.HasPrefix(name, ".") || name == "__MACOSX"
}

// readImage decodes one file and returns its Size×Size×Channels pixels in [0,1].
func (o *FolderOptions) readImage(path string) (pix []float32, err error) {
	defer func() {
		// The standard decoders do not panic on bad input as far as we know; if one does, it is this file's fault.
		if r := recover(); r != nil {
			pix, err = nil, fmt.Errorf("decoder panicked: %v", r)
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > o.MaxFileBytes {
		return nil, fmt.Errorf("file of %d bytes is larger than the limit of %d", st.Size(), o.MaxFileBytes)
	}
	if st.Size() == 0 {
		return nil, errors.New("empty file")
	}
	raw, err := io.ReadAll(io.LimitReader(f, o.MaxFileBytes))
	if err != nil {
		return nil, err
	}
	return o.decode(raw)
}

// decode turns an encoded image into Size×Size×Channels pixels in [0,1].
func (o *FolderOptions) decode(raw []byte) ([]float32, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, fmt.Errorf("not an image in a known format (%s)", folderImageFormats)
		}
		return nil, fmt.Errorf("bad image header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s header claims %d×%d pixels", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(o.MaxPixels) {
		return nil, fmt.Errorf("%s header claims %d×%d pixels, more than the limit of %d", format, cfg.Width, cfg.Height, o.MaxPixels)
	}
	src, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("corrupt %s: %w", strings.ToUpper(format), err)
	}
	return resizeImage(src, o.Size, o.Channels, o.Fit), nil
}

// resizeImage converts src to grayscale (channels 1) or RGB (3), composited over black, and resizes it to n×n
// with Catmull-Rom after padding or centre-cropping; it returns n·n·channels values in [0,1].
func resizeImage(src image.Image, n, channels int, fit Fit) []float32 {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	srcRect, dstRect := b, image.Rect(0, 0, n, n)
	switch {
	case fit == Crop && w > h:
		x0 := b.Min.X + (w-h)/2
		srcRect = image.Rect(x0, b.Min.Y, x0+h, b.Max.Y)
	case fit == Crop && h > w:
		y0 := b.Min.Y + (h-w)/2
		srcRect = image.Rect(b.Min.X, y0, b.Max.X, y0+w)
	case w > h:
		sh := max(1, (h*n+w/2)/w)
		y0 := (n - sh) / 2
		dstRect = image.Rect(0, y0, n, y0+sh)
	case h > w:
		sw := max(1, (w*n+h/2)/h)
		x0 := (n - sw) / 2
		dstRect = image.Rect(x0, 0, x0+sw, n)
	}
	out := make([]float32, n*n*channels)
	if channels == 1 {
		// Convert first (one luma per pixel, alpha over black), then resample the single channel.
		gray := image.NewGray16(b)
		stddraw.Draw(gray, b, src, b.Min, stddraw.Src)
		dst := image.NewGray16(image.Rect(0, 0, n, n))
		draw.CatmullRom.Scale(dst, dstRect, gray, srcRect, draw.Src, nil)
		for i := range n * n {
			out[i] = float32(uint16(dst.Pix[2*i])<<8|uint16(dst.Pix[2*i+1])) / 65535
		}
		return out
	}
	rgba := image.NewRGBA64(b)
	stddraw.Draw(rgba, b, src, b.Min, stddraw.Src)
	dst := image.NewRGBA64(image.Rect(0, 0, n, n))
	draw.CatmullRom.Scale(dst, dstRect, rgba, srcRect, draw.Src, nil)
	for i := range n * n {
		for c := range 3 {
			// Premultiplied values are the colour composited over black.
			p := dst.Pix[8*i+2*c:]
			out[3*i+c] = float32(uint16(p[0])<<8|uint16(p[1])) / 65535
		}
	}
	return out
}

// SubsetNumPy draws n images with replacement the way the Kaggle MRI notebook does: the indices are those of
// NumPy's legacy `np.random.seed(seed); np.random.randint(0, N, n)` (equivalently `np.random.choice(N, n)`), so
// the same seed picks the same positions (the Kaggle notebook used seed 40 and n 20). Which files sit at those
// positions depends on the file order: LoadFolder sorts by path, Kaggle's os.listdir did not.
// It returns the new set and the drawn indices.
func (im *Images) SubsetNumPy(n int, seed uint32) (*Images, []int) {
	idx := numpyRandint(seed, im.N, n)
	return im.Select(idx), idx
}

// Select returns a new set holding copies of the images at idx, in that order, with their labels.
func (im *Images) Select(idx []int) *Images {
	out := *im
	out.N = len(idx)
	out.Pixels = im.Gather(idx, 0, 1, nil)
	if im.Labels != nil {
		out.Labels = make([]int, len(idx))
		for i, j := range idx {
			out.Labels[i] = im.Labels[j]
		}
	}
	out.ClassNames = slices.Clone(im.ClassNames)
	out.Source = fmt.Sprintf("%s; %d drawn", im.Source, len(idx))
	return &out
}
