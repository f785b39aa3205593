package gan

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	. "github.com/gomlx/gomlx/core/graph"
)

// This file holds what the trainer needs for the variants' optional parts (variant.go): labels for a conditional
// GAN, InfoGAN's codes, a penalty on D and weight clipping. Every random draw derives from the seed and the step
// number (as z does), so a resumed run draws the same labels and codes as an uninterrupted one and checkpoints
// need no extra state.

// SetLabels gives the trainer the class of every real image set by SetData (same order, values in
// [0, Variant.Classes)): a conditional variant shows D each real image with its own label. Call it after SetData.
func (t *Trainer) SetLabels(labels []int) error {
	v := t.Variant
	if v.Classes <= 0 {
		return fmt.Errorf("SetLabels: variant %q is not conditional (Classes = 0)", v.Name)
	}
	if t.n == 0 {
		return fmt.Errorf("SetLabels: call SetData first")
	}
	if len(labels) == 0 {
		return fmt.Errorf("model %s is conditioned on class labels, and the data (%d images) has none", v.Name, t.n)
	}
	if len(labels) != t.n {
		return fmt.Errorf("SetLabels: %d labels for %d images", len(labels), t.n)
	}
	for i, l := range labels {
		if l < 0 || l >= v.Classes {
			return fmt.Errorf("SetLabels: label %d of image %d is outside [0, %d)", l, i, v.Classes)
		}
	}
	t.labels = append([]int(nil), labels...)
	return nil
}

// cond is the condition of one batch, drawn on the host.
type cond struct {
	b      int
	labels []int     // class labels [B] (Classes > 0)
	cat    []int     // categorical code [B] (Codes.Categorical > 0)
	cont   []float32 // continuous codes [B, Codes.Continuous]
}

// drawCond draws fake labels uniformly and InfoGAN codes (categorical uniformly, continuous from U(−1, 1)).
func (t *Trainer) drawCond(rng *rand.Rand, b int) cond {
	v := t.Variant
	c := cond{b: b}
	if v.Classes > 0 {
		c.labels = make([]int, b)
		for i := range c.labels {
			c.labels[i] = rng.IntN(v.Classes)
		}
	}
	if v.Codes.Categorical > 0 {
		c.cat = make([]int, b)
		for i := range c.cat {
			c.cat[i] = rng.IntN(v.Codes.Categorical)
		}
	}
	if v.Codes.Continuous > 0 {
		c.cont = make([]float32, b*v.Codes.Continuous)
		for i := range c.cont {
			c.cont[i] = float32(rng.Float64()*2 - 1)
		}
	}
	return c
}

// fixedCond is the condition of the fixed samples: image i has label i mod Classes and category i mod
// Codes.Categorical, continuous codes 0, so a grid with Classes (or Categorical) columns shows one class per column.
func (t *Trainer) fixedCond(count int) cond {
	v := t.Variant
	c := cond{b: count}
	for i := range count {
		if v.Classes > 0 {
			c.labels = append(c.labels, i%v.Classes)
		}
		if v.Codes.Categorical > 0 {
			c.cat = append(c.cat, i%v.Codes.Categorical)
		}
	}
	if v.Codes.Continuous > 0 {
		c.cont = make([]float32, count*v.Codes.Continuous)
	}
	return c
}

func oneHot(labels []int, k int) []float32 {
	out := make([]float32, len(labels)*k)
	for i, l := range labels {
		out[i*k+l] = 1
	}
	return out
}

// genArgs are the inputs of a G call after z: c [B, CondDim] (when the variant has a condition), then the one-hot
// labels y for D [B, Classes], the categorical code [B] (int32) and the continuous codes, each when the variant
// has it. withTargets leaves out all but c (the sampler needs only c).
func (t *Trainer) genArgs(c cond, withTargets bool) []*tensors.Tensor {
	v := t.Variant
	dim := v.CondDim()
	if dim == 0 {
		return nil
	}
	full := make([]float32, c.b*dim)
	for i := range c.b {
		row := full[i*dim : (i+1)*dim]
		if v.Classes > 0 {
			row[c.labels[i]] = 1
		}
		if v.Codes.Categorical > 0 {
			row[v.Classes+c.cat[i]] = 1
		}
		copy(row[v.Classes+v.Codes.Categorical:], c.cont[i*v.Codes.Continuous:(i+1)*v.Codes.Continuous])
	}
	args := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(full, c.b, dim)}
	if !withTargets {
		return args
	}
	if v.Classes > 0 {
		args = append(args, tensors.FromFlatDataAndDimensions(oneHot(c.labels, v.Classes), c.b, v.Classes))
	}
	if v.Codes.Categorical > 0 {
		cat := make([]int32, c.b)
		for i, x := range c.cat {
			cat[i] = int32(x)
		}
		args = append(args, tensors.FromFlatDataAndDimensions(cat, c.b))
	}
	if v.Codes.Continuous > 0 {
		args = append(args, tensors.FromFlatDataAndDimensions(c.cont, c.b, v.Codes.Continuous))
	}
	return args
}

// genNodes are the graph inputs matching genArgs.
type genNodes struct{ z, c, y, cat, cont *Node }

// unpackGen reads z and genArgs' inputs from the front of in and returns the rest.
func (t *Trainer) unpackGen(in []*Node, withTargets bool) (genNodes, []*Node) {
	v := t.Variant
	var s genNodes
	next := func() *Node {
		n := in[0]
		in = in[1:]
		return n
	}
	s.z = next()
	if v.CondDim() == 0 {
		return s, in
	}
	s.c = next()
	if !withTargets {
		return s, in
	}
	if v.Classes > 0 {
		s.y = next()
	}
	if v.Codes.Categorical > 0 {
		s.cat = next()
	}
	if v.Codes.Continuous > 0 {
		s.cont = next()
	}
	return s, in
}

// critic runs D on images x (with one-hot labels y for a conditional variant, else nil) and returns its logits
// [B] and, for an InfoGAN variant, Q's outputs.
func (t *Trainer) critic(scope *model.Scope, x, y *Node) (logits, qCat, qCont *Node) {
	v := t.Variant
	dctx := scope.At(DiscriminatorScope)
	switch {
	case v.InfoDiscriminator != nil:
		logits, qCat, qCont = v.InfoDiscriminator(dctx, x, y)
	case v.ConditionalDiscriminator != nil:
		logits = v.ConditionalDiscriminator(dctx, x, y)
	default:
		logits = v.Discriminator(dctx, x)
	}
	if logits.Rank() == 2 && logits.Shape().Dimensions[1] == 1 {
		logits = Reshape(logits, logits.Shape().Dimensions[0])
	}
	if logits.Rank() != 1 {
		panic(fmt.Sprintf("variant %q: discriminator must return logits [B] or [B,1], got %s", v.Name, logits.Shape()))
	}
	return logits, qCat, qCont
}

// infoLoss is InfoWeight × InfoLoss for a variant with codes, else nil.
func (t *Trainer) infoLoss(s genNodes, qCat, qCont *Node) (weighted, raw *Node) {
	v := t.Variant
	if !v.Codes.HasCodes() {
		return nil, nil
	}
	raw = v.InfoLoss(qCat, qCont, s.cat, s.cont)
	w := v.InfoWeight
	if w == 0 {
		w = 1
	}
	return MulScalar(raw, w), raw
}

// scalarOr returns x, or a float32 zero in g when x is nil.
func scalarOr(g *Graph, x *Node) *Node {
	if x == nil {
		return ScalarZero(g, dtypes.Float32)
	}
	return ConvertDType(x, dtypes.Float32)
}

// GenerateWith runs G in inference mode on noise z (len count·LatentDim) with the given condition: labels
// (Classes > 0), categories and continuous codes (count·Codes.Continuous values), each of len count where the
// variant has it (nil otherwise). It returns count images NHWC in [-1, 1].
func (t *Trainer) GenerateWith(z []float32, labels, categories []int, continuous []float32) ([]float32, error) {
	v := t.Variant
	count := len(z) / v.LatentDim
	if count == 0 || count*v.LatentDim != len(z) {
		return nil, fmt.Errorf("GenerateWith: %d noise values are not whole vectors of %d", len(z), v.LatentDim)
	}
	c := cond{b: count, labels: labels, cat: categories, cont: continuous}
	check := func(what string, n, want, k int, vals []int) error {
		if n != want {
			return fmt.Errorf("GenerateWith: %d %s for %d images of variant %q (want %d)", n, what, count, v.Name, want)
		}
		for _, l := range vals {
			if l < 0 || l >= k {
				return fmt.Errorf("GenerateWith: %s value %d outside [0, %d)", what, l, k)
			}
		}
		return nil
	}
	if err := check("labels", len(labels), count*min(v.Classes, 1), v.Classes, labels); err != nil {
		return nil, err
	}
	if err := check("categories", len(categories), count*min(v.Codes.Categorical, 1), v.Codes.Categorical, categories); err != nil {
		return nil, err
	}
	if err := check("continuous codes", len(continuous), count*v.Codes.Continuous, 1, nil); err != nil {
		return nil, err
	}
	return t.generateCond(z, c)
}

// InferCodes runs D's Q head in inference mode on count real or fake images x (NHWC, values in [-1, 1]) of an
// InfoGAN variant without classes: the most likely category of each image (argmax of qCat; nil without a
// categorical code) and the predicted continuous codes [count·Codes.Continuous].
func (t *Trainer) InferCodes(x []float32) (categories []int, continuous []float32, err error) {
	v := t.Variant
	if !v.Codes.HasCodes() || v.InfoDiscriminator == nil || v.Classes > 0 {
		return nil, nil, fmt.Errorf("InferCodes: variant %q has no Q head (or needs labels)", v.Name)
	}
	count := len(x) / t.imageSize()
	if count == 0 || count*t.imageSize() != len(x) {
		return nil, nil, fmt.Errorf("InferCodes: %d values are not whole %dx%dx%d images", len(x), v.Height, v.Width, v.Channels)
	}
	if t.coder == nil {
		t.coder, err = model.NewExec(t.Backend, t.Scope.Store(), func(scope *model.Scope, x *Node) []*Node {
			_, qCat, qCont := t.critic(scope, x, nil)
			g := x.Graph()
			var out []*Node
			if qCat != nil {
				out = append(out, ArgMax(qCat, -1, dtypes.Int32))
			} else {
				out = append(out, Zeros(g, shapes.Make(dtypes.Int32, x.Shape().Dimensions[0])))
			}
			if qCont != nil {
				out = append(out, qCont)
			} else {
				out = append(out, ScalarZero(g, dtypes.Float32))
			}
			return out
		})
		if err != nil {
			return nil, nil, err
		}
	}
	out, err := t.coder.Call(tensors.FromFlatDataAndDimensions(x, count, v.Height, v.Width, v.Channels))
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		for _, o := range out {
			o.FinalizeAll()
		}
	}()
	if v.Codes.Categorical > 0 {
		cat := tensors.MustCopyFlatData[int32](out[0])
		categories = make([]int, len(cat))
		for i, c := range cat {
			categories[i] = int(c)
		}
	}
	if v.Codes.Continuous > 0 {
		continuous = tensors.MustCopyFlatData[float32](out[1])
	}
	return categories, continuous, nil
}
