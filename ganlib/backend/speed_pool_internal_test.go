package backend

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganlab/ganlab/ganlib/internal/tune"
)

// manyProducts runs, 20 times, a graph of 16 independent 384×384 float32 matrix products summed, each large
// enough for GoMLX's pure-Go backend to split over its worker pool, and reports whether that finished within
// limit.
func manyProducts(t *testing.T, b compute.Backend, limit time.Duration) bool {
	t.Helper()
	exec := graph.MustNewExec(b, func(x *graph.Node) *graph.Node {
		var sum *graph.Node
		for i := range 16 {
			p := graph.Dot(graph.AddScalar(x, float64(i)), x).Product()
			if sum == nil {
				sum = p
			} else {
				sum = graph.Add(sum, p)
			}
		}
		return graph.ReduceAllSum(sum)
	})
	x := tensors.FromShape(shapes.Make(dtypes.Float32, 384, 384))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			exec.MustCall(x)[0].FinalizeAll()
		}
	}()
	select {
	case <-done:
		exec.Finalize()
		return true
	case <-time.After(limit):
		return false // the goroutine stays blocked; the test fails
	}
}

// TestGoParallelOps: with the speed switch on, NewGo's backend runs ops in parallel with its worker pool uncapped,
// and a graph of many
// concurrent matrix products finishes. With GANLAB_TEST_CAPPED_POOL=1 it also runs the same graph with GoMLX's
// capped pool, which hangs on a 2-core machine: proof that the check can fail (not run by default, since the
// hung goroutine cannot be stopped).
func TestGoParallelOps(t *testing.T) {
	defer tune.Set(true)()
	b, note, err := newGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if strings.Contains(note, "one after another") {
		t.Fatalf("NewGo fell back to sequential ops: %s", note)
	}
	// The pool's MaxParallelism is -1 (unlimited) once uncapped.
	if _, err := poolCap(b); err != nil || reflect.ValueOf(b).Elem().FieldByName("Workers").MethodByName("MaxParallelism").Call(nil)[0].Int() != -1 {
		t.Fatalf("the worker pool of NewGo's backend is still capped (%v)", err)
	}
	if !manyProducts(t, b, 2*time.Minute) {
		t.Fatal("16 concurrent matrix products did not finish in 2 minutes on the uncapped pool")
	}
	if os.Getenv("GANLAB_TEST_CAPPED_POOL") == "1" {
		capped, err := compute.NewWithConfig(GoConfigTuned)
		if err != nil {
			t.Fatal(err)
		}
		if manyProducts(t, capped, 30*time.Second) {
			t.Error("the capped pool did not hang: the check above may not prove anything on this machine")
		} else {
			t.Log("GoMLX's capped pool: no result after 30 s, hung as expected")
		}
	}
}

// TestGoReadable: with the speed switch off (ganlib's default), NewGo's backend is GoMLX's own with ops one after
// another: no note, its worker pool as GoMLX sets it, and a graph of many matrix products finishes.
func TestGoReadable(t *testing.T) {
	defer tune.Set(false)()
	t.Setenv(tune.Env, "")
	b, note, err := newGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if note != "" {
		t.Errorf("note %q, want none", note)
	}
	if reflect.ValueOf(b).Elem().FieldByName("Workers").MethodByName("MaxParallelism").Call(nil)[0].Int() == -1 {
		t.Error("the worker pool was uncapped with the speed switch off")
	}
	if !manyProducts(t, b, 2*time.Minute) {
		t.Fatal("16 matrix products did not finish in 2 minutes with ops one after another")
	}
}

func TestUnboundWorkersRefusesOtherBackends(t *testing.T) {
	if err := unboundWorkers(nil); err == nil {
		t.Fatal("unboundWorkers(nil) returned no error")
	}
}
