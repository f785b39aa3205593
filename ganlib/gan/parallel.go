package gan

// Data-parallel training across several devices of one backend (Config.Devices > 1), through GoMLX's
// distributed AutoSharding strategy (XLA Shardy; see docs/multi-device.md):
//
//   - one logical program: the D and G step graphs are the same as on one device, written for the global batch;
//   - the real batch and the noise are sharded along their batch axis over a 1-D device mesh named "data", so
//     each device holds batch_size/Devices examples;
//   - every variable (both networks, both optimizers' state, the RNG state) is replicated on every device;
//   - XLA's SPMD partitioner inserts the all-reduces the program needs: the mean of the loss over the global
//     batch, hence the mean of the gradients, and batch statistics (BatchNorm) over the global batch. Each device
//     then applies the same optimizer update, so the replicas stay equal.
//
// Only the two training steps are distributed; sampling (Generate, Samples, Discriminate) runs on one device
// from the same variables (GoMLX merges a replicated variable by taking its first shard).

import (
	"fmt"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/dtensor"
	"github.com/gomlx/gomlx/ml/model"
)

// MeshAxis is the name of the device-mesh axis the batch is sharded along.
const MeshAxis = "data"

// checkDevices validates Config.Devices d against the backend and the batch size.
func checkDevices(backend compute.Backend, d, batch int) error {
	if d < 0 {
		return fmt.Errorf("gan.New: Devices is %d; want 0 or 1 (one device) or the number of devices to split the batch over", d)
	}
	if d <= 1 {
		return nil
	}
	if n := backend.NumDevices(); d > n {
		return fmt.Errorf("gan.New: Devices is %d but backend %q has %d device(s) (the pure-Go backend has one; "+
			"XLA CPU has 4 host devices by default, a CUDA machine one per GPU)", d, backend.Name(), n)
	}
	if batch%d != 0 {
		return fmt.Errorf("gan.New: batch size %d is not a multiple of Devices %d; the global batch is split evenly",
			batch, d)
	}
	return nil
}

// Devices is the number of devices the training steps run on (1 when not distributed).
func (t *Trainer) Devices() int { return max(t.Config.Devices, 1) }

// distribute switches the freshly built D and G step executors to data-parallel AutoSharding over
// Config.Devices devices. It must run before their first Exec (compile calls it).
func (t *Trainer) distribute() error {
	if t.Config.Devices <= 1 {
		return nil
	}
	if err := checkDevices(t.Backend, t.Config.Devices, t.batchSize()); err != nil {
		return err
	}
	mesh, err := distributed.NewDeviceMesh([]int{t.Config.Devices}, []string{MeshAxis})
	if err != nil {
		return err
	}
	spec, err := batchSpec(mesh)
	if err != nil {
		return err
	}
	// One spec per step input (any number; GoMLX repeats the last one for a []*Node input list).
	specs := slices.Repeat([]*distributed.ShardingSpec{spec}, maxStepInputs)
	t.dStep.AutoSharding(mesh).WithInputShardingSpecs(specs...)
	t.gStep.AutoSharding(mesh).WithInputShardingSpecs(specs...)
	// GoMLX v0.28.2 defect (docs/upstream/rngstate-store.md): Store.getRNGStateVar builds the RNG-state variable
	// without its store, and a distributed Exec then dereferences v.store for its (nil) sharding spec; giving it a
	// replicated spec here avoids that. TestDataParallelSameLoss fails without it.
	if rng := t.Scope.Store().GetVariable(model.JoinPath(model.RootScopePath, model.RNGStateVariableName)); rng != nil {
		if err := rng.SetShardingSpec(distributed.NewReplicatedShardingSpec(mesh)); err != nil {
			return err
		}
	}
	return nil
}

// maxStepInputs bounds the number of inputs of a step graph taking them as separate arguments.
const maxStepInputs = 16

// batchSpec shards axis 0 (the batch) along MeshAxis; the axes it does not name are replicated, so the one spec
// fits inputs of any rank ≥ 1.
func batchSpec(mesh *distributed.DeviceMesh) (*distributed.ShardingSpec, error) {
	return distributed.BuildSpec(mesh).S(MeshAxis).Done()
}

// shard returns the step inputs as the executors expect them: unchanged on one device; otherwise each input
// (whose axis 0 is the global batch) split along axis 0 into one shard per device, every other axis whole.
func (t *Trainer) shard(inputs ...*tensors.Tensor) []any {
	args := make([]any, len(inputs))
	if t.Config.Devices <= 1 {
		for i, in := range inputs {
			args[i] = in
		}
		return args
	}
	spec, err := batchSpec(t.dStep.Meshes()[0])
	if err != nil {
		panic(err)
	}
	for i, in := range inputs {
		if in.Rank() == 0 {
			panic(fmt.Errorf("data-parallel step input %d is a scalar; every input needs a batch axis 0", i))
		}
		args[i], err = dtensor.ShardTensor(spec, in)
		if err != nil {
			panic(fmt.Errorf("sharding input %d %s over %d devices: %w", i, in.Shape(), t.Config.Devices, err))
		}
	}
	return args
}
