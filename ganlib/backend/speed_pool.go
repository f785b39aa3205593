package backend

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/internal/tune"
)

// newGoBackend creates compute's pure-Go backend as GoConfig says (ops one after another) or, with the speed
// switch on, as GoConfigTuned says ("ops_parallel": a graph's independent ops run at the same time) with its
// worker pool uncapped and ganlib's GEMM (useGEMM). The pool is capped at 2·GOMAXPROCS workers, and an op that
// holds a worker waits for free ones for its matrix product: with every worker held by such an op, the process
// hangs for ever (seen on 2 cores with GoMLX v0.27.0 and compute v0.1.2: docs/upstream/gobackend-pool-deadlock.md).
// Uncapped ("parallelism=-1" in compute's terms), an op never waits for a worker and a matrix product still splits
// into GOMAXPROCS parts. The config string could set that too, but compute then prints a line to stdout, into
// every notebook, so the cap is set on the pool itself. When compute's internals are not as expected, it returns
// the backend with ops run one after another (GoConfig) and says why in note. Ops in parallel make a GAN step
// faster (docs/benchmarks.md, run V).
//
// note says which float32 matrix product it uses, or why ganlib's is off (setupGEMM).
func newGoBackend() (b compute.Backend, note string, err error) {
	if !tune.On() {
		b, err = compute.NewWithConfig(GoConfig)
		return b, "", err
	}
	parallel, sequential := GoConfigTuned, GoConfig
	note = useGEMM()
	b, err = compute.NewWithConfig(parallel)
	if err != nil {
		return nil, "", err
	}
	if uerr := unboundWorkers(b); uerr != nil {
		b.Finalize()
		b, err = compute.NewWithConfig(sequential)
		return b, joinNotes(note, fmt.Sprintf("ops run one after another: %v", uerr)), err
	}
	return b, note, nil
}

func joinNotes(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "; " + b
}

// unboundWorkers sets the worker pool of GoMLX's pure-Go backend b to "unlimited" (SetMaxParallelism(-1), what
// the config "parallelism=-1" sets without its stdout line). The backend's type is in the internal package
// compute/internal/gobackend, but its field Workers *workerspool.Pool and the pool's SetMaxParallelism are
// exported: reflection reaches them, no unsafe.
func unboundWorkers(b compute.Backend) error {
	m, err := poolCap(b)
	if err != nil {
		return err
	}
	m.Call([]reflect.Value{reflect.ValueOf(-1)})
	return nil
}

// poolCap is the SetMaxParallelism method of b's worker pool (compute v0.1.2: gobackend.Backend.Workers), found by
// name and type: anything else is an error, never a silent no-op.
func poolCap(b compute.Backend) (reflect.Value, error) {
	rv := reflect.ValueOf(b)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct || b.String() != "go" {
		return reflect.Value{}, fmt.Errorf("the backend is %T, not GoMLX's pure-Go backend", b)
	}
	w := rv.Elem().FieldByName("Workers")
	if !w.IsValid() || w.Kind() != reflect.Pointer || w.IsNil() {
		return reflect.Value{}, errors.New(`GoMLX's pure-Go backend has no worker pool field "Workers" (not compute v0.1.2?)`)
	}
	m := w.MethodByName("SetMaxParallelism")
	if !m.IsValid() || m.Type().NumIn() != 1 || m.Type().In(0).Kind() != reflect.Int {
		return reflect.Value{}, errors.New(`GoMLX's worker pool has no SetMaxParallelism(int) (not compute v0.1.2?)`)
	}
	return m, nil
}
