// Package models holds what the GAN variants share: Stack, a sequence of numbered layers that records each
// layer's output shape, and Summary, a Keras-like table of a variant's two networks. The variants themselves live
// in sub-packages, one short file each (models/vanilla, ...): networks and training recipes; what is measured
// on them, and the paper reproductions, live in ganlib/experiments.
package models

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/gan"

	"github.com/gomlx/gomlx/core/graph"
)

// Layer is one step of a Stack: Fn runs inside the sub-scope "NNN_Name" of the stack's scope.
type Layer struct {
	Name string
	Fn   func(scope *model.Scope, x *graph.Node) *graph.Node
}

// Stack is a sequence of layers applied in order, each in its own numbered sub-scope (000_dense, 001_leaky_relu,
// ...) so that checkpoints read like the architecture (STYLE §1).
type Stack []Layer

// Apply runs the layers on x. In the gan.Trainer's step graphs each layer's output is probed for NaN/Inf
// (gan.ProbeLayer), so that a non-finite loss names the first layer that went wrong. When a recorder is attached to the context (see Summary), each layer's output
// shape is recorded.
func (s Stack) Apply(scope *model.Scope, x *graph.Node) *graph.Node {
	rec, _ := scope.GetParam(recorderParam)
	for i, l := range s {
		name := fmt.Sprintf("%03d_%s", i, l.Name)
		x = l.Fn(scope.At("%s", name), x)
		gan.ProbeLayer(scope, model.JoinPath(scope.Scope(), name), x) // for the NaN/Inf guard; no-op outside training steps
		if r, ok := rec.(*recorder); ok && r != nil {
			r.rows = append(r.rows, row{scope: model.JoinPath(scope.Scope(), name), name: l.Name, shape: x.Shape()})
		}
	}
	return x
}

// Network returns the stack as a gan.Network.
func (s Stack) Network() gan.Network { return s.Apply }

const recorderParam = "models_summary_recorder"

type row struct {
	scope  string
	name   string
	shape  shapes.Shape
	params int
}

type recorder struct{ rows []row }

// NetSummary is the summary of one network.
type NetSummary struct {
	Name   string
	Rows   []SummaryRow
	Total  int
	Input  []int
	Output []int
}

// SummaryRow is one layer: its scope, output shape (with "None" for the batch axis, as Keras prints it) and
// number of parameters.
type SummaryRow struct {
	Layer       string
	OutputShape string
	Params      int
}

// Summarize builds both networks of the variant on a throwaway graph (nothing is executed or allocated on the
// device, so it is instant even for the lecture's 27M-parameter generator) and returns one summary per network.
func Summarize(backend compute.Backend, v gan.Variant) (g, d NetSummary, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("building %q for its summary: %v", v.Name, r)
		}
	}()
	scope := model.NewStore().RootScope()
	summarize := func(name string, input shapes.Shape, net gan.Network) NetSummary {
		rec := &recorder{}
		gr := graph.NewGraph(backend, "summary_"+name)
		defer gr.Finalize()
		netScope := scope.At("%s", name)
		netScope.SetParam(recorderParam, rec)
		out := net(netScope, graph.Parameter(gr, "x", input))
		s := NetSummary{Name: name, Input: input.Dimensions, Output: out.Shape().Dimensions}
		for _, r := range rec.rows {
			n := 0
			for variable := range scope.IterVariables() {
				if variable.Trainable && (variable.Scope() == r.scope || strings.HasPrefix(variable.Scope(), r.scope+model.ScopeSeparator)) {
					n += variable.Shape().Size()
				}
			}
			s.Rows = append(s.Rows, SummaryRow{Layer: strings.TrimPrefix(r.scope, model.ScopeSeparator+name+model.ScopeSeparator), OutputShape: kerasShape(r.shape.Dimensions), Params: n})
			s.Total += n
		}
		if len(s.Rows) == 0 { // not a Stack: count all its variables
			for variable := range scope.IterVariables() {
				if variable.Trainable && strings.HasPrefix(variable.Scope(), model.ScopeSeparator+name) {
					s.Total += variable.Shape().Size()
				}
			}
		}
		return s
	}
	const b = 2
	// A conditional variant's networks also take their condition, as graph parameters of its shapes; InfoGAN's D
	// is counted with its Q head.
	var fakeCond, realCond gan.Values
	if c := v.Condition; c != nil {
		fakeCond = c.Fixed(b)
		if realCond, err = c.Real(make([]int, b), b); err != nil {
			return g, d, err
		}
	}
	params := func(gr *graph.Graph, vals gan.Values) gan.Cond {
		cond := gan.Cond{}
		for name, t := range vals {
			cond[name] = graph.Parameter(gr, name, t.Shape())
		}
		return cond
	}
	gen := func(scope *model.Scope, z *graph.Node) *graph.Node {
		return v.Generator(scope, z, params(z.Graph(), fakeCond))
	}
	disc := func(scope *model.Scope, x *graph.Node) *graph.Node {
		logits, _ := v.Discriminator(scope, x, params(x.Graph(), realCond))
		return logits
	}
	g = summarize(gan.GeneratorScope, shapes.Make(dtypes.Float32, b, v.LatentDim), gen)
	d = summarize(gan.DiscriminatorScope, shapes.Make(dtypes.Float32, b, v.Height, v.Width, v.Channels), disc)
	return g, d, nil
}

func kerasShape(dims []int) string {
	parts := []string{"None"}
	for _, d := range dims[1:] {
		parts = append(parts, fmt.Sprint(d))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// String formats the summary as a Keras-like table.
func (s NetSummary) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Model: %q\n", s.Name)
	line := strings.Repeat("─", 72)
	fmt.Fprintf(&sb, "%s\n%-32s %-24s %14s\n%s\n", line, "Layer (scope)", "Output Shape", "Param #", line)
	for _, r := range s.Rows {
		fmt.Fprintf(&sb, "%-32s %-24s %14s\n", r.Layer, r.OutputShape, Commas(r.Params))
	}
	fmt.Fprintf(&sb, "%s\nTotal params: %s\n", line, Commas(s.Total))
	return sb.String()
}

// Commas formats n with thousands separators, as Keras prints parameter counts.
func Commas(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
