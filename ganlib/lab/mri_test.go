package lab

import (
	"testing"

	"github.com/ganlab/ganlab/ganlib/data"
)

// TestWriteMessyFolder: the demo folder reads as notebook 06 says: 40 images in two classes, 2 files skipped.
func TestWriteMessyFolder(t *testing.T) {
	dir := t.TempDir()
	if err := WriteMessyFolder(dir); err != nil {
		t.Fatal(err)
	}
	im, skipped, err := data.LoadFolder(dir, data.FolderOptions{Size: 16, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 40 || len(skipped) != 2 || len(im.ClassNames) != 2 {
		t.Errorf("read %d images in classes %v, skipped %v; want 40 in 2 classes, 2 skipped", im.N, im.ClassNames, skipped)
	}
}

// TestMRIPlan: quick mode trains 32×32 for 10 × 20 steps; GANLAB_MRI_STEPS overrides the steps and must be a
// positive whole number.
func TestMRIPlan(t *testing.T) {
	t.Setenv("GANLAB_QUICK", "1")
	t.Setenv("GANLAB_MRI_STEPS", "")
	size, spe, why, err := MRIPlan()
	if err != nil || size != 32 || spe != 20 || why == "" {
		t.Errorf("quick plan: %d px, %d steps/epoch, %q, %v; want 32 px, 20", size, spe, why, err)
	}
	t.Setenv("GANLAB_MRI_STEPS", "7")
	if _, spe, _, err := MRIPlan(); err != nil || spe != 7 {
		t.Errorf("GANLAB_MRI_STEPS=7: %d steps/epoch, %v", spe, err)
	}
	t.Setenv("GANLAB_MRI_STEPS", "seven")
	if _, _, _, err := MRIPlan(); err == nil {
		t.Errorf("GANLAB_MRI_STEPS=seven: no error")
	}
}

func TestUnit(t *testing.T) {
	got := Unit([]float32{-1, 0, 1})
	if got[0] != 0 || got[1] != 0.5 || got[2] != 1 {
		t.Errorf("Unit(-1, 0, 1) = %v", got)
	}
}
