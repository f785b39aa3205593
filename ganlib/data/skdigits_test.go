package data

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// skCSV returns a synthetic digits.csv of n lines: digit i has pixel j = (i+j) % 17 and label i % 10.
func skCSV(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		for j := range 64 {
			fmt.Fprintf(&b, "%d,", (i+j)%17)
		}
		fmt.Fprintf(&b, "%d\n", i%10)
	}
	return b.Bytes()
}

func gzipOf(t *testing.T, raw []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSKDigitsUserDir: a user folder's digits.csv.gz (synthetic, full size) gives the fixed split, the labels and
// the pixels v/16 framed as MNIST's (SKDigitsFrame).
func TestSKDigitsUserDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "digits.csv.gz", gzipOf(t, skCSV(SKDigitsN)))
	train, err := Load(SKDigitsName, "train", Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	test, err := Load(SKDigitsName, "test", Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if train.N != SKDigitsTrain || test.N != SKDigitsN-SKDigitsTrain || train.H != 28 || train.W != 28 || train.C != 1 {
		t.Fatalf("train %d, test %d images of %d×%d×%d", train.N, test.N, train.H, train.W, train.C)
	}
	if len(train.Pixels) != train.N*784 || len(test.Labels) != test.N {
		t.Fatalf("pixels %d, labels %d", len(train.Pixels), len(test.Labels))
	}
	if got, want := test.Labels[0], SKDigitsTrain%10; got != want {
		t.Errorf("first test label %d, want %d (the test split starts at digit %d)", got, want, SKDigitsTrain)
	}
	// Digit 3: its 8×8 pixels are ((3+j)%17)/16; the 28×28 image is their MNIST framing.
	src := make([]float32, 64)
	for j := range src {
		src[j] = float32((3+j)%17) / 16
	}
	want := SKDigitsFrame(src)
	for k, v := range train.Image(3) {
		if v != want[k] {
			t.Fatalf("image 3 pixel %d = %v, want %v", k, v, want[k])
		}
	}
	if !strings.Contains(train.Source, "user folder") || !strings.Contains(train.Source, "20×20, centred by mass in 28×28") {
		t.Errorf("Source = %q", train.Source)
	}
	if !strings.Contains(strings.Join(Names(), ","), SKDigitsName) {
		t.Errorf("Names() = %v lacks %s", Names(), SKDigitsName)
	}
}

// TestBilinear: corners are kept, a constant stays constant, a ramp stays monotone and within its range, and a
// 2×2 → 4×4 resize gives the hand-computed values.
func TestBilinear(t *testing.T) {
	got := Bilinear([]float32{0, 1, 2, 3}, 2, 2, 4, 4)
	// Output x samples the input at (x+0.5)/2 − 0.5: −0.25→0 (clamped), 0.25, 0.75, 1.25→1.
	want := []float32{0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("Bilinear 2×2→4×4 = %v, want %v", got, want)
		}
	}
	for _, v := range Bilinear([]float32{0.5, 0.5, 0.5, 0.5}, 2, 2, 7, 5) {
		if v != 0.5 {
			t.Fatalf("a constant image resized is not constant: %v", v)
		}
	}
}

// TestSKDigitsFrame: the digit is resized to a 20×20 box (the box holds Bilinear's 8→20 resize, nothing lies
// outside it) placed so that its centre of mass is within half a pixel of (14, 14); a digit whose ink lies in one
// corner is moved as far as the frame allows (the box stays inside); a blank digit stays blank.
func TestSKDigitsFrame(t *testing.T) {
	mass := func(im []float32) (m, cy, cx float64) {
		for p, v := range im {
			m += float64(v)
			cy += float64(v) * float64(p/28)
			cx += float64(v) * float64(p%28)
		}
		return m, cy / m, cx / m
	}
	// boxAt finds the offset of the 20×20 box holding want inside im, or -1, -1.
	boxAt := func(im, want []float32) (int, int) {
		for oy := 0; oy <= 8; oy++ {
		next:
			for ox := 0; ox <= 8; ox++ {
				for y := range 28 {
					for x := range 28 {
						v := im[y*28+x]
						if y >= oy && y < oy+20 && x >= ox && x < ox+20 {
							if v != want[(y-oy)*20+x-ox] {
								continue next
							}
						} else if v != 0 {
							continue next
						}
					}
				}
				return oy, ox
			}
		}
		return -1, -1
	}
	// A digit with more ink low and to the right: its box moves up and left of the middle offset 4.
	src := make([]float32, 64)
	for j := range src {
		src[j] = float32(j/8+j%8) / 14
	}
	im := SKDigitsFrame(src)
	oy, ox := boxAt(im, Bilinear(src, 8, 8, 20, 20))
	if oy < 0 || oy >= 4 || ox >= 4 {
		t.Fatalf("box of the ramp digit at offset (%d, %d), want inside the frame and above-left of (4, 4)", oy, ox)
	}
	if _, cy, cx := mass(im); math.Abs(cy-14) > 0.5 || math.Abs(cx-14) > 0.5 {
		t.Errorf("centre of mass (%.2f, %.2f), want within 0.5 of (14, 14)", cy, cx)
	}
	// Ink only in the top-left pixel: the box goes as far down and right as it can (offset 8).
	corner := make([]float32, 64)
	corner[0] = 1
	if oy, ox := boxAt(SKDigitsFrame(corner), Bilinear(corner, 8, 8, 20, 20)); oy != 8 || ox != 8 {
		t.Errorf("corner digit's box at (%d, %d), want (8, 8)", oy, ox)
	}
	if m, _, _ := mass(SKDigitsFrame(make([]float32, 64))); m != 0 {
		t.Errorf("a blank digit framed has ink %g", m)
	}
}

// TestSKDigitsBadFiles: broken files are errors naming the file and what is wrong.
func TestSKDigitsBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := skCSV(3)
	cases := map[string]struct {
		content []byte
		want    string
	}{
		"short.csv":      {[]byte("1,2,3\n"), "line 1 has 3 values, want 65"},
		"pixel.csv":      {bytes.Replace(good, []byte("0,1,"), []byte("0,17,"), 1), "outside 0..16"},
		"label.csv":      {append(append([]byte{}, good...), []byte(strings.Repeat("0,", 64)+"12\n")...), "label 12 is outside 0..9"},
		"text.csv":       {[]byte(strings.Repeat("x,", 64) + "1\n"), "is not an integer"},
		"truncated.gz":   {gzipOf(t, good)[:30], "corrupt gzip"},
		"empty.csv":      {nil, "no digits"},
		"mismatch.csv.g": {gzipOf(t, good), "checksum mismatch"},
	}
	for name, c := range cases {
		writeFile(t, dir, name, c.content)
		p := filepath.Join(dir, name)
		_, _, err := ReadSKDigits(p, name == "mismatch.csv.g")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want one naming the file and %q", name, err, c.want)
		}
	}
	if _, err := Load(SKDigitsName, "train", Dir(dir)); err == nil || !strings.Contains(err.Error(), "lacks digits.csv.gz") {
		t.Errorf("Load from a folder without digits.csv.gz: %v", err)
	}
	if _, err := Load(SKDigitsName, "valid", Dir(dir)); err == nil || !strings.Contains(err.Error(), "unknown split") {
		t.Errorf("Load of an unknown split: %v", err)
	}
}

// TestSKDigitsFetchChecks: a download whose SHA-256 is not the pinned wheel's is refused and nothing is kept;
// offline without the file is an error saying how to get it.
func TestSKDigitsFetchChecks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("not a wheel"), 1000))
	}))
	defer srv.Close()
	root := t.TempDir()
	t.Setenv(EnvDataDir, "")
	_, err := Load(SKDigitsName, "train", DataRoot(root), URLs(srv.URL+"/"))
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("download of a wrong file: err = %v, want a checksum mismatch", err)
	}
	if _, err := os.Stat(filepath.Join(root, SKDigitsName, "digits.csv.gz")); err == nil {
		t.Error("a refused download left digits.csv.gz behind")
	}
	_, err = Load(SKDigitsName, "train", DataRoot(t.TempDir()), Offline())
	if err == nil || !strings.Contains(err.Error(), "ganlab data fetch sklearn-digits") {
		t.Errorf("offline without the file: %v", err)
	}
}

// TestSKDigitsReal checks scikit-learn's own file when it has been fetched (skipped otherwise): 1,797 digits,
// 180 ± 10 of each class, the pinned checksum.
func TestSKDigitsReal(t *testing.T) {
	t.Setenv(EnvDataDir, "")
	train, err := Load(SKDigitsName, "train", Offline())
	if err != nil {
		t.Skipf("sklearn-digits not fetched (ganlab data fetch sklearn-digits): %v", err)
	}
	test, err := Load(SKDigitsName, "test", Offline())
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 10)
	for _, l := range append(append([]int{}, train.Labels...), test.Labels...) {
		counts[l]++
	}
	for c, n := range counts {
		if n < 170 || n > 190 {
			t.Errorf("class %d has %d digits, want about 180", c, n)
		}
	}
	if m := train.Mean(); m < 0.05 || m > 0.5 {
		t.Errorf("mean pixel %v", m)
	}
	// Framed as MNIST: each digit's centre of mass within half a pixel of (14, 14), the 4-pixel border about empty.
	var border float64
	for i := range train.N {
		var m, cy, cx float64
		for p, v := range train.Image(i) {
			m += float64(v)
			cy += float64(v) * float64(p/28)
			cx += float64(v) * float64(p%28)
			if y, x := p/28, p%28; y < 4 || y >= 24 || x < 4 || x >= 24 {
				border += float64(v)
			}
		}
		if cy, cx = cy/m, cx/m; math.Abs(cy-14) > 0.5 || math.Abs(cx-14) > 0.5 {
			t.Fatalf("train digit %d: centre of mass (%.2f, %.2f), want within 0.5 of (14, 14)", i, cy, cx)
		}
	}
	if f := border / (train.Mean() * float64(train.N*784)); f > 0.1 {
		t.Errorf("%.1f %% of the ink lies in the 4-pixel border", 100*f)
	}
}
