package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/gomlx/compute"
)

// doctor checks everything the lab needs and says what to do about what is missing. It exits 1 when the lab
// cannot work.
func doctor(args []string) error {
	fs := flag.NewFlagSet("doctor", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ganlab doctor\n\nChecks the backend, plugin, Go, Jupyter, GoNB, kernels, datasets, the brain-MRI set and the domain\n"+
			"classifiers, and says what to run for each one missing. Exits 1 when the lab cannot work (a [FAIL]);\n"+
			"a [warn] leaves the lab working without one part (notebook 06's data, ganlab eval's classifiers).")
	}
	fs.Parse(args)
	check := flagCheck{cmd: "doctor"}
	check.noArgs(fs)
	if check.err != nil {
		return check.err
	}
	home := project.Home()
	failed, warned := 0, 0
	report := func(ok bool, what, detail, fix string) {
		mark := "ok  "
		if !ok {
			mark = "FAIL"
			failed++
		}
		fmt.Printf("[%s] %-9s %s\n", mark, what, detail)
		if !ok && fix != "" {
			fmt.Printf("           → %s\n", fix)
		}
	}
	note := func(what, detail string) { fmt.Printf("[info] %-9s %s\n", what, detail) }
	// warn is a check whose failure leaves the lab working, without one part (a notebook's data, ganlab eval).
	warn := func(ok bool, what, detail, fix string) {
		if ok {
			report(true, what, detail, "")
			return
		}
		warned++
		fmt.Printf("[warn] %-9s %s\n", what, detail)
		if fix != "" {
			fmt.Printf("           → %s\n", fix)
		}
	}

	if home == "" {
		report(false, "project", "no ganlab project folder found (go.mod with .local/ above the working directory)", "run `make setup` in the ganlab checkout, or set GANLAB_HOME")
	} else {
		report(true, "project", home, "")
	}

	// Backend: XLA CPU is what the lab is made for; the pure-Go fallback works but slowly.
	b, info, err := backend.New()
	switch {
	case err != nil:
		report(false, "backend", err.Error(), "run `make setup` to install the XLA CPU plugin, or set GANLAB_BACKEND=go")
	case info.IsXLA():
		report(true, "backend", info.String(), "")
	default:
		explicit := os.Getenv(backend.EnvBackend) == "go" || strings.HasPrefix(os.Getenv("GOMLX_BACKEND"), "go")
		report(explicit, "backend", info.String(), "run `make setup` to install the XLA CPU plugin (pure Go is 5-10× slower)")
	}
	if b != nil {
		defer b.Finalize() // the classifier check below uses it
	}
	note("hugepages", backend.HugePagesReport())
	if p := backend.FindPlugin("cuda"); p != "" {
		note("cuda", "PJRT CUDA plugin found: "+p+" (use GANLAB_BACKEND=cuda or the ganlab-xla-cuda kernel)")
	} else {
		note("cuda", "no PJRT CUDA plugin (pjrt_c_api_cuda_plugin.so or jax's xla_cuda_plugin.so) in "+strings.Join(backend.PluginDirs(), ":")+"; CPU only")
	}

	// Go toolchain: GoNB compiles every cell with it.
	if out, err := exec.Command("go", "version").Output(); err != nil {
		report(false, "go", "`go` not found on PATH", "install Go 1.26 and put it on PATH")
	} else {
		report(true, "go", strings.TrimSpace(string(out)), "")
	}

	local := func(parts ...string) string { return filepath.Join(append([]string{home, ".local"}, parts...)...) }
	if home != "" {
		jupyter := local("venv", "bin", "jupyter")
		if out, err := exec.Command(jupyter, "lab", "--version").Output(); err != nil {
			report(false, "jupyter", "JupyterLab not runnable at "+jupyter, "run `make setup`")
		} else {
			report(true, "jupyter", "JupyterLab "+strings.TrimSpace(string(out))+" in "+local("venv"), "")
		}
		var missing []string
		for _, tool := range []string{"gonb", "goimports", "gopls"} {
			if _, err := os.Stat(local("bin", tool)); err != nil {
				missing = append(missing, tool)
			}
		}
		if len(missing) > 0 {
			report(false, "gonb", "missing in "+local("bin")+": "+strings.Join(missing, ", "), "run `make setup`")
		} else {
			report(true, "gonb", "gonb, goimports, gopls in "+local("bin"), "")
		}
		kernelsDir := local("venv", "share", "jupyter", "kernels")
		for _, k := range []string{"ganlab-xla-cpu", "ganlab-go"} {
			spec := filepath.Join(kernelsDir, k, "kernel.json")
			raw, err := os.ReadFile(spec)
			var parsed struct {
				Argv        []string `json:"argv"`
				DisplayName string   `json:"display_name"`
			}
			if err == nil {
				err = json.Unmarshal(raw, &parsed)
			}
			if err == nil && len(parsed.Argv) > 0 {
				_, err = os.Stat(parsed.Argv[0])
			}
			if err != nil {
				report(false, "kernel", k+": "+err.Error(), "run `make setup` (installs kernels/ into the project's Jupyter)")
			} else {
				report(true, "kernel", fmt.Sprintf("%s (%q) → %s", k, parsed.DisplayName, parsed.Argv[0]), "")
			}
		}
	}

	for _, name := range []string{"fashion-mnist", "mnist"} {
		im, err := data.Load(name, "test", data.Offline())
		if err != nil {
			report(false, "data", name+": "+err.Error(), "run `make setup` or `ganlab data fetch "+name+"`")
		} else {
			report(true, "data", fmt.Sprintf("%s: %d test images %d×%d from %s", name, im.N, im.H, im.W, im.Source), "")
		}
	}
	warn(mriCheck())
	for _, name := range metrics.ClassifierDatasets {
		warn(classifierCheck(b, name))
	}

	if failed > 0 {
		fmt.Printf("\n%d check(s) failed: the lab cannot work until they are fixed.\n", failed)
		return exitError(1)
	}
	if warned > 0 {
		fmt.Printf("\nAll checks passed, with %d warning(s) above: `make lab` opens the lab.\n", warned)
		return nil
	}
	fmt.Println("\nAll checks passed: `make lab` opens the lab.")
	return nil
}

// mriCheck reads the brain-MRI set of notebook 06 where data.LocateMRI finds it ($GANLAB_MRI_DIR, else the
// slices `ganlab data mri` built into <data root>/brain-mri), as data.LoadTrain(data.MRIName) does, without
// building it.
func mriCheck() (ok bool, what, detail, fix string) {
	what = "data"
	loc := data.LocateMRI()
	switch {
	case loc.Env:
		im, err := data.LoadTrain(data.MRIName, data.FolderOptions{Size: 128})
		if err != nil {
			return false, what, "brain-mri: GANLAB_MRI_DIR: " + err.Error(), "point GANLAB_MRI_DIR at a folder of MRI images, or unset it to use the built slices"
		}
		return true, what, fmt.Sprintf("brain-mri: %d training images in GANLAB_MRI_DIR=%s", im.N, loc.Dir), ""
	case loc.Build == "":
		return false, what, "brain-mri: no project data folder (no project home and no user cache folder)", "set GANLAB_HOME or run `make setup`"
	}
	fix = "run `ganlab data mri --out " + loc.Build + "` (needs apt-get download and npm pack) or `make setup`; notebook 06 builds it on first use"
	if !loc.Ready {
		if _, err := os.Stat(filepath.Join(loc.Build, "NOTICE")); err == nil {
			return false, what, "brain-mri: built by an earlier ganlab (" + loc.Build + "/slices.csv missing: no slice levels, no cerebrum range)", fix
		}
		return false, what, "brain-mri: not built (" + loc.Build + "/NOTICE missing)", fix
	}
	im, skipped, err := data.LoadFolder(loc.Dir, data.FolderOptions{Size: 128})
	if err != nil {
		return false, what, "brain-mri: " + err.Error(), fix
	}
	if len(skipped) > 0 {
		return false, what, fmt.Sprintf("brain-mri: %d slices read, %d unreadable (first: %s)", im.N, len(skipped), skipped[0]), fix
	}
	return true, what, fmt.Sprintf("brain-mri: %d slices %d×%d that cut the cerebrum in %s", im.N, im.H, im.W, loc.Dir), ""
}

// classifierCheck loads dataset's domain classifier as ganlab eval and ganlab train -metrics do
// (metrics.LoadClassifier).
func classifierCheck(b compute.Backend, dataset string) (ok bool, what, detail, fix string) {
	what = "metrics"
	if b == nil {
		return false, what, dataset + " classifier: not checked (no backend)", "fix the backend above"
	}
	c, err := metrics.LoadClassifier(b, dataset)
	if err != nil {
		return false, what, dataset + " classifier: " + err.Error(),
			"run `ganlab data classifiers -train -out ganlib/metrics/classifiers " + dataset + "` in the checkout (then pin its SHA-256; see ganlib/metrics/classifiers/README.md); until then ganlab eval and train -metrics fail"
	}
	return true, what, fmt.Sprintf("%s classifier: %s, test accuracy %.2f%%", dataset, c.Path, 100*c.TestAccuracy()), ""
}
