//go:build ((linux && amd64) || darwin) && !noxla

package backend_test

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/gomlx/gomlx/backends"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
)

// dataAddress is the address of a tensor's data; on the XLA CPU backend (shared buffers) that is the device
// buffer itself.
func dataAddress(t *testing.T, x *tensors.Tensor) uintptr {
	t.Helper()
	var p uintptr
	if err := x.ConstFlatData(func(flat any) { p = uintptr(unsafe.Pointer(unsafe.SliceData(flat.([]float32)))) }); err != nil {
		t.Fatal(err)
	}
	return p
}

// stepAddresses runs 4 steps of a graph that adds x to a variable and returns the address of the variable's
// buffer after each, checking the values.
func stepAddresses(t *testing.T, b backends.Backend) []uintptr {
	t.Helper()
	ctx := context.New()
	const n = 1 << 16
	w := ctx.VariableWithValue("w", make([]float32, n))
	step, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) *Node {
		next := Add(w.ValueGraph(x.Graph()), x)
		w.SetValueGraph(next)
		return ReduceAllSum(next)
	})
	if err != nil {
		t.Fatal(err)
	}
	var addrs []uintptr
	for i := 1; i <= 4; i++ {
		out, err := step.Exec(float32(1))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tensors.ToScalar[float32](out[0]), float32(i*n); got != want {
			t.Fatalf("step %d: sum %v, want %v", i, got, want)
		}
		addrs = append(addrs, dataAddress(t, w.MustValue()))
	}
	if got := w.MustValue().Value().([]float32); got[0] != 4 || got[n-1] != 4 {
		t.Fatalf("w = %v … %v after 4 steps, want 4", got[0], got[n-1])
	}
	return addrs
}

// A training-like step (a variable updated in the graph) must write the variable's new value over its old buffer
// once GoMLX donates it: without the donor marks XLA allocates a new output buffer on every step, while the
// donated input is still alive, so the address changes on every step (as with GANLAB_DONATE=off).
func TestDonationUpdatesVariablesInPlace(t *testing.T) {
	for _, setting := range []string{"", "auto", "on", "off"} {
		t.Run("GANLAB_DONATE="+setting, func(t *testing.T) {
			t.Setenv(backend.EnvDonate, setting)
			addrs := stepAddresses(t, backendtest.XLA(t))
			inPlace := addrs[1] == addrs[2] && addrs[2] == addrs[3]
			if want := setting != "off"; inPlace != want {
				t.Fatalf("buffers after steps 2–4: %#x, %#x, %#x; in place: %v, want %v", addrs[1], addrs[2], addrs[3], inPlace, want)
			}
		})
	}
}

func TestDonateSettingChecked(t *testing.T) {
	backendtest.XLA(t) // skips without a plugin
	t.Setenv(backend.EnvDonate, "yes")
	want := "GANLAB_DONATE=\"yes\" is not one of auto, on, off"
	if _, err := backend.NewCPU(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("NewCPU: want an error naming GANLAB_DONATE and its values, got %v", err)
	}
	// GANLAB_BACKEND=auto must not fall back to pure Go on it.
	t.Setenv(backend.EnvBackend, "auto")
	if _, info, err := backend.New(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("New: want the same error, got %v (backend %v)", err, info)
	}
}

// A parameter marked as a donor at the first execution must still work, and must not be overwritten, when a later
// execution does not donate it: PJRT then copies it.
func TestDonorParameterNotDonatedLaterIsLeftIntact(t *testing.T) {
	t.Setenv(backend.EnvDonate, "on")
	b := backendtest.XLA(t)
	exec, err := NewExec(b, func(x *Node) *Node { return MulScalar(x, 2) })
	if err != nil {
		t.Fatal(err)
	}
	first := tensors.FromValue([]float32{1, 2, 3})
	donated, err := DonateTensorBuffer(first, b, 0)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec(donated)
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0].Value().([]float32); got[0] != 2 || got[1] != 4 || got[2] != 6 {
		t.Fatalf("first call: %v, want [2 4 6]", got)
	}
	// keep is an output of the first call: its only copy is the device buffer.
	keep := out[0]
	out, err = exec.Exec(keep)
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0].Value().([]float32); got[0] != 4 || got[1] != 8 || got[2] != 12 {
		t.Fatalf("second call: %v, want [4 8 12]", got)
	}
	if got := keep.Value().([]float32); got[0] != 2 || got[1] != 4 || got[2] != 6 {
		t.Fatalf("the input that was not donated changed to %v", got)
	}
	if dataAddress(t, keep) == dataAddress(t, out[0]) {
		t.Fatal("the output shares the buffer of an input that was not donated")
	}
}
