//go:build goexperiment.simd && amd64

package backend

import (
	"fmt"
	"reflect"

	"github.com/gomlx/gomlx/backends/simplego/packgemm"
)

// gemmCleanErr says why cleanGEMM could not wrap GoMLX's packed float32 GEMM (nil when it did, or when none is
// registered); newGoBackend then leaves "packgemm" out of the pure-Go backend's config.
var gemmCleanErr = cleanGEMM()

// rawGEMM is the GEMM function cleanGEMM wrapped (for TestPackGEMMStaleOutput).
var rawGEMM any

// cleanGEMM works around a defect of GoMLX v0.27.0's packed GEMM (the "packgemm" config, used in GOEXPERIMENT=simd
// builds): it computes output = alpha·lhs·rhs + beta·output with beta = 0 into a buffer from the backend's pool
// without clearing it first, and 0·NaN is NaN. So once a NaN or an Inf has passed through a pooled buffer of the
// same size, as in a training step that diverged, later matrix products can return NaN from finite inputs: a
// notebook that lowers the learning rate after a NaN stop could stop again for no reason. GoMLX's other matrix
// product paths clear their output. cleanGEMM wraps the registered float32 GEMM (GoMLX looks it up in
// packgemm.DTypeToGEMM at every product) so that it clears the output when beta is 0. Its signature names a type of
// GoMLX's internal packages, hence the reflection. TestPackGEMMStaleOutput shows the defect and the fix. The clear
// costs little (alternating binaries, four runs each): an MLP GAN step 27.9, 29.6, 28.5, 30.0 → 29.6, 30.2, 30.1,
// 30.2 ms; dcgan28 249, 255, 253, 256 → 254, 256, 251, 257 ms.
func cleanGEMM() error {
	regs := packgemm.DTypeToGEMM[packgemm.GetDTypePair[float32, float32]()]
	if len(regs) == 0 {
		return nil // float32 products never take the packed path
	}
	gemm := reflect.ValueOf(regs[0].GEMMFn)
	t := gemm.Type()
	f32, f32s := reflect.TypeFor[float32](), reflect.TypeFor[[]float32]()
	if t.Kind() != reflect.Func || t.NumIn() != 12 || t.NumOut() != 1 || t.In(1) != f32 || t.In(8) != f32s {
		return fmt.Errorf("GoMLX's packed float32 GEMM %q has type %s, not GoMLX v0.27.0's", regs[0].Name, t)
	}
	rawGEMM = regs[0].GEMMFn
	regs[0].GEMMFn = reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
		if args[1].Float() == 0 { // beta
			clear(args[8].Interface().([]float32)) // output
		}
		return gemm.Call(args)
	}).Interface()
	return nil
}
