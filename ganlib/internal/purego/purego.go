// Package purego tells whether a graph is built for GoMLX's pure-Go backend, where ganlib/nn and ganlib/gan pick
// other formulations than on XLA (GoMLX's pure-Go backend runs Gather, ScatterSum, Transpose and reductions one
// element at a time; XLA fuses and vectorizes them).
package purego

import (
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// name is what GoMLX's pure-Go backend's Name() returns.
var name = (&simplego.Backend{}).Name()

// On reports whether g is built for GoMLX's pure-Go backend.
func On(g *graph.Graph) bool { return g.Backend().Name() == name }
