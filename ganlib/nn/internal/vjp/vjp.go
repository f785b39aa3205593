// Package vjp attaches a hand-written reverse-mode gradient (a VJP) to any GoMLX graph node.
//
// GoMLX (v0.27.0 and v0.28.2) has per-node custom gradients (the unexported Node.customVJP field, read by
// graph.Gradient; v0.28 adds a public getter, Node.CustomGradient, but no setter), but sets them only through
// graph.IdentityWithCustomGradient, which can only rewrite the gradient of a one-input identity. ganlib/nn needs
// custom gradients for multi-input nodes (convolutions whose stock gradients are wrong or missing, a matrix
// product whose gradient must reach ganlib's GEMM), so Set writes that field through reflection. The field name and type are checked on first use: if a GoMLX upgrade changes them, Set panics with
// a message that says so instead of silently doing nothing; TestSet in this package fails too.
package vjp

import (
	"reflect"
	"sync"
	"unsafe"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Fn computes the gradients (VJPs) of node's inputs, in the order of node.Inputs(), given v, the gradient of the
// differentiated scalar with respect to node's (single) output. It may return nil for an input that takes no
// gradient (e.g. integer indices).
type Fn func(node, v *graph.Node) []*graph.Node

var (
	checkOnce sync.Once
	fieldIdx  []int
	checkErr  string
)

func check() {
	t := reflect.TypeFor[graph.Node]()
	f, ok := t.FieldByName("customVJP")
	switch {
	case !ok:
		checkErr = "graph.Node has no field customVJP"
	case f.Type != reflect.TypeFor[graph.VJP]():
		checkErr = "graph.Node.customVJP has type " + f.Type.String() + ", not graph.VJP"
	default:
		fieldIdx = f.Index
	}
}

// Set makes fn the gradient of node's inputs during graph.Gradient, replacing GoMLX's registered VJP for the
// node's type. node must have one output. The nodes fn builds are differentiated like any other, so
// second-order gradients work when fn is built from differentiable operations.
func Set(node *graph.Node, fn Fn) {
	checkOnce.Do(check)
	if checkErr != "" {
		exceptions.Panicf("ganlib/nn/internal/vjp: %s; this GoMLX version is not supported (written for v0.28.2)", checkErr)
	}
	if node.NumOutputs() != 1 {
		exceptions.Panicf("vjp.Set: node %s has %d outputs, only single-output nodes are supported", node, node.NumOutputs())
	}
	field := reflect.ValueOf(node).Elem().FieldByIndex(fieldIdx)
	ptr := (*graph.VJP)(unsafe.Pointer(field.UnsafeAddr()))
	*ptr = func(n *graph.Node, vjpOutputs []*graph.Node, _ shapes.Shape) []*graph.Node {
		return fn(n, vjpOutputs[0])
	}
}
