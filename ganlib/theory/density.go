package theory

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
)

// Mixture is a one-dimensional Gaussian mixture p(x) = Σ_k w_k·N(x; μ_k, σ_k²), the p_data of notebook 02.
type Mixture struct {
	Weights []float64 // w_k ≥ 0, summing to 1
	Means   []float64 // μ_k
	Stds    []float64 // σ_k > 0
}

// LectureMixture is notebook 02's p_data: three modes of different weights and widths, far enough apart that a
// generator must learn to leave the gaps between them empty.
func LectureMixture() Mixture {
	return Mixture{
		Weights: []float64{0.4, 0.6},
		Means:   []float64{-2, 1.5},
		Stds:    []float64{0.5, 0.6},
	}
}

// Validate reports an inconsistent mixture: lengths, negative weights, weights not summing to 1, σ ≤ 0.
func (m Mixture) Validate() error {
	k := len(m.Weights)
	if k == 0 || len(m.Means) != k || len(m.Stds) != k {
		return fmt.Errorf("theory.Mixture: want as many weights, means and stds (≥ 1), got %d, %d, %d", k, len(m.Means), len(m.Stds))
	}
	var sum float64
	for i, w := range m.Weights {
		if w < 0 || m.Stds[i] <= 0 {
			return fmt.Errorf("theory.Mixture: component %d has weight %g and std %g (want w ≥ 0, σ > 0)", i, w, m.Stds[i])
		}
		sum += w
	}
	if math.Abs(sum-1) > 1e-9 {
		return fmt.Errorf("theory.Mixture: weights sum to %g, want 1", sum)
	}
	return nil
}

// Normal is the density of N(mu, sigma²) at x.
func Normal(x, mu, sigma float64) float64 {
	u := (x - mu) / sigma
	return math.Exp(-0.5*u*u) / (sigma * math.Sqrt(2*math.Pi))
}

// Density is p(x).
func (m Mixture) Density(x float64) float64 {
	var p float64
	for i, w := range m.Weights {
		p += w * Normal(x, m.Means[i], m.Stds[i])
	}
	return p
}

// On evaluates the density at every point of xs.
func (m Mixture) On(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = m.Density(x)
	}
	return out
}

// Sample draws n values from the mixture.
func (m Mixture) Sample(rng *rand.Rand, n int) []float64 {
	cum := make([]float64, len(m.Weights))
	var s float64
	for i, w := range m.Weights {
		s += w
		cum[i] = s
	}
	out := make([]float64, n)
	for i := range out {
		u := rng.Float64() * s
		k := sort.SearchFloat64s(cum, u)
		k = min(k, len(cum)-1)
		out[i] = m.Means[k] + m.Stds[k]*rng.NormFloat64()
	}
	return out
}

// Interval is a closed interval [Lo, Hi].
type Interval struct{ Lo, Hi float64 }

// String is "[lo, hi]" with each bound in its shortest float32 form.
func (iv Interval) String() string {
	return fmt.Sprintf("[%s, %s]", strconv.FormatFloat(iv.Lo, 'f', -1, 32), strconv.FormatFloat(iv.Hi, 'f', -1, 32))
}

// Contains reports whether x lies in the interval.
func (iv Interval) Contains(x float64) bool { return x >= iv.Lo && x <= iv.Hi }

// Core returns the union of [μ_k − k·σ_k, μ_k + k·σ_k] over the components, overlapping intervals merged, in
// increasing order: "where the data has mass". k = 2 holds about 95% of each component's mass.
func (m Mixture) Core(k float64) []Interval {
	ivs := make([]Interval, len(m.Means))
	for i := range m.Means {
		ivs[i] = Interval{m.Means[i] - k*m.Stds[i], m.Means[i] + k*m.Stds[i]}
	}
	slices.SortFunc(ivs, func(a, b Interval) int { return cmpFloat(a.Lo, b.Lo) })
	out := []Interval{ivs[0]}
	for _, iv := range ivs[1:] {
		last := &out[len(out)-1]
		if iv.Lo <= last.Hi {
			last.Hi = max(last.Hi, iv.Hi)
		} else {
			out = append(out, iv)
		}
	}
	return out
}

// Mass is the probability the mixture gives to the union of the intervals (assumed disjoint, as Core returns them).
func (m Mixture) Mass(ivs []Interval) float64 {
	var p float64
	for _, iv := range ivs {
		for i, w := range m.Weights {
			p += w * (normalCDF((iv.Hi-m.Means[i])/m.Stds[i]) - normalCDF((iv.Lo-m.Means[i])/m.Stds[i]))
		}
	}
	return p
}

func normalCDF(u float64) float64 { return 0.5 * math.Erfc(-u/math.Sqrt2) }

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Grid returns n evenly spaced points from lo to hi inclusive (n ≥ 2) and their spacing.
func Grid(lo, hi float64, n int) (xs []float64, dx float64) {
	if n < 2 || !(hi > lo) {
		panic(fmt.Sprintf("theory.Grid: want n ≥ 2 and hi > lo, got n=%d, [%g, %g]", n, lo, hi))
	}
	dx = (hi - lo) / float64(n-1)
	xs = make([]float64, n)
	for i := range xs {
		xs[i] = lo + float64(i)*dx
	}
	return xs, dx
}

// Integrate is the trapezoidal rule for values f on an evenly spaced grid of spacing dx.
func Integrate(f []float64, dx float64) float64 {
	if len(f) < 2 {
		return 0
	}
	s := 0.5 * (f[0] + f[len(f)-1])
	for _, v := range f[1 : len(f)-1] {
		s += v
	}
	return s * dx
}

// KDE is a Gaussian kernel density estimate p̂(x) = (1/n) Σ_i N(x; s_i, h²) of the samples s_i with bandwidth h.
type KDE struct {
	sorted    []float64
	Bandwidth float64
}

// NewKDE returns the KDE of samples with bandwidth h; h ≤ 0 picks Silverman's rule of thumb (see Silverman).
func NewKDE(samples []float64, h float64) KDE {
	if len(samples) == 0 {
		panic("theory.NewKDE: no samples")
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	if h <= 0 {
		h = Silverman(s)
	}
	return KDE{sorted: s, Bandwidth: h}
}

// Silverman is the rule-of-thumb bandwidth 0.9·min(σ̂, IQR/1.34)·n^(−1/5) (Silverman 1986, eq. 3.31). It
// oversmooths multimodal data; notebook 02 uses a fixed, smaller bandwidth with many samples instead.
func Silverman(samples []float64) float64 {
	s := slices.Clone(samples)
	slices.Sort(s)
	n := float64(len(s))
	var mean, sq float64
	for _, v := range s {
		mean += v
	}
	mean /= n
	for _, v := range s {
		sq += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(sq / math.Max(n-1, 1))
	q := func(p float64) float64 { return s[int(p*(n-1))] }
	spread := sd
	if iqr := (q(0.75) - q(0.25)) / 1.34; iqr > 0 {
		spread = math.Min(sd, iqr)
	}
	if spread == 0 {
		spread = 1
	}
	return 0.9 * spread * math.Pow(n, -0.2)
}

// Density is p̂(x). Samples farther than 8 bandwidths from x are skipped (their kernel is below 1e-14).
func (k KDE) Density(x float64) float64 {
	h := k.Bandwidth
	lo := sort.SearchFloat64s(k.sorted, x-8*h)
	var p float64
	for _, s := range k.sorted[lo:] {
		if s > x+8*h {
			break
		}
		u := (x - s) / h
		p += math.Exp(-0.5 * u * u)
	}
	return p / (float64(len(k.sorted)) * h * math.Sqrt(2*math.Pi))
}

// On evaluates the KDE at every point of xs.
func (k KDE) On(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = k.Density(x)
	}
	return out
}

// OptimalD is the optimal discriminator for a fixed G (Goodfellow et al. 2014, Proposition 1):
// D*(x) = p_data(x) / (p_data(x) + p_g(x)). Where neither density has mass (0/0) it returns ½: no classifier can
// do better than a coin there, and the point does not enter V(D, G).
func OptimalD(pData, pG float64) float64 {
	if pData+pG <= 0 {
		return 0.5
	}
	return pData / (pData + pG)
}

// JSD is the Jensen–Shannon divergence ½·KL(P‖M) + ½·KL(Q‖M), M = (P+Q)/2, in nats, of two densities given on an
// evenly spaced grid of spacing dx. Each is first normalised to integrate to 1 on the grid (so densities whose
// tails fall off the grid, or unnormalised histograms, can be passed). JSD(P, P) = 0; for P and Q with disjoint
// supports JSD = log 2 ≈ 0.693, its maximum.
func JSD(p, q []float64, dx float64) float64 {
	if len(p) != len(q) {
		panic(fmt.Sprintf("theory.JSD: p has %d values, q %d", len(p), len(q)))
	}
	zp, zq := Integrate(p, dx), Integrate(q, dx)
	if zp <= 0 || zq <= 0 {
		panic("theory.JSD: a density integrates to 0 on the grid")
	}
	f := make([]float64, len(p))
	for i := range p {
		a, b := p[i]/zp, q[i]/zq
		m := 0.5 * (a + b)
		var v float64
		if a > 0 {
			v += a * math.Log(a/m)
		}
		if b > 0 {
			v += b * math.Log(b/m)
		}
		f[i] = 0.5 * v
	}
	return Integrate(f, dx)
}

// VirtualTrainingCriterion is C(G) = max_D V(D, G) = −log 4 + 2·JSD(p_data‖p_g) (Goodfellow et al. 2014,
// Theorem 1), with jsd in nats. Its minimum −log 4 ≈ −1.386 is reached only when p_g = p_data.
func VirtualTrainingCriterion(jsd float64) float64 { return -math.Log(4) + 2*jsd }

// Sigmoid is σ(l) = 1/(1+e^(−l)): D(x) for a logit l.
func Sigmoid(l float64) float64 { return 1 / (1 + math.Exp(-l)) }

// SaturatingGrad is d/dl log(1 − σ(l)) = −σ(l): the gradient of the minimax generator loss log(1 − D(G(z)))
// with respect to D's logit l on a fake. It vanishes as D(G(z)) = σ(l) → 0, i.e. when D rejects the fake.
func SaturatingGrad(l float64) float64 { return -Sigmoid(l) }

// NonSaturatingGrad is d/dl (−log σ(l)) = −(1 − σ(l)): the gradient of the non-saturating generator loss
// −log D(G(z)) with respect to D's logit. It tends to −1 as D(G(z)) → 0: strongest exactly when G is worst.
func NonSaturatingGrad(l float64) float64 { return -(1 - Sigmoid(l)) }
