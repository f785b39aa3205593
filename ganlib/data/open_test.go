package data

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadTrain: a folder, MRIName through GANLAB_MRI_DIR, and an unknown name (an error listing the choices).
func TestLoadTrain(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		putFile(t, filepath.Join(dir, "a", string(rune('x'+i))+".png"), encodePNG(t, uniformGray(10, 10, uint8(50*i))))
	}
	im, err := LoadTrain(dir, FolderOptions{Size: 8})
	if err != nil || im.N != 3 || im.H != 8 || im.C != 1 {
		t.Fatalf("folder: %v, %+v", err, im)
	}
	t.Setenv("GANLAB_MRI_DIR", dir)
	if im, err := LoadTrain(MRIName, FolderOptions{Size: 16, Channels: 3}); err != nil || im.N != 3 || im.H != 16 || im.C != 3 {
		t.Fatalf("mri through GANLAB_MRI_DIR: %v, %+v", err, im)
	}
	// Kaggle's layout: only yes/ (the tumour images the Kaggle notebook trains on).
	kaggle := t.TempDir()
	for i, class := range []string{"no", "yes", "yes"} {
		putFile(t, filepath.Join(kaggle, class, string(rune('a'+i))+".png"), encodePNG(t, uniformGray(10, 10, 9)))
	}
	t.Setenv("GANLAB_MRI_DIR", kaggle)
	if im, err := LoadTrain(MRIName, FolderOptions{Size: 8}); err != nil || im.N != 2 {
		t.Fatalf("mri from Kaggle's layout: %v, %+v; want the 2 yes/ images", err, im)
	}
	t.Setenv("GANLAB_MRI_DIR", filepath.Join(dir, "missing"))
	if _, err := LoadTrain(MRIName, FolderOptions{}); err == nil || !strings.Contains(err.Error(), "ganlab data mri") {
		t.Errorf("mri missing: want an error saying how to build it, got %v", err)
	}
	if _, err := LoadTrain("cifar", FolderOptions{}); err == nil || !strings.Contains(err.Error(), "fashion-mnist, mnist, sklearn-digits, mri") {
		t.Errorf("unknown name: want the choices, got %v", err)
	}
}

// TestLocateMRI: the built folder is ready only with its NOTICE and slices.csv (an earlier build without levels
// is not), and EnsureMRI offline without the sources says how to build it.
func TestLocateMRI(t *testing.T) {
	home := t.TempDir()
	t.Setenv("GANLAB_HOME", home)
	t.Setenv("GANLAB_MRI_DIR", "")
	build := filepath.Join(home, ".local", "data", "brain-mri")
	loc := LocateMRI()
	if loc.Env || loc.Ready || loc.Build != build || loc.Dir != filepath.Join(build, "no") {
		t.Fatalf("nothing built: %+v", loc)
	}
	putFile(t, filepath.Join(build, "NOTICE"), []byte(mriNoticeHead+": an earlier build\n"))
	if LocateMRI().Ready {
		t.Error("an earlier build without slices.csv is ready")
	}
	if _, err := EnsureMRI(Offline()); err == nil || !strings.Contains(err.Error(), "ganlab data mri") {
		t.Errorf("EnsureMRI offline without sources: %v", err)
	}
	putFile(t, filepath.Join(build, mriLevelsFile), []byte(strings.Join(mriLevelsHeader, ",")+"\n"))
	if loc, err := EnsureMRI(Offline()); err != nil || !loc.Ready || loc.Env {
		t.Errorf("built: %+v, %v", loc, err)
	}
	t.Setenv("GANLAB_MRI_DIR", home)
	if loc := LocateMRI(); !loc.Env || !loc.Ready || loc.Dir != home {
		t.Errorf("GANLAB_MRI_DIR: %+v", loc)
	}
}
