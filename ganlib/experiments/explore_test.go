package experiments_test

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/experiments"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/cgan"
	"github.com/ganlab/ganlab/ganlib/models/infogan"
)

// pngSize decodes a PNG and returns its size.
func pngSize(t *testing.T, raw []byte, err error) (int, int) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

// TestCGANClassExplorer: one position per class; a frame is one row of cols images, the static image all classes;
// a frame shows exactly the class row of the static grid's layout (same z, so frames of two classes differ only by
// the label: they are not equal).
func TestCGANClassExplorer(t *testing.T) {
	tr, err := gan.New(backendtest.XLA(t), cgan.New(8, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := experiments.CGANClassExplorer(tr, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Labels) != 10 || !e.Select || e.Labels[7] != "class 7" {
		t.Fatalf("labels %v, select %v", e.Labels, e.Select)
	}
	f0, err0 := e.Frame(0)
	w, h := pngSize(t, f0, err0)
	static, errS := e.Static()
	sw, sh := pngSize(t, static, errS)
	if w <= h || sh <= 5*h || sw < w/2 {
		t.Errorf("frame %d×%d (one row of 4), static %d×%d (10 rows)", w, h, sw, sh)
	}
	f9, _ := e.Frame(9)
	if bytes.Equal(f0, f9) {
		t.Error("class 0 and class 9 drew the same images")
	}
	if _, err := experiments.CGANClassExplorer(tr, 0, 3); err == nil {
		t.Error("0 columns: no error")
	}
	info, err := gan.New(backendtest.XLA(t), infogan.New(8, 1), gan.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := experiments.CGANClassExplorer(info, 4, 3); err == nil {
		t.Error("an InfoGAN as a cGAN: no error")
	}
}

// TestInfoGANCodeExplorer: one position per code value, labelled with it, starting in the middle; a frame is one
// row of the ten categorical values, the static image the whole sweep.
func TestInfoGANCodeExplorer(t *testing.T) {
	tr, err := gan.New(backendtest.XLA(t), infogan.New(8, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := experiments.InfoGANCodeExplorer(tr, 1, 5, -2, 2, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Labels) != 5 || e.Labels[0] != "c2 = -2.00" || e.Labels[4] != "c2 = +2.00" || e.Start != 2 {
		t.Fatalf("labels %v, start %d", e.Labels, e.Start)
	}
	frame, errF := e.Frame(4)
	fw, fh := pngSize(t, frame, errF)
	static, errS := e.Static()
	sw, sh := pngSize(t, static, errS)
	if fw <= 5*fh || sh <= 5*fh {
		t.Errorf("frame %d×%d (one row of 10), static %d×%d (10 rows of 5)", fw, fh, sw, sh)
	}
	f0, _ := e.Frame(0)
	f4, _ := e.Frame(4)
	if bytes.Equal(f0, f4) {
		t.Error("the code's two ends drew the same images")
	}
	if _, err := experiments.InfoGANCodeExplorer(tr, 5, 5, -2, 2, nil, 1); err == nil {
		t.Error("a code that does not exist: no error")
	}
}
