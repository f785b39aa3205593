package data

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func putFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func encodePNG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// lyingPNG is a valid PNG signature and IHDR chunk (correct CRC) claiming w×h pixels, and nothing else.
func lyingPNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grayscale
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func uniformGray(w, h int, v uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return img
}

// messyFolder writes a folder like the ones users bring: classes yes/ and no/, mixed formats and bit depths,
// upper-case extensions, a stray text file, a corrupt JPEG, a PNG whose header lies about its size, hidden files.
// It returns the folder and the base names of the files that must be skipped.
func messyFolder(t testing.TB) (string, []string) {
	dir := t.TempDir()
	// yes/: 60×40 grayscale PNG of 200 (landscape: padded top and bottom).
	putFile(t, filepath.Join(dir, "yes", "gray8.PNG"), encodePNG(t, uniformGray(60, 40, 200)))
	// 16-bit grayscale PNG of 0x8000, portrait.
	g16 := image.NewGray16(image.Rect(0, 0, 30, 50))
	for i := 0; i < len(g16.Pix); i += 2 {
		g16.Pix[i], g16.Pix[i+1] = 0x80, 0x00
	}
	putFile(t, filepath.Join(dir, "yes", "gray16.png"), encodePNG(t, g16))
	// Palette PNG with alpha: left half opaque white, right half fully transparent white.
	pal := image.NewPaletted(image.Rect(0, 0, 32, 32), color.Palette{color.NRGBA{255, 255, 255, 255}, color.NRGBA{255, 255, 255, 0}})
	for y := range 32 {
		for x := 16; x < 32; x++ {
			pal.SetColorIndex(x, y, 1)
		}
	}
	putFile(t, filepath.Join(dir, "yes", "palette_alpha.png"), encodePNG(t, pal))
	// 16-bit RGBA PNG (NRGBA64), pure red.
	rgba16 := image.NewNRGBA64(image.Rect(0, 0, 20, 20))
	for y := range 20 {
		for x := range 20 {
			rgba16.SetNRGBA64(x, y, color.NRGBA64{0xffff, 0, 0, 0xffff})
		}
	}
	putFile(t, filepath.Join(dir, "yes", "red16.png"), encodePNG(t, rgba16))
	// Grayscale JPEG, upper-case extension; an RGB (YCbCr) JPEG in a nested folder.
	putFile(t, filepath.Join(dir, "no", "GRAY.JPG"), encodeJPEG(t, uniformGray(50, 50, 100)))
	rgb := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := 0; i < len(rgb.Pix); i += 4 {
		rgb.Pix[i], rgb.Pix[i+1], rgb.Pix[i+2], rgb.Pix[i+3] = 0, 0, 255, 255
	}
	putFile(t, filepath.Join(dir, "no", "scans", "blue.jpeg"), encodeJPEG(t, rgb))
	// CMYK and progressive JPEGs written by Pillow (testdata/images/NOTICE): the same disc.
	for _, name := range []string{"cmyk.jpg", "progressive.jpg"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "images", name))
		if err != nil {
			t.Fatal(err)
		}
		putFile(t, filepath.Join(dir, "no", name), raw)
	}
	// What must be skipped.
	putFile(t, filepath.Join(dir, "no", "notes.txt"), []byte("patient list, do not share\n"))
	good := encodeJPEG(t, uniformGray(40, 40, 50))
	putFile(t, filepath.Join(dir, "no", "broken.jpg"), good[:len(good)/2])
	putFile(t, filepath.Join(dir, "yes", "huge.png"), lyingPNG(100000, 100000))
	putFile(t, filepath.Join(dir, "yes", "empty.png"), nil)
	// Ignored silently.
	putFile(t, filepath.Join(dir, ".DS_Store"), []byte("junk"))
	putFile(t, filepath.Join(dir, "yes", "._gray8.PNG"), []byte("AppleDouble"))
	return dir, []string{"broken.jpg", "empty.png", "huge.png", "notes.txt"}
}

func TestLoadFolderMessy(t *testing.T) {
	dir, wantSkipped := messyFolder(t)
	var logged []string
	im, skipped, err := LoadFolder(dir, FolderOptions{Size: 32, Logf: func(f string, a ...any) {
		logged = append(logged, f)
	}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range skipped {
		names = append(names, filepath.Base(s.Path))
		if !strings.HasPrefix(s.Path, dir) || s.Reason == "" {
			t.Errorf("skipped entry %q should name the file and a reason", s)
		}
		t.Logf("skipped %s", s)
	}
	slices.Sort(names)
	if !slices.Equal(names, wantSkipped) {
		t.Errorf("skipped %v, want %v", names, wantSkipped)
	}
	if len(logged) != len(skipped) {
		t.Errorf("Logf called %d times for %d skipped files", len(logged), len(skipped))
	}
	for _, s := range skipped {
		switch filepath.Base(s.Path) {
		case "huge.png":
			if !strings.Contains(s.Reason, "100000×100000") {
				t.Errorf("huge.png: reason %q should give the claimed size", s.Reason)
			}
		case "notes.txt":
			if !strings.Contains(s.Reason, "not an image") {
				t.Errorf("notes.txt: reason %q", s.Reason)
			}
		}
	}
	if im.N != 8 || im.H != 32 || im.W != 32 || im.C != 1 || len(im.Pixels) != 8*32*32 {
		t.Fatalf("got %d images %d×%d×%d (%d values), want 8 of 32×32×1", im.N, im.H, im.W, im.C, len(im.Pixels))
	}
	if !slices.Equal(im.ClassNames, []string{"no", "yes"}) {
		t.Errorf("ClassNames %v", im.ClassNames)
	}
	// Files are in path order: no/GRAY.JPG, no/cmyk.jpg, no/progressive.jpg, no/scans/blue.jpeg, yes/gray16.png,
	// yes/gray8.PNG, yes/palette_alpha.png, yes/red16.png.
	if want := []int{0, 0, 0, 0, 1, 1, 1, 1}; !slices.Equal(im.Labels, want) {
		t.Errorf("Labels %v, want %v", im.Labels, want)
	}
	px := func(i, y, x int) float32 { return im.Image(i)[y*32+x] }
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.4f, want %.4f ± %.3g", what, got, want, tol)
		}
	}
	near("GRAY.JPG centre", float64(px(0, 16, 16)), 100.0/255, 0.01)
	// Blue (0,0,255) has luma 0.114; JPEG's chroma subsampling costs a little.
	near("blue.jpeg centre", float64(px(3, 16, 16)), 0.114, 0.02)
	near("blue.jpeg padding (landscape: top row)", float64(px(3, 0, 16)), 0, 1e-6)
	near("gray16 centre", float64(px(4, 16, 16)), float64(0x8000)/65535, 1e-3)
	near("gray16 padding (portrait: left column)", float64(px(4, 16, 0)), 0, 1e-6)
	near("gray8 centre", float64(px(5, 16, 16)), 200.0/255, 1e-3)
	near("palette opaque half", float64(px(6, 16, 4)), 1, 1e-3)
	near("palette transparent half (over black)", float64(px(6, 16, 28)), 0, 1e-3)
	near("red16 luma", float64(px(7, 16, 16)), 0.299, 2e-3)
	// The CMYK JPEG must decode to the same disc as the progressive RGB one.
	var diff float64
	for j := range 32 * 32 {
		diff = max(diff, math.Abs(float64(im.Image(1)[j]-im.Image(2)[j])))
	}
	near("max |cmyk - progressive|", diff, 0, 0.06)
	near("cmyk disc centre", float64(px(1, 16, 16)), 220.0/255, 0.05)
	if !strings.Contains(im.Source, "8 images read, 4 files skipped") {
		t.Errorf("Source %q", im.Source)
	}

	// Crop: the landscape gray8 image fills the square, no black rows.
	crop, _, err := LoadFolder(filepath.Join(dir, "yes"), FolderOptions{Size: 16, Fit: Crop, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	if crop.C != 3 || crop.ClassNames != nil || crop.Labels != nil || crop.N != 4 {
		t.Fatalf("yes/ alone: %d images C=%d classes %v, want 4 unlabelled RGB", crop.N, crop.C, crop.ClassNames)
	}
	// Order in yes/: gray16.png, gray8.PNG, palette_alpha.png, red16.png.
	near("crop gray8 top-left R", float64(crop.Image(1)[0]), 200.0/255, 1e-3)
	red := crop.Image(3)[8*16*3+8*3:]
	near("red16 R", float64(red[0]), 1, 1e-3)
	near("red16 G", float64(red[1]), 0, 1e-3)

	// Strict mode fails on the first unreadable file and names it.
	_, _, err = LoadFolder(dir, FolderOptions{Size: 8, Strict: true})
	if err == nil || !strings.Contains(err.Error(), "broken.jpg") || !strings.Contains(err.Error(), "strict") {
		t.Errorf("strict: got %v, want an error naming broken.jpg", err)
	}
}

func TestLoadFolderEmptyOrMissing(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ dir, want string }{
		{dir, "holds no files"},
		{filepath.Join(dir, "nope"), "does not exist"},
	} {
		_, _, err := LoadFolder(c.dir, FolderOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.dir) {
			t.Errorf("%s: got %v, want an error naming the folder with %q", c.dir, err, c.want)
		}
	}
	putFile(t, filepath.Join(dir, "a.txt"), []byte("hello"))
	_, skipped, err := LoadFolder(dir, FolderOptions{})
	if err == nil || !strings.Contains(err.Error(), "a.txt") || len(skipped) != 1 {
		t.Errorf("folder of one text file: got %v (%d skipped), want an error naming a.txt", err, len(skipped))
	}
	_, _, err = LoadFolder(dir, FolderOptions{Channels: 2})
	if err == nil || !strings.Contains(err.Error(), "Channels=2") {
		t.Errorf("Channels=2: got %v", err)
	}
}

func TestSubsetNumPy(t *testing.T) {
	// np.random.seed(40); np.random.randint(0, 155, 20) (NumPy 2.x; the same as np.random.choice(155, 20)).
	want := []int{70, 7, 50, 12, 71, 114, 19, 74, 55, 91, 73, 49, 73, 8, 14, 92, 104, 22, 131, 99}
	if got := numpyRandint(40, 155, 20); !slices.Equal(got, want) {
		t.Errorf("numpyRandint(40, 155, 20) = %v, want %v", got, want)
	}
	// np.random.seed(7); np.random.randint(0, 1000, 5)
	if got := numpyRandint(7, 1000, 5); !slices.Equal(got, []int{175, 196, 537, 502, 579}) {
		t.Errorf("numpyRandint(7, 1000, 5) = %v", got)
	}
	im := &Images{N: 155, H: 1, W: 1, C: 1, Pixels: make([]float32, 155), Labels: make([]int, 155), ClassNames: []string{"a", "b"}}
	for i := range im.Pixels {
		im.Pixels[i] = float32(i) / 155
		im.Labels[i] = i % 2
	}
	sub, idx := im.SubsetNumPy(20, 40)
	if sub.N != 20 || !slices.Equal(idx, want) {
		t.Fatalf("SubsetNumPy: N=%d idx %v", sub.N, idx)
	}
	for i, j := range idx {
		if sub.Pixels[i] != im.Pixels[j] || sub.Labels[i] != j%2 {
			t.Errorf("image %d is not source image %d", i, j)
		}
	}
}

func TestAugmented(t *testing.T) {
	const h, w = 6, 5
	im := &Images{N: 2, H: h, W: w, C: 1, Pixels: make([]float32, 2*h*w), Labels: []int{0, 1}}
	for i := range im.Pixels {
		im.Pixels[i] = float32(i%17) / 17
	}
	same := im.Augmented(2, 1, Augment{})
	if same.N != 6 || !slices.Equal(same.Labels, []int{0, 1, 0, 1, 0, 1}) {
		t.Fatalf("N=%d labels %v", same.N, same.Labels)
	}
	for i := range 6 {
		for j, v := range same.Image(i) {
			if math.Abs(float64(v-im.Image(i % 2)[j])) > 1e-6 {
				t.Fatalf("no augmentation: copy %d differs from its original at %d", i, j)
			}
		}
	}
	flips := im.Augmented(20, 2, Augment{FlipH: true})
	mirrored := 0
	for i := 2; i < flips.N; i++ {
		src, got := im.Image(i%2), flips.Image(i)
		isMirror := true
		for y := range h {
			for x := range w {
				if math.Abs(float64(got[y*w+x]-src[y*w+w-1-x])) > 1e-6 {
					isMirror = false
				}
			}
		}
		if isMirror {
			mirrored++
		} else if !slices.Equal(got, src) {
			t.Fatalf("copy %d is neither the original nor its mirror", i)
		}
	}
	if mirrored == 0 || mirrored == 40 {
		t.Errorf("%d of 40 copies mirrored, want about half", mirrored)
	}
	jit := im.Augmented(5, 3, Augment{MaxDegrees: 10, Jitter: 0.3, FlipV: true})
	for _, v := range jit.Pixels {
		if v < 0 || v > 1 || v != v {
			t.Fatalf("value %v outside [0,1]", v)
		}
	}
}

// FuzzImageDecode feeds arbitrary bytes to the folder loader's decoder: no panic, and no allocation beyond the
// pixel limit (run with `go test -fuzz FuzzImageDecode ./ganlib/data`; normal tests run only the seeds).
func FuzzImageDecode(f *testing.F) {
	f.Add(encodePNG(f, uniformGray(3, 2, 9)))
	f.Add(encodeJPEG(f, uniformGray(9, 9, 9)))
	f.Add(lyingPNG(1<<20, 1<<20))
	if raw, err := os.ReadFile(filepath.Join("testdata", "images", "cmyk.jpg")); err == nil {
		f.Add(raw)
	}
	o := &FolderOptions{Size: 8, Channels: 1, MaxPixels: 1 << 16}
	f.Fuzz(func(t *testing.T, raw []byte) {
		pix, err := o.decode(raw)
		if err == nil && len(pix) != 64 {
			t.Fatalf("%d values", len(pix))
		}
	})
}
