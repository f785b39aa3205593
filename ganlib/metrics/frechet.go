package metrics

import (
	"fmt"
	"math"
)

// Frechet returns the Fréchet distance between two Gaussians fitted to the rows of a (na×dim) and b (nb×dim):
//
//	FD = ‖μa − μb‖² + tr(Σa) + tr(Σb) − 2·tr((Σa·Σb)^½)
//
// (Dowson & Landau 1982; Heusel et al. 2017's FID with the classifier's features in place of Inception's). The
// covariances are unbiased (divided by n−1) and everything is computed in float64. tr((Σa·Σb)^½) is computed
// stably as Σ √λᵢ over the eigenvalues of the symmetric matrix Σa^½·Σb·Σa^½ (same eigenvalues as Σa·Σb), with
// Σa^½ from a symmetric eigen-decomposition; tiny negative eigenvalues from rounding are taken as 0.
func Frechet(a []float32, na int, b []float32, nb int, dim int) (float64, error) {
	if dim < 1 {
		return 0, fmt.Errorf("metrics.Frechet: dim must be >= 1, got %d", dim)
	}
	if na < 2 || nb < 2 {
		return 0, fmt.Errorf("metrics.Frechet: need at least 2 rows in each set, got %d and %d", na, nb)
	}
	if len(a) != na*dim || len(b) != nb*dim {
		return 0, fmt.Errorf("metrics.Frechet: want %d×%d and %d×%d values, got %d and %d", na, dim, nb, dim, len(a), len(b))
	}
	ma, ca := meanCov(a, na, dim)
	mb, cb := meanCov(b, nb, dim)
	return frechetGaussians(ma, ca, mb, cb, dim)
}

// frechetGaussians is the Fréchet distance of N(ma, ca) and N(mb, cb), covariances dim×dim row-major.
func frechetGaussians(ma, ca, mb, cb []float64, dim int) (float64, error) {
	var d2 float64
	for i := range dim {
		d := ma[i] - mb[i]
		d2 += d * d
	}
	var trA, trB float64
	for i := range dim {
		trA += ca[i*dim+i]
		trB += cb[i*dim+i]
	}
	// sqrt(ca) = V diag(sqrt(λ)) Vᵀ.
	vals, vecs, err := symEigen(ca, dim)
	if err != nil {
		return 0, err
	}
	sq := make([]float64, dim*dim)
	for k := range dim {
		s := math.Sqrt(max(vals[k], 0))
		if s == 0 {
			continue
		}
		for i := range dim {
			vik := vecs[i*dim+k] * s
			for j := range dim {
				sq[i*dim+j] += vik * vecs[j*dim+k]
			}
		}
	}
	m := matMul(matMul(sq, cb, dim), sq, dim)
	// Symmetrise against rounding.
	for i := range dim {
		for j := i + 1; j < dim; j++ {
			v := (m[i*dim+j] + m[j*dim+i]) / 2
			m[i*dim+j], m[j*dim+i] = v, v
		}
	}
	mvals, _, err := symEigen(m, dim)
	if err != nil {
		return 0, err
	}
	var trSqrt float64
	for _, l := range mvals {
		trSqrt += math.Sqrt(max(l, 0))
	}
	fd := d2 + trA + trB - 2*trSqrt
	if fd < 0 && fd > -1e-6*(trA+trB+d2+1) {
		// Rounding: e.g. a set with itself, where each zero eigenvalue of a rank-deficient covariance contributes
		// √(rounding error) ≈ 1e-8 to the trace.
		fd = 0
	}
	return fd, nil
}

// meanCov returns the mean and the unbiased covariance (dim×dim, row-major) of the n rows of x, in float64.
func meanCov(x []float32, n, dim int) (mean, cov []float64) {
	mean = make([]float64, dim)
	for r := range n {
		row := x[r*dim : (r+1)*dim]
		for i, v := range row {
			mean[i] += float64(v)
		}
	}
	for i := range mean {
		mean[i] /= float64(n)
	}
	cov = make([]float64, dim*dim)
	c := make([]float64, dim)
	for r := range n {
		row := x[r*dim : (r+1)*dim]
		for i, v := range row {
			c[i] = float64(v) - mean[i]
		}
		for i := range dim {
			ci := c[i]
			if ci == 0 {
				continue
			}
			out := cov[i*dim : (i+1)*dim]
			for j := i; j < dim; j++ {
				out[j] += ci * c[j]
			}
		}
	}
	for i := range dim {
		for j := i; j < dim; j++ {
			v := cov[i*dim+j] / float64(n-1)
			cov[i*dim+j], cov[j*dim+i] = v, v
		}
	}
	return mean, cov
}

// matMul returns a·b for dim×dim row-major matrices.
func matMul(a, b []float64, dim int) []float64 {
	out := make([]float64, dim*dim)
	for i := range dim {
		row := out[i*dim : (i+1)*dim]
		for k := range dim {
			aik := a[i*dim+k]
			if aik == 0 {
				continue
			}
			bk := b[k*dim : (k+1)*dim]
			for j := range dim {
				row[j] += aik * bk[j]
			}
		}
	}
	return out
}

// symEigen returns the eigenvalues and eigenvectors (columns of vecs, row-major dim×dim) of the symmetric matrix
// a (dim×dim, row-major, not modified), by the cyclic Jacobi method: rotations zero the off-diagonal elements
// until their norm is below 1e-14 of the matrix's. Accurate to rounding for symmetric matrices, including
// semi-definite ones (eigenvalues near 0 come out near 0, possibly slightly negative).
func symEigen(a []float64, dim int) (vals, vecs []float64, err error) {
	m := append([]float64(nil), a...)
	vecs = make([]float64, dim*dim)
	for i := range dim {
		vecs[i*dim+i] = 1
	}
	var total float64
	for _, v := range m {
		total += v * v
	}
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return nil, nil, fmt.Errorf("metrics: covariance has non-finite values")
	}
	const maxSweeps = 100
	for sweep := 0; ; sweep++ {
		var off float64
		for i := range dim {
			for j := i + 1; j < dim; j++ {
				off += 2 * m[i*dim+j] * m[i*dim+j]
			}
		}
		if off <= 1e-28*total || off == 0 {
			break
		}
		if sweep == maxSweeps {
			return nil, nil, fmt.Errorf("metrics: Jacobi eigen-decomposition did not converge in %d sweeps (off-diagonal %g of %g)", maxSweeps, off, total)
		}
		for p := range dim {
			for q := p + 1; q < dim; q++ {
				apq := m[p*dim+q]
				if apq == 0 {
					continue
				}
				app, aqq := m[p*dim+p], m[q*dim+q]
				theta := (aqq - app) / (2 * apq)
				t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				if theta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				// Rotate rows/columns p and q: m ← Jᵀ m J.
				for k := range dim {
					mkp, mkq := m[k*dim+p], m[k*dim+q]
					m[k*dim+p] = c*mkp - s*mkq
					m[k*dim+q] = s*mkp + c*mkq
				}
				for k := range dim {
					mpk, mqk := m[p*dim+k], m[q*dim+k]
					m[p*dim+k] = c*mpk - s*mqk
					m[q*dim+k] = s*mpk + c*mqk
				}
				m[p*dim+q], m[q*dim+p] = 0, 0
				for k := range dim {
					vkp, vkq := vecs[k*dim+p], vecs[k*dim+q]
					vecs[k*dim+p] = c*vkp - s*vkq
					vecs[k*dim+q] = s*vkp + c*vkq
				}
			}
		}
	}
	vals = make([]float64, dim)
	for i := range dim {
		vals[i] = m[i*dim+i]
	}
	return vals, vecs, nil
}
