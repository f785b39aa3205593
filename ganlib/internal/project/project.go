// Package project holds what ganlib's packages share about the project on disk: where the project folder is
// (Home) and how results are written so that a reader, or a run killed at any moment, never sees a partial file
// (WriteFileAtomic, and the fsync helpers that checkpoints use).
package project

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvHome names the project folder.
const EnvHome = "GANLAB_HOME"

// Home returns the ganlab project folder: $GANLAB_HOME, or the first folder holding go.mod and .local/
// found walking up from the working directory or the executable's folder. It returns "" when none is found.
func Home() string {
	if h := os.Getenv(EnvHome); h != "" {
		if abs, err := filepath.Abs(h); err == nil {
			return abs
		}
		return h
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, dir := range starts {
		for {
			if isDir(filepath.Join(dir, ".local")) && isFile(filepath.Join(dir, "go.mod")) {
				return dir
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return ""
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// WriteFileAtomic replaces path with data so that a reader never sees a partial file, even if the process is
// killed: temporary file beside it (named <base>.tmp-*, mode 0644), fsync, rename, fsync of the folder. For sample
// grids, histories and results written during training, and for a checkpoint folder's LATEST.
func WriteFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return err
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp makes 0600; grids and histories are for everyone to read
		_ = f.Close()
		_ = os.Remove(f.Name())
		return err
	}
	if err := SyncClose(f); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// WriteFileSync creates (or truncates) path, writes data and fsyncs it before closing. It is not atomic: use it
// for files inside a temporary folder that is renamed into place afterwards (a checkpoint's meta.json).
func WriteFileSync(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return SyncClose(f)
}

// SyncClose fsyncs f and closes it; f is closed even when the fsync fails.
func SyncClose(f *os.File) error {
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("fsync %s: %w", f.Name(), err)
	}
	return f.Close()
}

// SyncDir fsyncs the folder dir, so that the renames and creations in it are on disk. File systems that cannot
// fsync a folder (os.ErrInvalid) are not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}
