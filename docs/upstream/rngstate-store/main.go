// Reproducer: on GoMLX v0.28.2, a model.Exec distributed over 2 or more devices (AutoSharding or SPMD) panics with a
// nil pointer dereference when the store's RNG-state variable was created before the Exec was distributed, e.g. by
// Store.SetRNGStateFromSeed (ganlib seeds every trainer that way) or by a one-device Exec on the same store.
//
// Store.getRNGStateVar (ml/model/random.go) builds the "/#rngState" Variable without `store: s`. Created before
// AutoSharding sets the store's default sharding spec, its shardingSpec is nil, so Variable.paramNode
// (ml/model/variable.go:578 for AutoSharding; the same code at :569 for SPMD, not run here) reads
// v.store.defaultShardingSpec through the nil store.
//
// Each case builds a fresh store and a fresh Exec (2 devices, AutoSharding, batch axis sharded, unless it says
// 1 device) whose graph has a variable with the default (He, random) initializer and adds random noise, and runs
// it once:
//   - "fresh store": the RNG variable is first created inside the distributed Exec: works;
//   - "seeded, 1 device": SetRNGStateFromSeed, then a one-device Exec: works;
//   - "seeded": SetRNGStateFromSeed, then the 2-device Exec: fails;
//   - "seeded, no noise": the same without noise in the graph: fails in the variable initialization;
//   - "used on 1 device first": a one-device Exec creates the RNG variable, then the 2-device Exec: fails;
//   - "seeded + workaround": as "seeded", after giving the RNG variable a replicated sharding spec: works.
//
// Needs a backend with 2 or more devices (XLA CPU has 4; the pure-Go backend has 1):
// PJRT_PLUGIN_LIBRARY_PATH=/work/main/.local/pjrt GOMLX_NO_AUTO_INSTALL=1 GOMLX_BACKEND=xla:cpu go run .
// Exit status 1 when a case fails (2 when the backend has fewer than 2 devices). FULL=1 also prints each error with
// its stack.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	_ "github.com/gomlx/gomlx/backends/default" // registers "go", and "xla" unless built with -tags noxla
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/dtensor"
	"github.com/gomlx/gomlx/ml/model"
)

const devices, batch, features = 2, 4, 3

// step is a tiny "training step" graph: a variable with the default random initializer, plus random noise drawn in
// the graph when noise is set (with noise the panic comes from the step graph, without it from the variable
// initialization graph that the Exec runs first; ganlib's steps take their noise as an input).
func step(noise bool) func(scope *model.Scope, x *Node) *Node {
	return func(scope *model.Scope, x *Node) *Node {
		y := MatMul(x, scope.VariableWithShape("w", shapes.Make(dtypes.Float32, features, 2)).NodeValue(x.Graph()))
		if noise {
			y = Add(y, scope.RandomUniform(x.Graph(), y.Shape()))
		}
		return ReduceAllMean(y)
	}
}

func main() {
	backend, err := compute.New() // $GOMLX_BACKEND, else the first registered backend
	if err != nil {
		panic(err)
	}
	defer backend.Finalize()
	fmt.Println("backend:", backend.Name(), "-", backend.Description())
	if n := backend.NumDevices(); n < devices {
		fmt.Printf("backend has %d device(s); this reproducer needs %d (use XLA CPU)\n", n, devices)
		os.Exit(2)
	}
	flat := make([]float32, batch*features)
	for i := range flat {
		flat[i] = float32(i%5) - 2
	}
	x := tensors.FromFlatDataAndDimensions(flat, batch, features)
	mesh, err := distributed.NewDeviceMesh([]int{devices}, []string{"data"})
	if err != nil {
		panic(err)
	}

	// run runs step once on a fresh Exec over the given store, on `devices` devices or on one.
	run := func(store *model.Store, distribute, noise bool) (value float32, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		exec, err := model.NewExec(backend, store, step(noise))
		if err != nil {
			return 0, err
		}
		defer exec.Finalize()
		var arg any = x
		if distribute {
			spec, err := distributed.BuildSpec(mesh).S("data").Done() // batch axis sharded
			if err != nil {
				return 0, err
			}
			exec.AutoSharding(mesh).WithInputShardingSpecs(spec)
			if arg, err = dtensor.ShardTensor(spec, x); err != nil {
				return 0, err
			}
		}
		out, err := exec.Call(arg) // distributed: one replicated scalar per device
		if err != nil {
			return 0, err
		}
		return tensors.MustCopyFlatData[float32](out[0])[0], nil
	}

	seeded := func() *model.Store {
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(42); err != nil {
			panic(err)
		}
		return store
	}
	cases := []struct {
		name       string
		store      func() *model.Store
		distribute bool
		noise      bool
	}{
		{"fresh store", model.NewStore, true, true},
		{"seeded, 1 device", seeded, false, true},
		{"seeded", seeded, true, true},
		{"seeded, no noise", seeded, true, false},
		{"used on 1 device first", func() *model.Store {
			store := model.NewStore()
			if _, err := run(store, false, true); err != nil {
				panic(err)
			}
			return store
		}, true, true},
		{"seeded + workaround", func() *model.Store {
			store := seeded()
			// ganlib's workaround: give the RNG variable the replicated spec (on the Exec's mesh) that the store
			// would have given it.
			rng := store.GetVariable(model.JoinPath(model.RootScopePath, model.RNGStateVariableName))
			if err := rng.SetShardingSpec(distributed.NewReplicatedShardingSpec(mesh)); err != nil {
				panic(err)
			}
			return store
		}, true, true},
	}
	failed := false
	for _, c := range cases {
		n := 1
		if c.distribute {
			n = devices
		}
		value, err := run(c.store(), c.distribute, c.noise)
		if err != nil {
			if os.Getenv("FULL") != "" {
				fmt.Printf("%+v\n", err)
			}
			fmt.Printf("%-23s %d device(s): error: %s\n", c.name, n, lastLine(err.Error()))
			failed = true
			continue
		}
		fmt.Printf("%-23s %d device(s): ok (loss %.4f)\n", c.name, n, value)
	}
	if failed {
		os.Exit(1)
	}
}

// lastLine keeps the innermost cause of a wrapped error message (one line).
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = s[i+1:]
	}
	return s
}
