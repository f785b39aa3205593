package experiments

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/biggan"
	"github.com/ganlab/ganlab/ganlib/models/cgan"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// ClassifierSide is the side of the images the metrics classifiers read (28×28×1).
const ClassifierSide = 28

// CropCentre returns the n single-channel size×size images of px (flat, row after row) cropped to their central
// side×side pixels: the inverse of data.Images.Padded, which put the 28×28 images in the middle of BigGAN's 32×32
// (2 pixels on each side; an odd margin leaves the extra row and column at the bottom and right, as Padded does).
func CropCentre(px []float32, n, size, side int) ([]float32, error) {
	if side > size || side <= 0 || len(px) != n*size*size {
		return nil, fmt.Errorf("CropCentre: want %d images of %d×%d (%d values) cropped to a side ≤ %d, got %d values and side %d",
			n, size, size, n*size*size, size, len(px), side)
	}
	off := (size - side) / 2
	out := make([]float32, n*side*side)
	for i := range n {
		src := px[i*size*size:]
		dst := out[i*side*side:]
		for y := range side {
			copy(dst[y*side:(y+1)*side], src[(off+y)*size+off:])
		}
	}
	return out, nil
}

// bigganSamples generates one image per label through G, from z drawn from the normal truncated to |z| ≤ psi
// (biggan.Truncated), or from plain N(0, 1) when psi ≤ 0, in chunks of 500, and returns them cropped to the
// classifier's 28×28 (NHWC, values in [-1, 1]).
func bigganSamples(tr *gan.Trainer, labels []int, psi float64, seed uint64) ([]float32, error) {
	v := tr.Variant
	if v.Channels != 1 || v.Height != v.Width || v.Height < ClassifierSide {
		return nil, fmt.Errorf("BigGAN samples: the classifiers read 28×28×1 images; %q makes %d×%d×%d", v.Name, v.Height, v.Width, v.Channels)
	}
	const chunk = 500
	out := make([]float32, 0, len(labels)*ClassifierSide*ClassifierSide)
	for start := 0; start < len(labels); start += chunk {
		l := labels[start:min(start+chunk, len(labels))]
		s := seed + uint64(start)
		var px []float32
		var err error
		if psi > 0 {
			px, err = biggan.Truncated(tr, l, psi, s)
		} else {
			rng := rand.New(rand.NewPCG(s, 0xB16))
			z := make([]float32, len(l)*v.LatentDim)
			for i := range z {
				z[i] = float32(rng.NormFloat64())
			}
			px, err = cgan.Generate(tr, z, l)
		}
		if err != nil {
			return nil, err
		}
		crop, err := CropCentre(px, len(l), v.Height, ClassifierSide)
		if err != nil {
			return nil, err
		}
		out = append(out, crop...)
	}
	return out, nil
}

// evenLabels returns n labels cycling through the k classes: 0, 1, …, k−1, 0, 1, ….
func evenLabels(n, k int) []int {
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % k
	}
	return labels
}

// BigGANAccuracy is BigGAN's class-conditioning signal: perClass samples of every class (z truncated to |z| ≤ psi
// through biggan.Truncated, or plain N(0, 1) noise when psi ≤ 0; seeded), cropped from 32×32 to the classifier's
// 28×28 and classified by clf; it returns the fraction classified as the class G was asked for, overall and per
// class.
func BigGANAccuracy(tr *gan.Trainer, clf *metrics.Classifier, perClass int, psi float64, seed uint64) (acc float64, perClassAcc []float64, err error) {
	l, ok := cgan.LabelsOf(tr.Variant)
	if !ok {
		return 0, nil, fmt.Errorf("BigGANAccuracy: variant %q is not conditional", tr.Variant.Name)
	}
	labels := evenLabels(perClass*l.K, l.K)
	px, err := bigganSamples(tr, labels, psi, seed)
	if err != nil {
		return 0, nil, err
	}
	pred, _, err := clf.Predict(px, len(labels))
	if err != nil {
		return 0, nil, err
	}
	hits := make([]int, l.K)
	total := 0
	for i, p := range pred {
		if p == labels[i] {
			hits[p]++
			total++
		}
	}
	perClassAcc = make([]float64, l.K)
	for c, h := range hits {
		perClassAcc[c] = float64(h) / float64(perClass)
	}
	return float64(total) / float64(len(labels)), perClassAcc, nil
}

// TruncationPoint is one point of BigGANTruncationCurve: the scores of n samples at truncation Psi (≤ 0: no
// truncation, z ~ N(0, 1)).
type TruncationPoint struct {
	Psi               float64
	Precision, Recall float64
	// Report is the full report of metrics.EvaluateAgainst (FD, class histogram, density, coverage…).
	Report metrics.Report
}

// BigGANTruncationCurve measures the truncation trick's trade-off: for each psi, n class-conditioned samples
// (classes in turn, as BigGANAccuracy draws them; seeded) cropped to 28×28 and scored against the real set by
// metrics.EvaluateAgainst, the scores of ganlab eval: k-NN precision and recall (k = 3) on the classifier's
// features scaled to unit length. The paper's claim is that precision rises and recall falls as psi shrinks.
func BigGANTruncationCurve(tr *gan.Trainer, clf *metrics.Classifier, real *metrics.RealSet, psis []float64, n int, seed uint64) ([]TruncationPoint, error) {
	l, ok := cgan.LabelsOf(tr.Variant)
	if !ok {
		return nil, fmt.Errorf("BigGANTruncationCurve: variant %q is not conditional", tr.Variant.Name)
	}
	labels := evenLabels(n, l.K)
	var pts []TruncationPoint
	for _, psi := range psis {
		px, err := bigganSamples(tr, labels, psi, seed)
		if err != nil {
			return nil, err
		}
		r, err := metrics.EvaluateAgainst(tr.Backend, clf, real, px, n)
		if err != nil {
			return nil, fmt.Errorf("psi %g: %w", psi, err)
		}
		pts = append(pts, TruncationPoint{Psi: psi, Precision: r.Precision, Recall: r.Recall, Report: r})
	}
	return pts, nil
}

// TruncationPNG plots precision and recall against the truncation psi (x axis, the points with psi > 0), with the
// untruncated samples' values (a point with psi ≤ 0), if any, as dashed horizontal lines of the same colours.
func TruncationPNG(pts []TruncationPoint, title string) ([]byte, error) {
	p := nbui.NewChart(title, "truncation psi (|z| <= psi)", "")
	var prec, rec plotter.XYs
	var plain *TruncationPoint
	lo, hi := 0.0, 0.0
	for i, t := range pts {
		if t.Psi <= 0 {
			plain = &pts[i]
			continue
		}
		prec = append(prec, plotter.XY{X: t.Psi, Y: t.Precision})
		rec = append(rec, plotter.XY{X: t.Psi, Y: t.Recall})
		if len(prec) == 1 || t.Psi < lo {
			lo = t.Psi
		}
		hi = max(hi, t.Psi)
	}
	if len(prec) == 0 {
		return nil, fmt.Errorf("TruncationPNG: no point with psi > 0")
	}
	for i, s := range []struct {
		name string
		pts  plotter.XYs
	}{{"precision", prec}, {"recall", rec}} {
		l, err := nbui.AddLine(p, s.pts, nbui.SeriesColor(i), nbui.LineWidth, nil, s.name)
		if err != nil {
			return nil, err
		}
		sc, err := plotter.NewScatter(s.pts)
		if err != nil {
			return nil, err
		}
		sc.Color = l.Color
		p.Add(sc)
	}
	if plain != nil {
		dashes := []vg.Length{vg.Points(4), vg.Points(3)}
		for i, y := range []float64{plain.Precision, plain.Recall} {
			name := "precision, no truncation"
			if i == 1 {
				name = "recall, no truncation"
			}
			if _, err := nbui.AddLine(p, plotter.XYs{{X: lo, Y: y}, {X: hi, Y: y}}, nbui.SeriesColor(i), 1, dashes, name); err != nil {
				return nil, err
			}
		}
	}
	p.Y.Min, p.Y.Max = 0, 1
	return nbui.Figure{Width: 6.5 * vg.Inch, Height: 3.2 * vg.Inch, LegendBelow: true}.PNG(p)
}

// BigGANClassGrid returns rows×10 samples (32×32, uncropped, NHWC in [-1, 1]): column c asks for class c, and each
// row shares one z across its ten columns (truncated to |z| ≤ psi, or plain N(0, 1) when psi ≤ 0; seeded), so a row
// shows the class changing with the noise held fixed.
func BigGANClassGrid(tr *gan.Trainer, rows int, psi float64, seed uint64) ([]float32, error) {
	v := tr.Variant
	l, ok := cgan.LabelsOf(v)
	if !ok {
		return nil, fmt.Errorf("BigGANClassGrid: variant %q is not conditional", v.Name)
	}
	d := v.LatentDim
	var zr []float32
	if psi > 0 {
		zr = biggan.TruncatedNormal(rand.New(rand.NewPCG(seed, 0x6B1D)), rows*d, psi)
	} else {
		rng := rand.New(rand.NewPCG(seed, 0x6B1D))
		zr = make([]float32, rows*d)
		for i := range zr {
			zr[i] = float32(rng.NormFloat64())
		}
	}
	z := make([]float32, 0, rows*l.K*d)
	for r := range rows {
		for range l.K {
			z = append(z, zr[r*d:(r+1)*d]...)
		}
	}
	return cgan.Generate(tr, z, evenLabels(rows*l.K, l.K))
}
