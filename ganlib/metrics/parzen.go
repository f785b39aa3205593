package metrics

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"

	. "github.com/gomlx/gomlx/core/graph"
)

// Parzen-window log-likelihood, as Goodfellow et al. 2014 measured their Table 1 (code: parzen_ll.py in
// github.com/goodfeli/adversarial). A Gaussian kernel of width σ is put on each of the N generated samples μ_i and
// the density of a test image x (d pixels in [0, 1]) is
//
//	log p(x) = log( (1/N) Σ_i exp(−‖x − μ_i‖² / (2σ²)) ) − d·log(σ·√(2π))
//
// σ is chosen among ParzenSigmas() (numpy.logspace(−1, 0, 10)) as the one with the highest mean log p on
// validation images (the paper's code: the first 1,000 of MNIST train[50000:60000]), and the score is the mean of
// log p over the test images with its standard error std/√n (numpy's std, ddof 0).
//
// Computation: everything in float64. The squared distances of a batch of images to all samples come from one
// matrix product, ‖x‖² − 2·x·μᵀ + ‖μ‖², on the given backend (XLA or pure Go); in float64 its cancellation error
// is ~1e-13 relative, far below anything that shows in the score (the tests compare it with a direct
// Σ (x − μ)² loop). The log-mean-exp subtracts each row's maximum first.

// ParzenSigmas returns numpy.logspace(−1, 0, 10): 0.1, 0.129, …, 1, the widths the paper's code tries.
func ParzenSigmas() []float64 {
	s := make([]float64, 10)
	for i := range s {
		s[i] = math.Pow(10, -1+float64(i)/9)
	}
	return s
}

// ParzenProgress, when not nil, is called after each batch with the number of images scored so far and the total.
type ParzenProgress func(done, total int)

// parzenBatch is the number of images scored per matrix product: 250 × 10,000 distances are 20 MB in float64.
const parzenBatch = 250

func checkParzenSet(what string, x []float32, n, dim int) error {
	if dim < 1 {
		return fmt.Errorf("metrics.Parzen: dim must be >= 1, got %d", dim)
	}
	if n < 1 {
		return fmt.Errorf("metrics.Parzen: %s is empty", what)
	}
	if len(x) != n*dim {
		return fmt.Errorf("metrics.Parzen: %s holds %d values, want %d images × %d", what, len(x), n, dim)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("metrics.Parzen: %s value %d (image %d) is %v", what, i, i/dim, v)
		}
	}
	return nil
}

// ParzenLogDensities returns log p(x_j) for each of the n images x (n·dim values) under the Parzen window of
// width sigmas[s] on the ns samples: out[s][j]. All widths are scored from the same distances.
func ParzenLogDensities(backend compute.Backend, samples []float32, ns int, x []float32, n, dim int, sigmas []float64, progress ParzenProgress) (out [][]float64, err error) {
	if err := checkParzenSet("samples", samples, ns, dim); err != nil {
		return nil, err
	}
	if err := checkParzenSet("images", x, n, dim); err != nil {
		return nil, err
	}
	if len(sigmas) == 0 {
		return nil, fmt.Errorf("metrics.Parzen: no σ given")
	}
	for _, s := range sigmas {
		if !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("metrics.Parzen: σ must be positive and finite, got %v", s)
		}
	}
	defer func() {
		if r := recover(); r != nil { // GoMLX reports graph and execution errors by panicking
			err = fmt.Errorf("metrics.Parzen: %v", r)
		}
	}()

	mu := make([]float64, ns*dim)
	muNorm := make([]float64, ns)
	for i := range ns {
		var s float64
		for k, v := range samples[i*dim : (i+1)*dim] {
			f := float64(v)
			mu[i*dim+k] = f
			s += f * f
		}
		muNorm[i] = s
	}
	muT := tensors.FromFlatDataAndDimensions(mu, ns, dim)
	muNormT := tensors.FromFlatDataAndDimensions(muNorm, ns)
	defer muT.FinalizeAll()
	defer muNormT.FinalizeAll()

	// Z_s = d·log(σ_s·√(2π)) and 1/(2σ_s²), as constants of the graph.
	logN := math.Log(float64(ns))
	exec, err := NewExec(backend, func(xb, xNorm, mu, muNorm *Node) *Node {
		// d2[j,i] = ‖x_j‖² − 2·x_j·μ_i + ‖μ_i‖², clamped at 0 against rounding.
		cross := DotGeneral(xb, []int{1}, nil, mu, []int{1}, nil) // [b, ns]
		d2 := Add(Sub(ExpandAxes(xNorm, 1), MulScalar(cross, 2)), ExpandAxes(muNorm, 0))
		d2 = Max(d2, ZerosLike(d2))
		minD2 := ReduceMax(Neg(d2), 1) // −min_i d2, [b]
		var cols []*Node
		for _, s := range sigmas {
			inv := 1 / (2 * s * s)
			// log mean exp(−d2/(2σ²)) = −min·inv + log Σ exp(−(d2 − min)·inv) − log N
			a := MulScalar(Add(d2, ExpandAxes(minD2, 1)), -inv) // ≤ 0, max 0
			lme := Sub(Add(MulScalar(minD2, inv), Log(ReduceSum(Exp(a), 1))), Scalar(xb.Graph(), dtypes.Float64, logN))
			z := float64(dim) * math.Log(s*math.Sqrt(2*math.Pi))
			cols = append(cols, ExpandAxes(AddScalar(lme, -z), 1))
		}
		return Concatenate(cols, 1) // [b, len(sigmas)]
	})
	if err != nil {
		return nil, fmt.Errorf("metrics.Parzen: %w", err)
	}
	defer exec.Finalize()

	out = make([][]float64, len(sigmas))
	for s := range out {
		out[s] = make([]float64, n)
	}
	b := min(parzenBatch, n)
	xb := make([]float64, b*dim)
	xn := make([]float64, b)
	for start := 0; start < n; start += b {
		m := min(b, n-start)
		clear(xb)
		clear(xn)
		for j := range m {
			var s float64
			for k, v := range x[(start+j)*dim : (start+j+1)*dim] {
				f := float64(v)
				xb[j*dim+k] = f
				s += f * f
			}
			xn[j] = s
		}
		xbT := tensors.FromFlatDataAndDimensions(xb, b, dim)
		xnT := tensors.FromFlatDataAndDimensions(xn, b)
		res, err := exec.Call(xbT, xnT, muT, muNormT)
		xbT.FinalizeAll()
		xnT.FinalizeAll()
		if err != nil {
			return nil, fmt.Errorf("metrics.Parzen: %w", err)
		}
		vals := tensors.MustCopyFlatData[float64](res[0])
		res[0].FinalizeAll()
		for j := range m {
			for s := range sigmas {
				v := vals[j*len(sigmas)+s]
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("metrics.Parzen: log p of image %d at σ=%g is %v", start+j, sigmas[s], v)
				}
				out[s][start+j] = v
			}
		}
		if progress != nil {
			progress(start+m, n)
		}
	}
	return out, nil
}

// meanStderr returns the mean of v and std(v)/√n with numpy's std (ddof 0).
func meanStderr(v []float64) (mean, stderr float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss/float64(len(v))) / math.Sqrt(float64(len(v)))
}

// ParzenSelectSigma scores the nv validation images under each width in sigmas (ParzenSigmas() when nil) and
// returns the width with the highest mean log-likelihood, with the mean log-likelihood of every width
// (perSigma[i] for sigmas[i]), as the paper's cross_validate_sigma does.
func ParzenSelectSigma(backend compute.Backend, samples []float32, ns int, valid []float32, nv, dim int, sigmas []float64, progress ParzenProgress) (sigma float64, perSigma []float64, err error) {
	if sigmas == nil {
		sigmas = ParzenSigmas()
	}
	lls, err := ParzenLogDensities(backend, samples, ns, valid, nv, dim, sigmas, progress)
	if err != nil {
		return 0, nil, err
	}
	best := -1
	for i, ll := range lls {
		m, _ := meanStderr(ll)
		perSigma = append(perSigma, m)
		if best < 0 || m > perSigma[best] {
			best = i
		}
	}
	return sigmas[best], perSigma, nil
}

// Parzen returns the mean log-likelihood of the nt test images (nt·dim values in [0, 1]) under the Parzen window
// of width sigma on the ns samples, with its standard error std/√nt: the numbers of the paper's Table 1.
func Parzen(backend compute.Backend, samples []float32, ns int, test []float32, nt, dim int, sigma float64, progress ParzenProgress) (mean, stderr float64, err error) {
	lls, err := ParzenLogDensities(backend, samples, ns, test, nt, dim, []float64{sigma}, progress)
	if err != nil {
		return 0, 0, err
	}
	mean, stderr = meanStderr(lls[0])
	return mean, stderr, nil
}

// ParzenResult is one application of the paper's protocol.
type ParzenResult struct {
	Samples, Valid, Test int       // numbers of samples, validation images and test images
	Sigmas, PerSigma     []float64 // the widths tried and the mean validation log-likelihood of each
	Sigma                float64   // the chosen width
	Mean, Stderr         float64   // mean log p over the test images and std/√Test
}

func (r ParzenResult) String() string {
	return fmt.Sprintf("Parzen log-likelihood %.1f ± %.1f nats (σ = %.4f chosen on %d validation images; %d samples, %d test images)",
		r.Mean, r.Stderr, r.Sigma, r.Valid, r.Samples, r.Test)
}

// ParzenProtocol runs the paper's protocol: σ chosen among ParzenSigmas() on the nv validation images, then the
// mean ± stderr over the nt test images. All images hold dim values in [0, 1]. progress (may be nil) sees the
// validation pass and then the test pass, each counting from 0.
func ParzenProtocol(backend compute.Backend, samples []float32, ns int, valid []float32, nv int, test []float32, nt, dim int, progress ParzenProgress) (ParzenResult, error) {
	r := ParzenResult{Samples: ns, Valid: nv, Test: nt, Sigmas: ParzenSigmas()}
	var err error
	if r.Sigma, r.PerSigma, err = ParzenSelectSigma(backend, samples, ns, valid, nv, dim, r.Sigmas, progress); err != nil {
		return r, err
	}
	r.Mean, r.Stderr, err = Parzen(backend, samples, ns, test, nt, dim, r.Sigma, progress)
	return r, err
}
