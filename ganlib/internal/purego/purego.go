// Package purego tells whether a graph is built for GoMLX's pure-Go backend, where ganlib/nn and ganlib/gan pick
// other formulations than on XLA (GoMLX's pure-Go backend runs Gather, ScatterSum, Transpose and reductions one
// element at a time; XLA fuses and vectorizes them).
package purego

import (
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
)

// On reports whether g is built for GoMLX's pure-Go backend (compute v0.1.2: its String() is gobackend.BackendName,
// "go"; its type lives in compute/internal/gobackend and cannot be named here).
func On(g *graph.Graph) bool { return g.Backend().String() == gobackend.BackendName }
