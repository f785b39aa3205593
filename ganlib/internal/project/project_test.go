package project

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHomeFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv(EnvHome, "sub") // relative: made absolute against the working directory
	if got, want := Home(), filepath.Join(dir, "sub"); got != want {
		t.Fatalf("Home() with %s=sub = %q, want %q", EnvHome, got, want)
	}
}

func TestHomeWalksUp(t *testing.T) {
	t.Setenv(EnvHome, "")
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".local"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	// A folder with go.mod but no .local/ on the way up is not the project.
	if err := os.WriteFile(filepath.Join(root, "a", "go.mod"), []byte("module y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(deep)
	got, err := filepath.EvalSymlinks(Home())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(root)
	if got != want {
		t.Fatalf("Home() from %s = %q, want %q", deep, got, want)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "history.json")
	for _, content := range []string{"first", "second, longer than the first"} {
		if err := WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Fatalf("read %q, want %q", got, content)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := st.Mode().Perm(); mode != 0o644 {
		t.Fatalf("mode %v, want 0644", mode)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("folder holds %d entries after the writes, want only history.json: %v", len(entries), entries)
	}
}

func TestWriteFileAtomicLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	// The target is a non-empty folder: the rename fails and the temporary file must be removed.
	target := filepath.Join(dir, "busy")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(target, []byte("data")); err == nil {
		t.Fatal("want an error when renaming over a non-empty folder")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temporary file %s left behind", e.Name())
		}
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "f"), []byte("data")); err == nil {
		t.Fatal("want an error in a folder that does not exist")
	}
}

func TestWriteFileSyncAndSyncDir(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "meta.json")
	data := bytes.Repeat([]byte("x"), 1<<16)
	if err := WriteFileSync(path, data); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("WriteFileSync: read %d bytes (err %v), want %d", len(got), err, len(data))
	}
	if err := SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("SyncDir of a missing folder: want an error")
	}
	f, err := os.Create(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	if err := SyncClose(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err == nil {
		t.Fatal("SyncClose must close the file")
	}
}
