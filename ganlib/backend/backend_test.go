package backend

import (
	"os"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/internal/project"
)

func TestGoBackendChosenWhenAsked(t *testing.T) {
	t.Setenv(EnvBackend, "go")
	b, info, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if info.Kind != "go" || info.Plugin != "" || !strings.Contains(info.String(), "pure Go") {
		t.Fatalf("unexpected info %+v", info)
	}
}

func TestFallbackSaysWhy(t *testing.T) {
	t.Setenv(EnvBackend, "auto")
	t.Setenv(EnvPluginPath, t.TempDir())
	t.Setenv(project.EnvHome, t.TempDir()) // no .local/pjrt there
	t.Setenv(EnvPlugin, "")
	b, info, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if info.Kind != "go" || !strings.Contains(info.Reason, "no PJRT cpu plugin") {
		t.Fatalf("fallback should name the missing plugin, got %+v", info)
	}
	// Asking for CPU explicitly must fail instead of falling back.
	t.Setenv(EnvBackend, "cpu")
	if _, _, err := New(); err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Fatalf("GANLAB_BACKEND=cpu without plugin: want an error that says what to do, got %v", err)
	}
}

func TestXLACPUFromProjectFolder(t *testing.T) {
	if FindPlugin("cpu") == "" {
		if os.Getenv("GANLAB_REQUIRE_XLA") != "" {
			t.Fatalf("GANLAB_REQUIRE_XLA is set but no CPU plugin found in %v", PluginDirs())
		}
		t.Skip("no PJRT CPU plugin installed; run make setup")
	}
	t.Setenv(EnvBackend, "")
	b, info, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if info.Kind != "xla:cpu" || !strings.HasSuffix(info.Plugin, "pjrt_c_api_cpu_plugin.so") {
		t.Fatalf("want XLA CPU with a plugin file, got %+v", info)
	}
	t.Log(info)
}

// A CUDA plugin is loaded with go-xla's library check off (it warns wrongly about jax's layout and can point
// XLA_FLAGS at a folder of its author's machine), unless the user set the switch. The "plugin" here is an
// empty file: loading it fails, after the switch was set.
func TestCUDAChecksOffUnlessSet(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/xla_cuda_plugin.so", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvPluginPath, dir)
	t.Setenv(EnvBackend, "cuda")
	for _, c := range []struct{ set, want string }{{"", "0"}, {"1", "1"}} {
		t.Setenv(EnvCUDAChecks, c.set)
		_, _, err := New()
		if err == nil || !strings.Contains(err.Error(), "loading PJRT plugin "+dir) {
			t.Fatalf("an empty plugin file should fail to load with its path named, got %v", err)
		}
		if got := os.Getenv(EnvCUDAChecks); got != c.want {
			t.Errorf("%s set to %q before: %q after loading, want %q", EnvCUDAChecks, c.set, got, c.want)
		}
	}
}
