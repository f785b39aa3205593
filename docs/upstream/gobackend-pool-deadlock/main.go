// Reproducer: the pure-Go backend of GoMLX v0.28.2 (github.com/gomlx/compute/gobackend) deadlocks at GOMAXPROCS=2
// on a graph with 12 independent matrix products.
//
// The backend's worker pool is capped at 2·GOMAXPROCS workers. When ops run in parallel, each op holds a worker,
// and a large matrix product inside an op calls Workers.Saturate, which waits (cond.Wait) until a worker is free.
// When every worker is held by such an op, none is ever freed: the process hangs.
//
// Each backend configuration runs in a child process (this program re-executed) with GOMAXPROCS=2 and a timeout,
// so a hang is reported instead of blocking for ever.
//
// Run: go run .   (exit status 1 when a configuration hangs)
package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // registers the pure-Go backend "go"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

const (
	numProducts = 12
	n           = 256              // each product is [n, n]·[n, n]
	repeats     = 20               // executions per configuration
	timeout     = 20 * time.Second // without progress, in the child; the parent kills it after 2·timeout
)

// "+uncap": the backend's pool is uncapped after creation (Workers.SetMaxParallelism(-1), reached by reflection),
// what "parallelism=-1" does without its line on stdout.
var configs = []string{"go", "go:ops_parallel", "go:ops_sequential", "go:parallelism=-1", "go:ops_parallel+uncap"}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-child" {
		child(os.Args[2])
		return
	}
	self, err := os.Executable()
	if err != nil {
		panic(err)
	}
	hung := false
	for _, config := range configs {
		ctx, cancel := context.WithTimeout(context.Background(), 2*timeout)
		cmd := exec.CommandContext(ctx, self, "-child", config)
		cmd.Env = append(os.Environ(), "GOMAXPROCS=2")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		cancel()
		result := "ok: " + lastLine(string(out))
		var exitErr *exec.ExitError
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			result, hung = fmt.Sprintf("HANG: killed after %s", 2*timeout), true
		case errors.As(err, &exitErr) && exitErr.ExitCode() == 3:
			result, hung = "HANG: "+lastLine(string(out)), true
		case err != nil:
			result, hung = fmt.Sprintf("FAILED: %v: %s", err, out), true
		}
		fmt.Printf("%-22s %6.1fs  %s\n", config, time.Since(start).Seconds(), result)
	}
	if hung {
		os.Exit(1)
	}
}

// child runs the 12 independent products `repeats` times on the backend of config.
func child(config string) {
	runtime.GOMAXPROCS(2) // also set by the parent through $GOMAXPROCS; the pool's cap is read when it is created
	config, uncap := strings.CutSuffix(config, "+uncap")
	backend, err := compute.NewWithConfig(config)
	if err != nil {
		panic(err)
	}
	if uncap {
		pool := reflect.ValueOf(backend).Elem().FieldByName("Workers").Interface()
		pool.(interface{ SetMaxParallelism(int) }).SetMaxParallelism(-1)
	}
	exec := MustNewExec(backend, func(a, b *Node) *Node {
		var sums []*Node
		for i := range numProducts {
			ai := AddScalar(a, float64(i)) // 12 different left operands: 12 independent products
			sums = append(sums, ReduceAllSum(MatMul(ai, b)))
		}
		return Stack(sums, 0)
	})
	ones, inverseN := make([]float32, n*n), make([]float32, n*n)
	for i := range ones {
		ones[i], inverseN[i] = 1, 1.0/n
	}
	a := tensors.FromFlatDataAndDimensions(ones, n, n)
	b := tensors.FromFlatDataAndDimensions(inverseN, n, n)
	done := make(chan int)
	go func() {
		for i := range repeats {
			sums := tensors.MustCopyFlatData[float32](exec.MustCall(a, b)[0])
			for j, got := range sums { // (a+j)·b is filled with 1+j
				if want := float32((1 + j) * n * n); math.Abs(float64(got-want)) > 1e-5*float64(want) {
					fmt.Printf("wrong value: product %d sums to %g, want %g\n", j, got, want)
					os.Exit(4)
				}
			}
			done <- i + 1
		}
		close(done)
	}()
	runs := 0
	for {
		select {
		case r, ok := <-done:
			if ok {
				runs = r
				continue
			}
		case <-time.After(timeout):
			// Hung: say where the goroutines wait.
			buf := make([]byte, 1<<20)
			stacks := string(buf[:runtime.Stack(buf, true)])
			fmt.Printf("after %d of %d runs, no progress for %s; goroutines in workerspool.(*Pool).Saturate: %d\n",
				runs, repeats, timeout, strings.Count(stacks, "workerspool.(*Pool).Saturate("))
			os.Exit(3)
		}
		break
	}
	fmt.Printf("%d runs of %d products [%d,%d]·[%d,%d], GOMAXPROCS=%d, %s\n",
		repeats, numProducts, n, n, n, n, runtime.GOMAXPROCS(0), backend.Description())
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
