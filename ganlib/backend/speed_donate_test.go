//go:build ((linux && amd64) || darwin) && !noxla

package backend_test

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/gomlx/compute"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/speed"
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

// deviceValues copies a float32 tensor's values through ConstFlatData, which on the XLA CPU backend reads the
// device buffer itself when the tensor has no local copy (and does not make one, unlike Value).
func deviceValues(t *testing.T, x *tensors.Tensor) []float32 {
	t.Helper()
	var v []float32
	if err := x.ConstFlatData(func(flat any) { v = append(v, flat.([]float32)...) }); err != nil {
		t.Fatal(err)
	}
	return v
}

// stepAddresses runs 4 steps of a graph that adds x to a variable and returns the address of the variable's
// buffer after each, checking the values.
func stepAddresses(t *testing.T, b compute.Backend) []uintptr {
	t.Helper()
	scope := model.NewStore().RootScope()
	const n = 1 << 16
	w := scope.VariableWithValue("w", make([]float32, n))
	step, err := model.NewExec(b, scope.Store(), func(scope *model.Scope, x *Node) *Node {
		next := Add(w.NodeValue(x.Graph()), x)
		w.SetNodeValue(next)
		return ReduceAllSum(next)
	})
	if err != nil {
		t.Fatal(err)
	}
	var addrs []uintptr
	for i := 1; i <= 4; i++ {
		out, err := step.Call(float32(1))
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
// donated input is still alive, so the address changes on every step (as with the speed switch off, ganlib's
// default: GANLAB_SPEED unset and no speed.On, or GANLAB_SPEED=off).
func TestDonationUpdatesVariablesInPlace(t *testing.T) {
	for _, setting := range []string{"", "on", "off", "program"} {
		t.Run("GANLAB_SPEED="+setting, func(t *testing.T) {
			env := setting
			if setting == "program" { // no variable, speed.On in the program
				env = ""
				speed.On()
				t.Cleanup(speed.Off)
			}
			t.Setenv(speed.Env, env)
			addrs := stepAddresses(t, backendtest.XLA(t))
			inPlace := addrs[1] == addrs[2] && addrs[2] == addrs[3]
			if want := setting == "on" || setting == "program"; inPlace != want {
				t.Fatalf("buffers after steps 2–4: %#x, %#x, %#x; in place: %v, want %v", addrs[1], addrs[2], addrs[3], inPlace, want)
			}
		})
	}
}

// A GANLAB_SPEED that is neither on nor off is an error; GANLAB_BACKEND=auto must not fall back to pure Go on it.
func TestSpeedSettingChecked(t *testing.T) {
	t.Setenv(speed.Env, "yes")
	want := "GANLAB_SPEED=\"yes\" is not one of on, off"
	t.Setenv(backend.EnvBackend, "auto")
	if _, info, err := backend.New(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("New: want the same error, got %v (backend %v)", err, info)
	}
}

// A parameter marked as a donor at the first execution is written in place when donated, and must still work,
// without being overwritten, when a later execution does not donate it: PJRT then copies it.
func TestDonorParameterNotDonatedLaterIsLeftIntact(t *testing.T) {
	t.Setenv(speed.Env, "on")
	b := backendtest.XLA(t)
	exec, err := NewExec(b, func(x *Node) *Node { return MulScalar(x, 2) })
	if err != nil {
		t.Fatal(err)
	}
	call := func(x *tensors.Tensor, donate bool, want ...float32) *tensors.Tensor {
		t.Helper()
		var arg any = x
		if donate {
			if arg, err = DonateTensorBuffer(x, b, 0); err != nil {
				t.Fatal(err)
			}
		}
		out, err := exec.Call(arg)
		if err != nil {
			t.Fatal(err)
		}
		if got := deviceValues(t, out[0]); got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Fatalf("got %v, want %v", got, want)
		}
		return out[0]
	}
	// Outputs of the executable have no local copy: deviceValues and dataAddress read their device buffers.
	a := call(tensors.FromValue([]float32{1, 2, 3}), true, 2, 4, 6)
	addrA := dataAddress(t, a)
	twice := call(a, true, 4, 8, 12)
	if dataAddress(t, twice) != addrA {
		t.Fatal("a donated input was not written in place: the parameter is not aliased, so this test proves nothing")
	}
	again := call(twice, false, 8, 16, 24)
	if got := deviceValues(t, twice); got[0] != 4 || got[1] != 8 || got[2] != 12 {
		t.Fatalf("the input that was not donated changed to %v", got)
	}
	if dataAddress(t, again) == dataAddress(t, twice) {
		t.Fatal("the output shares the buffer of an input that was not donated")
	}
}
