//go:build ((linux && amd64) || darwin) && !noxla

package backend

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/go-xla/stablehlo"

	"github.com/ganlab/ganlab/ganlib/internal/tune"
)

// Buffer donation on XLA.
//
// GoMLX's model.Exec donates the buffers of the variables a graph updates (a training step's weights and
// optimizer moments), but GoMLX's XLA backend (go-xla v0.4.1, as in GoMLX v0.27.0) emits StableHLO without any
// input/output aliasing, so XLA cannot write a variable's new value over its old one: every step allocates a new
// output buffer for every updated variable and frees the donated one. For the lecture's DCGAN those are 105 MB
// buffers (G's first Dense kernel and its two Adam moments), which glibc maps fresh and the kernel zeroes again on
// every step.
//
// donatingBackend wraps the XLA backend so that a graph is compiled at its first execution, when the donated
// inputs are known, with those parameters marked `jax.buffer_donor = true` (the attribute jax itself emits for
// donated arguments). XLA then pairs each donor with an output of the same shape and writes that output in place.
// The pairing is XLA's; a donor left unpaired costs nothing, and an executable run later without donating a
// paired input gets a copy of it from PJRT (the input is left unchanged), so the marks only ever affect speed
// and memory, never results. Both halves of that are tested on the CPU plugin (speed_donate_test.go). ganlab wraps the
// backend with the speed switch on (package ganlib/speed), on the CPU plugin only: neither half has been tested on
// a GPU yet.
//
// GoMLX's tensors take their backend from Buffer.Backend(), so every buffer the wrapper hands out is wrapped
// (donatingBuffer) to name the wrapper as its backend, and unwrapped again before it reaches the XLA backend, which
// accepts only its own buffers. Of the compute interfaces only Executable.Execute takes buffers.

// donatingBackend is the XLA backend whose builders mark donated parameters (see above).
type donatingBackend struct {
	compute.Backend
}

// withDonation wraps an XLA backend; see donatingBackend.
func withDonation(b compute.Backend) compute.Backend { return &donatingBackend{b} }

// Builder implements compute.Backend.
func (b *donatingBackend) Builder(name string) compute.Builder {
	return &donatingBuilder{Builder: b.Backend.Builder(name), backend: b}
}

// BufferFromFlatData implements compute.Backend.
func (b *donatingBackend) BufferFromFlatData(device compute.DeviceNum, flat any, shape shapes.Shape) (compute.Buffer, error) {
	return b.wrap(b.Backend.BufferFromFlatData(device, flat, shape))
}

// NewSharedBuffer implements compute.Backend.
func (b *donatingBackend) NewSharedBuffer(device compute.DeviceNum, shape shapes.Shape) (compute.Buffer, any, error) {
	buf, flat, err := b.Backend.NewSharedBuffer(device, shape)
	if err != nil {
		return nil, nil, err
	}
	return &donatingBuffer{Buffer: buf, backend: b}, flat, nil
}

// wrap wraps a buffer of the XLA backend as one of b.
func (b *donatingBackend) wrap(buf compute.Buffer, err error) (compute.Buffer, error) {
	if err != nil {
		return nil, err
	}
	return &donatingBuffer{Buffer: buf, backend: b}, nil
}

// donatingBuffer is a buffer of the XLA backend that names the donatingBackend as its backend.
type donatingBuffer struct {
	compute.Buffer
	backend *donatingBackend
}

// Backend implements compute.Buffer.
func (b *donatingBuffer) Backend() compute.Backend { return b.backend }

// CopyToDevice implements compute.Buffer.
func (b *donatingBuffer) CopyToDevice(device compute.DeviceNum) (compute.Buffer, error) {
	return b.backend.wrap(b.Buffer.CopyToDevice(device))
}

// unwrapped returns the XLA backend's buffers behind buffers (the ones that are not wrapped as they are).
func unwrapped(buffers []compute.Buffer) []compute.Buffer {
	out := make([]compute.Buffer, len(buffers))
	for i, buf := range buffers {
		if d, ok := buf.(*donatingBuffer); ok {
			buf = d.Buffer
		}
		out[i] = buf
	}
	return out
}

// donatingBuilder records the main function's parameters and outputs and compiles lazily.
type donatingBuilder struct {
	compute.Builder
	backend     *donatingBackend
	paramNames  []string
	paramShapes []shapes.Shape
	params      []compute.Value
	outShapes   []shapes.Shape
}

// Main implements backends.Builder.
func (b *donatingBuilder) Main() compute.Function {
	return &donatingMain{Function: b.Builder.Main(), b: b}
}

// donatingMain is the main function: it records Parameter and Return; every op is the XLA backend's own.
type donatingMain struct {
	compute.Function
	b *donatingBuilder
}

// Parameter implements backends.Function.
func (f *donatingMain) Parameter(name string, shape shapes.Shape, sharding *compute.ShardingSpec) (compute.Value, error) {
	v, err := f.Function.Parameter(name, shape, sharding)
	if err == nil {
		f.b.paramNames = append(f.b.paramNames, name)
		f.b.paramShapes = append(f.b.paramShapes, shape)
		f.b.params = append(f.b.params, v)
	}
	return v, err
}

// Return implements backends.Function.
func (f *donatingMain) Return(outputs []compute.Value, shardings []*compute.ShardingSpec) error {
	if err := f.Function.Return(outputs, shardings); err != nil {
		return err
	}
	f.b.outShapes = make([]shapes.Shape, len(outputs))
	for i, v := range outputs {
		s, err := f.b.OpShape(v)
		if err != nil {
			return err
		}
		f.b.outShapes[i] = s
	}
	return nil
}

// Compile implements backends.Builder: it checks that Return was called and defers XLA's compilation to the
// first Execute.
func (b *donatingBuilder) Compile() (compute.Executable, error) {
	if b.outShapes == nil {
		return nil, fmt.Errorf("graph %q: Main().Return() must be called before Compile()", b.Name())
	}
	return &donatingExecutable{b: b}, nil
}

// donatingExecutable compiles its graph at the first Execute.
type donatingExecutable struct {
	b    *donatingBuilder
	mu   sync.Mutex
	exec compute.Executable // nil until compiled, and after Finalize
	err  error              // the compilation's error, or that the executable was finalized
}

// Inputs implements backends.Executable.
func (e *donatingExecutable) Inputs() ([]string, []shapes.Shape) {
	return e.b.paramNames, e.b.paramShapes
}

// Outputs implements backends.Executable.
func (e *donatingExecutable) Outputs() []shapes.Shape { return e.b.outShapes }

// Finalize implements backends.Executable.
func (e *donatingExecutable) Finalize() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.exec != nil {
		e.exec.Finalize()
		e.exec = nil
	}
	e.err = fmt.Errorf("graph %q: executable finalized", e.b.Name())
}

// Execute implements backends.Executable. The first call marks the parameters donated in it (on every device)
// and compiles.
func (e *donatingExecutable) Execute(inputs []compute.Buffer, donate []bool, device compute.DeviceNum) ([]compute.Buffer, error) {
	exec, err := e.compiled(donate)
	if err != nil {
		return nil, err
	}
	outputs, err := exec.Execute(unwrapped(inputs), donate, device)
	if err != nil {
		return nil, err
	}
	for i, buf := range outputs {
		outputs[i] = &donatingBuffer{Buffer: buf, backend: e.b.backend}
	}
	return outputs, nil
}

// compiled returns the XLA executable, compiling it on the first call with the parameters donated in that call
// (on every device, in GoMLX's device-major layout) marked as donors.
func (e *donatingExecutable) compiled(donate []bool) (compute.Executable, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.exec != nil || e.err != nil {
		return e.exec, e.err
	}
	if n := len(e.b.params); n > 0 && len(donate) > 0 && len(donate)%n == 0 {
		for i, p := range e.b.params {
			all := true
			for d := i; d < len(donate); d += n {
				all = all && donate[d]
			}
			if all {
				markDonor(p)
			}
		}
	}
	e.exec, e.err = e.b.Builder.Compile()
	return e.exec, e.err
}

// markDonor sets `jax.buffer_donor = true` on the StableHLO argument behind a parameter of GoMLX's XLA backend.
// GoMLX keeps that *stablehlo.Value in an unexported field `value` of its node type; if a GoMLX version changes
// that, nothing is marked (TestDonationUpdatesVariablesInPlace fails), graphs run as before, and the process says
// so once on stderr: results stay right, only the in-place updates are lost.
func markDonor(v compute.Value) {
	rv := reflect.ValueOf(v)
	var f reflect.Value
	if rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct {
		f = rv.Elem().FieldByName("value")
	}
	if !f.IsValid() || f.Type() != reflect.TypeFor[*stablehlo.Value]() {
		donorLayoutWarning.Do(func() {
			fmt.Fprintf(os.Stderr, "ganlib: GoMLX's XLA parameter node (%T) has no field `value *stablehlo.Value` any more: "+
				"buffer donation is off (results are unchanged; training is slower and uses more memory). Set %s=off to silence this.\n", v, tune.Env)
		})
		return
	}
	sv := *(**stablehlo.Value)(unsafe.Pointer(f.UnsafeAddr()))
	if sv == nil {
		return
	}
	if sv.Attributes == nil {
		sv.Attributes = map[string]any{}
	}
	sv.Attributes["jax.buffer_donor"] = true
}

// regionAnalysis is the XLA flag that lets XLA's copy insertion see that most in-place updates need no copy. With
// the lecture's DCGAN and XLA's default analysis, 32 donated inputs (G's 105 MB Adam moment among them) were
// first copied to scratch memory and then updated "in place", which costs more than no donation; with the flag
// none is but the G step's random-number state (docs/benchmarks.md, run Q).
const regionAnalysis = "xla_cpu_copy_insertion_use_region_analysis"

// addRegionAnalysisFlag adds --xla_cpu_copy_insertion_use_region_analysis=true to XLA_FLAGS before the CPU
// plugin is loaded (XLA reads XLA_FLAGS once per process), unless XLA_FLAGS names it already or the plugin file
// does not contain the flag's name: XLA ends the process on a flag it does not know.
func addRegionAnalysisFlag(plugin string) {
	flags := os.Getenv("XLA_FLAGS")
	if strings.Contains(flags, regionAnalysis) || !fileContains(plugin, regionAnalysis) {
		return
	}
	os.Setenv("XLA_FLAGS", strings.TrimSpace(flags+" --"+regionAnalysis+"=true"))
}

var donorLayoutWarning sync.Once

var containsCache sync.Map // "path\x00word" -> bool

// fileContains reports whether a file's bytes contain word (false when it cannot be read); cached per path.
func fileContains(path, word string) bool {
	key := path + "\x00" + word
	if v, ok := containsCache.Load(key); ok {
		return v.(bool)
	}
	found := false
	if f, err := os.Open(path); err == nil {
		defer f.Close()
		buf := make([]byte, 4<<20)
		overlap := len(word) - 1
		n := 0 // bytes of buf kept from the last read
		for !found {
			m, err := io.ReadFull(f, buf[n:])
			found = bytes.Contains(buf[:n+m], []byte(word))
			if err != nil {
				break
			}
			n = copy(buf, buf[n+m-overlap:n+m])
		}
	}
	containsCache.Store(key, found)
	return found
}
