// Package backend chooses the compute backend for ganlab: XLA through a PJRT plugin (CPU, or CUDA when asked), or
// GoMLX's pure-Go backend as a fallback. It never downloads anything: GoMLX's PJRT auto-installer is switched off,
// and the plugin must come from the project's set-up (scripts/setup.sh unpacks the PyPI wheel into .local/pjrt) or
// from a folder in PJRT_PLUGIN_LIBRARY_PATH.
//
// Environment:
//
//   - GANLAB_BACKEND: "auto" (default: XLA CPU if its plugin is found, else pure Go), "cpu", "cuda" or "go".
//     "cpu" and "cuda" fail with an error when their plugin cannot be loaded instead of falling back.
//   - GOMLX_BACKEND: when set (and GANLAB_BACKEND is not), it is passed to GoMLX unchanged, e.g. "go" or "xla:cpu".
//   - GANLAB_PJRT_PLUGIN: absolute path of a PJRT plugin file to use for XLA (overrides the search).
//   - PJRT_PLUGIN_LIBRARY_PATH: ":"-separated folders searched for pjrt_c_api_<cpu|cuda>_plugin.so (and for jax's
//     xla_cuda_plugin.so: a jax[cuda13] environment's site-packages/jax_plugins/xla_cuda13 works as it is, since
//     that plugin finds site-packages/nvidia/ by its RPATH; seen on the project's H200).
//   - GANLAB_SPEED: "on" or "off", ganlab's tuning switch (package ganlib/speed). Off, New creates GoMLX's backends
//     as they are (the pure-Go one with "go:ops_sequential"); on, the pure-Go backend gets ganlib's GEMM and runs
//     ops in parallel (speed_gemm.go, speed_pool.go), and the XLA CPU backend donates buffers (speed_donate.go).
//   - GOPJRT_CUDA_CHECKS: go-xla's check of the NVIDIA libraries beside a CUDA plugin; set to 0 when unset (see
//     quietCUDAChecks).
//   - GANLAB_HOME: the project folder whose .local/ holds the installs (default: found by walking up from the
//     working directory and from the executable's folder to the folder holding go.mod and .local/).
package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend"

	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/internal/tune"
)

// Info says which backend was chosen, with which plugin file, and why.
type Info struct {
	// Kind is "xla:cpu", "xla:cuda", "go" or, when GOMLX_BACKEND is used verbatim, its value.
	Kind string
	// Plugin is the absolute path of the PJRT plugin loaded, empty for the pure-Go backend.
	Plugin string
	// Reason explains the choice in words.
	Reason string
	// Description is GoMLX's own description of the backend (plugin version, devices).
	Description string
}

// IsXLA reports whether an XLA PJRT plugin is in use.
func (i Info) IsXLA() bool { return strings.HasPrefix(i.Kind, "xla") }

// String is the one line ganlab prints: backend, plugin file and reason.
func (i Info) String() string {
	name := map[string]string{"xla:cpu": "XLA CPU", "xla:cuda": "XLA CUDA", "go": "pure Go (slow)"}[i.Kind]
	if name == "" {
		name = i.Kind
	}
	plugin := i.Plugin
	if plugin == "" {
		plugin = "none"
	}
	return fmt.Sprintf("backend: %s; plugin: %s; why: %s", name, plugin, i.Reason)
}

const (
	// EnvBackend selects the backend: auto, cpu, cuda or go.
	EnvBackend = "GANLAB_BACKEND"
	// EnvPlugin names a PJRT plugin file by absolute path.
	EnvPlugin = "GANLAB_PJRT_PLUGIN"
	// EnvPluginPath is go-xla's search path for plugins.
	EnvPluginPath = "PJRT_PLUGIN_LIBRARY_PATH"
)

// PluginDirs lists the folders searched for PJRT plugins, in order: PJRT_PLUGIN_LIBRARY_PATH, then the project's
// .local/pjrt.
func PluginDirs() []string {
	var dirs []string
	for _, d := range strings.Split(os.Getenv(EnvPluginPath), ":") {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if home := project.Home(); home != "" {
		dirs = append(dirs, filepath.Join(home, ".local", "pjrt"))
	}
	return dirs
}

// FindPlugin returns the absolute path of the PJRT plugin for platform ("cpu" or "cuda"), searching
// $GANLAB_PJRT_PLUGIN (when its file name mentions the platform) and then PluginDirs. It returns "" if none is found.
func FindPlugin(platform string) string {
	if p := os.Getenv(EnvPlugin); p != "" && strings.Contains(filepath.Base(p), platform) && isFile(p) {
		abs, _ := filepath.Abs(p)
		return abs
	}
	names := []string{"pjrt_c_api_" + platform + "_plugin.so"}
	if platform == "cuda" {
		// The name used inside jax's jax-cuda13-pjrt wheel.
		names = append(names, "xla_cuda_plugin.so")
	}
	for _, dir := range PluginDirs() {
		for _, name := range names {
			p := filepath.Join(dir, name)
			if isFile(p) {
				abs, _ := filepath.Abs(p)
				return abs
			}
		}
	}
	return ""
}

var (
	defaultOnce    sync.Once
	defaultBackend compute.Backend
	defaultInfo    Info
	defaultErr     error
)

// Default returns the process-wide backend, created on first use by New; later calls return the same backend.
// Print its Info (one line) where the user should see it: the CLI does before training, notebooks in their first
// cell (lab.ModeLine).
func Default() (compute.Backend, Info, error) {
	defaultOnce.Do(func() {
		defaultBackend, defaultInfo, defaultErr = New()
	})
	return defaultBackend, defaultInfo, defaultErr
}

// MustDefault is Default that panics on error: for notebooks and tests.
func MustDefault() compute.Backend {
	b, _, err := Default()
	if err != nil {
		panic(err)
	}
	return b
}

// New creates a backend following the rules in the package documentation. Each call creates a new backend; most
// code wants Default.
func New() (compute.Backend, Info, error) {
	disableAutoInstall()
	if err := tune.Check(); err != nil { // a bad value is an error, not a reason to fall back to pure Go
		return nil, Info{}, err
	}
	request := strings.ToLower(strings.TrimSpace(os.Getenv(EnvBackend)))
	if request == "" {
		if cfg, ok := os.LookupEnv(compute.ConfigEnvVar); ok {
			return newVerbatim(cfg)
		}
		request = "auto"
	}
	switch request {
	case "go", "simplego", "purego":
		return newGo(fmt.Sprintf("%s=%s", EnvBackend, request))
	case "cpu", "xla", "xla:cpu":
		b, info, err := newXLA("cpu")
		if err != nil {
			return nil, info, fmt.Errorf("%s=%s: %w", EnvBackend, request, err)
		}
		return b, info, nil
	case "cuda", "gpu", "xla:cuda":
		b, info, err := newXLA("cuda")
		if err != nil {
			return nil, info, fmt.Errorf("%s=%s: %w", EnvBackend, request, err)
		}
		return b, info, nil
	case "auto":
		b, info, err := newXLA("cpu")
		if err == nil {
			return b, info, nil
		}
		return newGo(fmt.Sprintf("falling back: %v", err))
	default:
		return nil, Info{}, fmt.Errorf("%s=%q is not one of auto, cpu, cuda, go", EnvBackend, request)
	}
}

// GoConfig is the configuration ganlab gives compute's pure-Go backend: ops one after another. GoMLX's default
// configuration can hang on 2 cores (docs/upstream/gobackend-pool-deadlock.md). With the speed switch on it is
// GoConfigTuned instead (newGoBackend).
const GoConfig = "go:ops_sequential"

// GoConfigTuned is the pure-Go backend's configuration with the speed switch on: "ops_parallel" runs a graph's
// independent ops at the same time; the backend's worker pool is then uncapped, without which that can hang, and
// its float32 matrix products use ganlib's GEMM on CPUs with AVX-512 (speed_gemm.go).
const GoConfigTuned = "go:ops_parallel"

// NewGo returns GoMLX's pure-Go backend configured as GoConfig, or with the speed switch on as GoConfigTuned, its
// worker pool uncapped (or, if GoMLX's internals do not allow that, with ops run one after another; newGo's Info
// says so).
func NewGo() (compute.Backend, error) {
	b, _, err := newGoBackend()
	return b, err
}

func newGo(reason string) (compute.Backend, Info, error) {
	b, note, err := newGoBackend()
	info := Info{Kind: "go", Reason: reason}
	if err != nil {
		return nil, info, fmt.Errorf("creating the pure-Go backend: %w", err)
	}
	info.Reason = joinNotes(info.Reason, note)
	info.Description = b.Description()
	return b, info, nil
}

func newVerbatim(cfg string) (compute.Backend, Info, error) {
	info := Info{Kind: cfg, Reason: fmt.Sprintf("%s=%q set by the user", compute.ConfigEnvVar, cfg)}
	if strings.HasPrefix(cfg, "go") {
		info.Kind = "go"
		if tune.On() {
			info.Reason = joinNotes(info.Reason, useGEMM())
		}
	}
	b, err := compute.NewWithConfig(cfg)
	if err != nil {
		return nil, info, fmt.Errorf("%s=%q: %w", compute.ConfigEnvVar, cfg, err)
	}
	info.Description = b.Description()
	return b, info, nil
}

func newXLA(platform string) (compute.Backend, Info, error) {
	info := Info{Kind: "xla:" + platform}
	if !xlaCompiled {
		return nil, info, fmt.Errorf("XLA support was left out of this build (-tags noxla)")
	}
	// Buffer donation (speed_donate.go) is part of the speed switch, on the CPU plugin only: it has not been tested on a GPU.
	donate := platform == "cpu" && tune.On()
	path := FindPlugin(platform)
	if path == "" {
		return nil, info, fmt.Errorf("no PJRT %s plugin (pjrt_c_api_%s_plugin.so) in %v; run `make setup` (scripts/setup.sh) to install it, or set %s",
			platform, platform, PluginDirs(), EnvPluginPath)
	}
	info.Plugin = path
	if platform == "cuda" {
		quietCUDAChecks()
	}
	cfg := "xla:" + path
	if platform == "cpu" {
		// go-xla enables zero-copy host buffers only for a plugin named "cpu"; ours is named by path.
		cfg += ",shared_buffers"
		if donate {
			addRegionAnalysisFlag(path)
		}
	}
	b, err := compute.NewWithConfig(cfg)
	if err != nil {
		return nil, info, fmt.Errorf("loading PJRT plugin %s: %w", path, err)
	}
	if donate {
		b = withDonation(b)
	}
	info.Description = b.Description()
	info.Reason = fmt.Sprintf("PJRT %s plugin found in %s%s", platform, filepath.Dir(path), pluginDetails(b.Description()))
	return b, info, nil
}

// EnvCUDAChecks is go-xla's switch for its check of the NVIDIA libraries beside a CUDA plugin.
const EnvCUDAChecks = "GOPJRT_CUDA_CHECKS"

// quietCUDAChecks turns go-xla v0.2.0's CUDA library check off unless the user set it. The check looks for
// nvidia/ two folders above the plugin, one level too high for jax's layout (site-packages/jax_plugins/xla_cuda13/
// beside site-packages/nvidia/, which the plugin's RPATH finds): on the project's H200 it printed a long warning
// that the libraries would not be found, and then training ran. Where it does find a nvidia/ folder, it sets
// XLA_FLAGS=--xla_gpu_cuda_data_dir to a folder of its author's machine (/home/janpf/...). `ganlab doctor` and
// the backend's own errors say what is missing instead.
func quietCUDAChecks() {
	if os.Getenv(EnvCUDAChecks) == "" {
		os.Setenv(EnvCUDAChecks, "0")
	}
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// pluginDetails extracts " (PJRT v0.115, 4 devices)" from GoMLX's backend description.
func pluginDetails(desc string) string {
	var parts []string
	if m := reVersion.FindStringSubmatch(desc); m != nil {
		parts = append(parts, "PJRT "+m[1])
	}
	if m := reDevices.FindStringSubmatch(desc); m != nil {
		parts = append(parts, m[1]+" devices")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

var (
	reVersion = regexp.MustCompile(`\) (v[0-9.]+) `)
	reDevices = regexp.MustCompile(`\[([0-9]+) device`)
)

// NewCPU returns the XLA CPU backend on the plugin FindPlugin finds, or an error saying what to do: for tests and
// benchmarks that need XLA whatever GANLAB_BACKEND says.
func NewCPU() (compute.Backend, error) {
	b, _, err := newXLA("cpu")
	return b, err
}
