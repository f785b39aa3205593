package data

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SKDigitsName is the name Load, Fetch and LoadTrain give scikit-learn's 8×8 handwritten digits.
//
// The set is the test part of the UCI "Optical Recognition of Handwritten Digits" data (E. Alpaydin, C. Kaynak
// 1998; https://archive.ics.uci.edu/ml/datasets/Optical+Recognition+of+Handwritten+Digits, CC BY 4.0): 1,797
// digits by 13 writers, each a 32×32 bitmap counted in 4×4 blocks, so an 8×8 image of integers 0..16. scikit-learn
// ships it inside its package as sklearn/datasets/data/digits.csv.gz (one digit per line: 64 pixels row by row,
// then the label).
//
// Sources, in order: a user folder holding digits.csv.gz (the Dir option or $GANLAB_DATA_DIR/sklearn-digits); the
// project data folder (<data root>/sklearn-digits/digits.csv.gz, with a SOURCE line); else the scikit-learn wheel
// pinned below is downloaded from PyPI (files.pythonhosted.org), checked against its SHA-256, and only
// digits.csv.gz is taken out of it into the project data folder. The decompressed CSV is checked against its pinned
// SHA-256 except for a user folder's file, which is only checked for its form.
//
// Images: framed as MNIST's were (LeCun et al.: each digit size-normalised into a 20×20 box, aspect kept, then
// placed in 28×28 with its centre of mass at the centre). The 8×8 values v/16 in [0,1] are resized to 20×20
// bilinearly (see Bilinear; the UCI bitmaps were already size-normalised, so the whole 8×8 frame is the box), and
// the 20×20 box is put into a black 28×28 image at the whole-pixel offset that brings its centre of mass nearest
// to pixel (14, 14), kept inside the frame (SKDigitsFrame). Images.Source says so.
//
// Split: the first SKDigitsTrain digits are "train", the last 1,797 − SKDigitsTrain "test" (the file's order
// groups digits by writer, so the test digits are mostly from other writers).
const SKDigitsName = "sklearn-digits"

// SKDigitsTrain is the number of digits of the train split; the rest are the test split.
const SKDigitsTrain = 1437

// SKDigitsN is the number of digits in digits.csv.gz.
const SKDigitsN = 1797

// The pinned sources of sklearn-digits.
const (
	skDigitsFile = "digits.csv.gz"
	// skDigitsMember is the file's path inside the wheel.
	skDigitsMember = "sklearn/datasets/data/" + skDigitsFile
	// skDigitsCSVSHA256 is the SHA-256 of the decompressed CSV (the same in every scikit-learn release that ships
	// it as digits.csv.gz; the gzip file of 1.5.2 has SHA-256 09f66e6d…aa22).
	skDigitsCSVSHA256 = "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8"
	skWheelName       = "scikit_learn-1.5.2-cp313-cp313-win_amd64.whl" // the smallest 1.5.2 wheel; any platform's holds the file
	skWheelURL        = "https://files.pythonhosted.org/packages/a5/e7/0c869f9e60d225a77af90d2aefa7a4a4c0e745b149325d1450f0f0ce5399/" + skWheelName
	skWheelSHA256     = "b7b0f9a0b1040830d38c39b91b3a44e1b643f4b36e36567b80b7c6bd2202a27f"
	skWheelSize       = 10951354
)

// skDigitsClasses are the class names of sklearn-digits.
var skDigitsClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// loadSKDigits is Load for SKDigitsName.
func loadSKDigits(split string, o *options) (*Images, error) {
	if split != "train" && split != "test" {
		return nil, fmt.Errorf("dataset %s: unknown split %q: want \"train\" or \"test\"", SKDigitsName, split)
	}
	path, source, verify, err := locateSKDigits(o)
	if err != nil {
		return nil, err
	}
	pix, labels, err := ReadSKDigits(path, verify)
	if err != nil {
		return nil, err
	}
	lo, hi := 0, SKDigitsTrain
	if split == "test" {
		lo, hi = SKDigitsTrain, len(labels)
	}
	if hi > len(labels) {
		return nil, fmt.Errorf("%s: %d digits, fewer than the train split's %d", path, len(labels), SKDigitsTrain)
	}
	im := &Images{Name: SKDigitsName, Split: split, N: hi - lo, H: 28, W: 28, C: 1, Labels: labels[lo:hi:hi],
		ClassNames: append([]string(nil), skDigitsClasses...),
		Source:     source + " in " + filepath.Dir(path) + "; 8×8 resized to 20×20, centred by mass in 28×28 as MNIST"}
	im.Pixels = make([]float32, 0, im.N*28*28)
	for i := lo; i < hi; i++ {
		im.Pixels = append(im.Pixels, SKDigitsFrame(pix[i*64:(i+1)*64])...)
	}
	return im, nil
}

// fetchSKDigits is Fetch for SKDigitsName: it returns the folder of digits.csv.gz and its source, in words.
func fetchSKDigits(o *options) (string, string, error) {
	path, source, verify, err := locateSKDigits(o)
	if err != nil {
		return "", "", err
	}
	if _, _, err := ReadSKDigits(path, verify); err != nil {
		return "", "", err
	}
	return filepath.Dir(path), source, nil
}

// locateSKDigits finds digits.csv.gz (see SKDigitsName for the order) and says where it came from and whether its
// content must match the pinned SHA-256.
func locateSKDigits(o *options) (path, source string, verify bool, err error) {
	if dir, explicit := o.userDir(SKDigitsName); dir != "" {
		p := filepath.Join(dir, skDigitsFile)
		if _, err := os.Stat(p); err == nil {
			return p, "user folder", false, nil
		} else if explicit {
			return "", "", false, fmt.Errorf("dataset %s: user folder (Dir option) %s lacks %s", SKDigitsName, dir, skDigitsFile)
		}
	}
	root := o.dataRoot
	if root == "" {
		root = DefaultDataRoot()
	}
	if root == "" {
		return "", "", false, fmt.Errorf("dataset %s: no project data folder (set GANLAB_HOME) and no user folder (%s)", SKDigitsName, EnvDataDir)
	}
	dir := filepath.Join(root, SKDigitsName)
	p := filepath.Join(dir, skDigitsFile)
	if _, err := os.Stat(p); err == nil {
		src := "files in the project data folder"
		if b, err := os.ReadFile(filepath.Join(dir, sourceFile)); err == nil {
			src = strings.TrimSpace(string(b))
		}
		return p, src, true, nil
	}
	if o.offline {
		return "", "", false, fmt.Errorf("dataset %s: %s is missing and fetching is off (Offline); run `ganlab data fetch %s` online, or put %s in %s",
			SKDigitsName, p, SKDigitsName, skDigitsFile, dir)
	}
	url := skWheelURL
	if len(o.urls) > 0 {
		url = strings.TrimSuffix(o.urls[0], "/") + "/" + skWheelName
	}
	source = "PyPI wheel " + skWheelName + " (SHA-256 checked), " + skDigitsMember + " extracted"
	if err := fetchSKWheel(url, root, source, o); err != nil {
		return "", "", false, fmt.Errorf("dataset %s: %w", SKDigitsName, err)
	}
	return p, source, true, nil
}

// fetchSKWheel downloads the wheel into a staging folder under root, checks its size and SHA-256, extracts
// digits.csv.gz, checks the CSV's SHA-256, and moves the file (and a SOURCE line) into root/sklearn-digits.
func fetchSKWheel(url, root, source string, o *options) error {
	stage, err := newStage(root, SKDigitsName)
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	o.logf("data: %s: downloading %s", SKDigitsName, url)
	client := &http.Client{Timeout: 10 * time.Minute}
	wheel := filepath.Join(stage, skWheelName)
	if err := download(client, url, wheel, file{Name: skWheelName, GzipSHA256: skWheelSHA256, Size: skWheelSize}); err != nil {
		return err
	}
	zr, err := zip.OpenReader(wheel)
	if err != nil {
		return fmt.Errorf("wheel %s: %w", wheel, err)
	}
	defer zr.Close()
	var member *zip.File
	for _, f := range zr.File {
		if f.Name == skDigitsMember {
			member = f
		}
	}
	if member == nil {
		return fmt.Errorf("wheel %s has no %s", wheel, skDigitsMember)
	}
	rc, err := member.Open()
	if err != nil {
		return fmt.Errorf("wheel %s: %s: %w", wheel, skDigitsMember, err)
	}
	defer rc.Close()
	files := filepath.Join(stage, "files")
	if err := os.Mkdir(files, 0o755); err != nil {
		return err
	}
	out := filepath.Join(files, skDigitsFile)
	dst, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, io.LimitReader(rc, 16<<20)); err != nil {
		dst.Close()
		return fmt.Errorf("wheel %s: extracting %s: %w", wheel, skDigitsMember, err)
	}
	if err := dst.Close(); err != nil {
		return err
	}
	if _, _, err := ReadSKDigits(out, true); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(files, sourceFile), []byte(source+"\n"), 0o644); err != nil {
		return err
	}
	target := filepath.Join(root, SKDigitsName)
	if err := os.MkdirAll(target, 0o755); err != nil {
		return err
	}
	if err := os.Rename(out, filepath.Join(target, skDigitsFile)); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(files, sourceFile), filepath.Join(target, sourceFile)); err != nil {
		return err
	}
	o.logf("data: %s: %s in %s", SKDigitsName, source, target)
	return nil
}

// ReadSKDigits reads scikit-learn's digits.csv.gz (gzip or plain CSV): one digit per line, 64 integer pixels
// 0..16 row by row and the label 0..9. It returns the pixels divided by 16 (8×8 per digit, digit after digit) and
// the labels. With verify, the decompressed content must match the pinned SHA-256 of scikit-learn's file. Errors
// name the file and the line.
func ReadSKDigits(path string, verify bool) (pixels []float32, labels []int, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: corrupt gzip: %w", path, err)
		}
		if raw, err = io.ReadAll(io.LimitReader(zr, 64<<20)); err != nil {
			return nil, nil, fmt.Errorf("%s: corrupt gzip: %w (delete it and fetch again)", path, err)
		}
	}
	if verify {
		sum := sha256.Sum256(raw)
		if got := hex.EncodeToString(sum[:]); got != skDigitsCSVSHA256 {
			return nil, nil, fmt.Errorf("%s: checksum mismatch: SHA-256 of the decompressed content is %s, want %s; the file is corrupt or not scikit-learn's %s: delete it and fetch again",
				path, got, skDigitsCSVSHA256, skDigitsFile)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fields := strings.Split(text, ",")
		if len(fields) != 65 {
			return nil, nil, fmt.Errorf("%s: line %d has %d values, want 65 (64 pixels and the label)", path, line, len(fields))
		}
		for i, f := range fields {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || v != float64(int(v)) {
				return nil, nil, fmt.Errorf("%s: line %d, value %d: %q is not an integer", path, line, i+1, f)
			}
			if i < 64 {
				if v < 0 || v > 16 {
					return nil, nil, fmt.Errorf("%s: line %d: pixel %d is %g, outside 0..16", path, line, i+1, v)
				}
				pixels = append(pixels, float32(v)/16)
			} else {
				if v < 0 || v > 9 {
					return nil, nil, fmt.Errorf("%s: line %d: label %g is outside 0..9", path, line, v)
				}
				labels = append(labels, int(v))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(labels) == 0 {
		return nil, nil, errors.New(path + ": no digits in the file")
	}
	return pixels, labels, nil
}

// SKDigitsFrame frames one 8×8 digit (values in [0,1], row-major) as MNIST frames its digits: resized bilinearly
// to a 20×20 box, which is placed in a black 28×28 image at the whole-pixel offset (each axis 0..8) that puts the
// box's centre of mass nearest to pixel (14, 14), where MNIST's digits have theirs on average; a blank digit is
// placed in the middle (offset 4).
func SKDigitsFrame(src []float32) []float32 {
	const box, size = 20, 28
	b := Bilinear(src, 8, 8, box, box)
	var m, my, mx float64
	for y := range box {
		for x := range box {
			v := float64(b[y*box+x])
			m += v
			my += v * float64(y)
			mx += v * float64(x)
		}
	}
	oy, ox := (size-box)/2, (size-box)/2
	if m > 0 {
		off := func(c float64) int { return max(0, min(size-box, int(math.Round(float64(size)/2-c)))) }
		oy, ox = off(my/m), off(mx/m)
	}
	out := make([]float32, size*size)
	for y := range box {
		copy(out[(oy+y)*size+ox:(oy+y)*size+ox+box], b[y*box:(y+1)*box])
	}
	return out
}

// Bilinear resizes one single-channel image of h×w values (row-major) to oh×ow by bilinear interpolation with pixel
// centres aligned (output pixel y samples the input at (y+0.5)·h/oh − 0.5, clamped to the border).
func Bilinear(src []float32, h, w, oh, ow int) []float32 {
	out := make([]float32, oh*ow)
	coord := func(o, n, on int) (int, int, float32) {
		s := (float64(o)+0.5)*float64(n)/float64(on) - 0.5
		s = max(0, min(s, float64(n-1)))
		i0 := int(s)
		i1 := min(i0+1, n-1)
		return i0, i1, float32(s - float64(i0))
	}
	for y := range oh {
		y0, y1, fy := coord(y, h, oh)
		for x := range ow {
			x0, x1, fx := coord(x, w, ow)
			top := src[y0*w+x0]*(1-fx) + src[y0*w+x1]*fx
			bot := src[y1*w+x0]*(1-fx) + src[y1*w+x1]*fx
			out[y*ow+x] = top*(1-fy) + bot*fy
		}
	}
	return out
}
