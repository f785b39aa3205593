// Package speed is ganlab's one switch for CPU tuning. Off (the default in a program of your own and in plain `go
// test`), ganlib takes the readable path: GoMLX's own kernels, worker pool and buffers, and two convolution routes
// (im2col on the pure-Go backend, XLA's native convolution on XLA). On, it adds the tunings below, each of which
// reaches into GoMLX or the C library in a way that is version-checked and tested but not part of the lesson:
//
//   - ganlib's AVX-512 GEMM for the pure-Go backend's float32 matrix products, registered in compute's internal
//     registry (ganlib/backend/speed_gemm.go, ganlib/internal/gemm);
//   - the pure-Go backend's independent ops run at the same time ("go:ops_parallel"), its worker pool uncapped by
//     reflection, without which that deadlocks on 2 cores (ganlib/backend/speed_pool.go; off: "go:ops_sequential");
//   - buffer donation on the XLA CPU plugin: the parameters GoMLX donates are marked as XLA buffer donors (through
//     unsafe), and XLA's copy-insertion region analysis is added to XLA_FLAGS when the plugin knows the flag
//     (ganlib/backend/speed_donate.go);
//   - huge pages for malloc in the processes the CLI starts: it re-executes itself with
//     GLIBC_TUNABLES=glibc.malloc.hugetlb=1 when the kernel's transparent huge pages are in madvise mode, and
//     `ganlab glibc-tunables` gives `make setup` that value for the XLA kernelspecs (ganlib/backend/speed_hugepages.go,
//     ganlib/cmd/ganlab/main.go);
//   - three more convolution routes in ganlib/nn (ParamConvRoute): "select" and "shift" for the pure-Go backend,
//     and "phase" (a strided transposed convolution by output phases) for XLA's CPU backend, which "auto" then picks
//     where they measured faster (ganlib/nn/speed_conv_select.go, speed_conv_shift.go, speed_conv_phase.go).
//
// Every file of that code is named speed_*.go (ganlib/backend/speed_*.go, ganlib/nn/speed_conv_*.go); the readable
// path is the rest.
//
// None of them changes what is computed; they change speed and memory only (and, for the routes, the order of
// floating-point sums). Every one is tested with the switch on and the readable path with it off. Their timings are
// in docs/benchmarks.md; docs/speed.md says how to measure the two paths against each other.
//
// Who turns it on: the ganlab CLI (main, hence `ganlab bench`'s workers too), and the three Jupyter kernelspecs
// (kernels/*/kernel.json set GANLAB_SPEED=on). The switch is read when a backend is created and when a graph is
// built, so turn it on before the first one: On at the top of main, or GANLAB_SPEED in the environment.
//
// GANLAB_SPEED=on or off, when set, wins over On and Off: `GANLAB_SPEED=off ganlab bench` measures the readable
// path, `GANLAB_SPEED=on go test ./...` the tuned one.
package speed

import "github.com/ganlab/ganlab/ganlib/internal/tune"

// Env is the environment variable that overrides the program's choice: "on" or "off".
const Env = tune.Env

// On turns the tuning on for backends created and graphs built afterwards (unless GANLAB_SPEED=off).
func On() { tune.Set(true) }

// Off turns it off again (unless GANLAB_SPEED=on): the readable path, ganlib's default, for backends created and
// graphs built afterwards. One thing stays: ganlib's GEMM, once a tuned pure-Go backend registered it, serves every
// pure-Go backend of the process (compute's registry is global).
func Off() { tune.Set(false) }

// Enabled reports whether the tuning is on now.
func Enabled() bool { return tune.On() }

// Check returns an error naming GANLAB_SPEED when it is set to anything but "on" or "off".
func Check() error { return tune.Check() }
