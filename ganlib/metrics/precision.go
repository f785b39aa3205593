package metrics

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// DefaultK is the neighbourhood size of PrecisionRecall used by Evaluate (Kynkäänniemi et al. 2019's default).
const DefaultK = 3

// PrecisionRecall is the improved precision and recall of Kynkäänniemi et al. 2019
// (https://arxiv.org/abs/1904.06991), on feature vectors (rows of real, nr×dim, and fake, nf×dim):
//
//   - each set's manifold is the union of balls around its points, each ball's radius the distance to the
//     point's k-th nearest neighbour in the same set (the point itself not counted);
//   - precision is the fraction of fake points inside the real manifold (are the samples realistic?);
//   - recall is the fraction of real points inside the fake manifold (is the data's variety covered?).
//
// Distances are Euclidean, computed in pure Go on all cores; EvaluateOn computes them on a GoMLX backend.
func PrecisionRecall(real []float32, nr int, fake []float32, nf int, dim, k int) (precision, recall float64, err error) {
	m, err := manifoldScores(goDistances{}, real, nr, nil, fake, nf, dim, k)
	return m.Precision, m.Recall, err
}

// Manifold holds the k-NN manifold scores of a sample set against a real one.
type Manifold struct {
	// Precision and Recall: Kynkäänniemi et al. 2019 (see PrecisionRecall).
	Precision, Recall float64
	// Density and Coverage: Naeem et al. 2020 (https://arxiv.org/abs/2002.09797), robust to real outliers, whose
	// large balls can make a poor sample set look precise. Density is the mean number of real balls that
	// contain a sample, divided by k (about 1 when samples are distributed like the data; it can exceed 1);
	// Coverage is the fraction of real points whose own ball contains at least one sample.
	Density, Coverage float64
}

// ManifoldScores computes precision, recall, density and coverage with the k-NN balls of PrecisionRecall, on
// backend (nil: in pure Go).
func ManifoldScores(backend compute.Backend, real []float32, nr int, fake []float32, nf int, dim, k int) (Manifold, error) {
	var dist distances = goDistances{}
	if backend != nil {
		dist = &backendDistances{backend: backend}
	}
	return manifoldScores(dist, real, nr, nil, fake, nf, dim, k)
}

// PrecisionRecallOn is PrecisionRecall with the pairwise distances computed on backend (matrix products, much
// faster on XLA for 10,000 × 10,000 points).
func PrecisionRecallOn(backend compute.Backend, real []float32, nr int, fake []float32, nf int, dim, k int) (precision, recall float64, err error) {
	m, err := manifoldScores(&backendDistances{backend: backend}, real, nr, nil, fake, nf, dim, k)
	return m.Precision, m.Recall, err
}

// distances computes squared Euclidean distances between the rows of a (na×dim) and b (nb×dim) block by block:
// fn(lo, hi, d) receives d = rows lo..hi-1 of a against all of b, (hi-lo)×nb row-major. fn may be called from
// several goroutines at once, for disjoint row ranges.
type distances interface {
	each(a []float32, na int, b []float32, nb, dim int, fn func(lo, hi int, d []float32)) error
}

// manifoldScores computes the scores with dist; realRadius, when not nil, holds the real points' k-NN radii
// (squared), as knnRadii computes them.
func manifoldScores(dist distances, real []float32, nr int, realRadius []float32, fake []float32, nf int, dim, k int) (m Manifold, err error) {
	if dim < 1 || k < 1 {
		return m, fmt.Errorf("metrics.PrecisionRecall: dim and k must be >= 1, got %d and %d", dim, k)
	}
	if len(real) != nr*dim || len(fake) != nf*dim {
		return m, fmt.Errorf("metrics.PrecisionRecall: want %d×%d and %d×%d values, got %d and %d", nr, dim, nf, dim, len(real), len(fake))
	}
	if nr <= k || nf <= k {
		return m, fmt.Errorf("metrics.PrecisionRecall: need more than k=%d points in each set, got %d real and %d fake", k, nr, nf)
	}
	for _, set := range [][]float32{real, fake} {
		for _, v := range set {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return m, fmt.Errorf("metrics.PrecisionRecall: non-finite feature value %v", v)
			}
		}
	}
	if realRadius == nil {
		if realRadius, err = knnRadii(dist, real, nr, dim, k); err != nil {
			return m, err
		}
	}
	fakeRadius, err := knnRadii(dist, fake, nf, dim, k)
	if err != nil {
		return m, err
	}
	// One pass over the fake×real distances: fake i is realistic if some real j has d(i,j) <= r_real(j) (and
	// counts how many do: density); real j is covered by the fakes' manifold if some fake i has d(i,j) <= r_fake(i)
	// (recall), and has a fake inside its own ball if some i has d(i,j) <= r_real(j) (coverage).
	inReal := make([]bool, nf)
	inBalls := make([]int, nf)
	recalled := make([]bool, nr)
	hasFake := make([]bool, nr)
	var mu sync.Mutex
	err = dist.each(fake, nf, real, nr, dim, func(lo, hi int, d []float32) {
		localRecalled := make([]bool, nr)
		localHas := make([]bool, nr)
		for i := lo; i < hi; i++ {
			row := d[(i-lo)*nr : (i-lo+1)*nr]
			rf := fakeRadius[i]
			count := 0
			for j, dij := range row {
				if dij <= realRadius[j] {
					count++
					localHas[j] = true
				}
				if dij <= rf {
					localRecalled[j] = true
				}
			}
			inReal[i], inBalls[i] = count > 0, count
		}
		mu.Lock()
		for j := range nr {
			recalled[j] = recalled[j] || localRecalled[j]
			hasFake[j] = hasFake[j] || localHas[j]
		}
		mu.Unlock()
	})
	if err != nil {
		return m, err
	}
	var total int
	for _, c := range inBalls {
		total += c
	}
	return Manifold{Precision: fraction(inReal), Recall: fraction(recalled), Density: float64(total) / float64(k*nf),
		Coverage: fraction(hasFake)}, nil
}

func fraction(b []bool) float64 {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return float64(n) / float64(len(b))
}

// knnRadii returns, for each row of x, the squared distance to its k-th nearest other row.
func knnRadii(dist distances, x []float32, n, dim, k int) ([]float32, error) {
	radii := make([]float32, n)
	err := dist.each(x, n, x, n, dim, func(lo, hi int, d []float32) {
		best := make([]float32, 0, k+1)
		for i := lo; i < hi; i++ {
			row := d[(i-lo)*n : (i-lo+1)*n]
			best = best[:0]
			for j, dij := range row {
				if j == i {
					continue
				}
				if len(best) < k {
					best = append(best, dij)
					slices.Sort(best)
				} else if dij < best[k-1] {
					// Insert into the sorted k smallest.
					p := k - 1
					for p > 0 && best[p-1] > dij {
						best[p] = best[p-1]
						p--
					}
					best[p] = dij
				}
			}
			radii[i] = best[k-1]
		}
	})
	return radii, err
}

// goDistances computes distance blocks in pure Go, rows split among GOMAXPROCS goroutines.
type goDistances struct{}

const goBlock = 64

func (goDistances) each(a []float32, na int, b []float32, nb, dim int, fn func(lo, hi int, d []float32)) error {
	normA, normB := rowNorms(a, na, dim), rowNorms(b, nb, dim)
	workers := runtime.GOMAXPROCS(0)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := make([]float32, goBlock*nb)
			for lo := range next {
				hi := min(lo+goBlock, na)
				for i := lo; i < hi; i++ {
					ai := a[i*dim : (i+1)*dim]
					row := d[(i-lo)*nb : (i-lo+1)*nb]
					for j := range nb {
						row[j] = max(normA[i]+normB[j]-2*dot(ai, b[j*dim:(j+1)*dim]), 0)
					}
				}
				fn(lo, hi, d[:(hi-lo)*nb])
			}
		}()
	}
	for lo := 0; lo < na; lo += goBlock {
		next <- lo
	}
	close(next)
	wg.Wait()
	return nil
}

func rowNorms(x []float32, n, dim int) []float32 {
	out := make([]float32, n)
	for i := range n {
		r := x[i*dim : (i+1)*dim]
		out[i] = dot(r, r)
	}
	return out
}

// dot is a 4-way unrolled dot product.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// backendDistances computes distance blocks of backendBlock rows as one graph: ‖a‖² + ‖b‖² − 2·a·bᵀ. The
// compiled graph is kept for the next calls (one per shape); safe for concurrent use.
type backendDistances struct {
	backend compute.Backend
	mu      sync.Mutex
	exec    *graph.Exec
}

const backendBlock = 1000

func (bd *backendDistances) each(a []float32, na int, b []float32, nb, dim int, fn func(lo, hi int, d []float32)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("metrics: distances on the backend: %v", r)
		}
	}()
	bd.mu.Lock()
	defer bd.mu.Unlock()
	if bd.exec == nil {
		bd.exec, err = graph.NewExec(bd.backend, func(x, y *graph.Node) *graph.Node {
			xx := graph.ReduceSum(graph.Square(x), -1)
			yy := graph.ReduceSum(graph.Square(y), -1)
			xy := graph.DotGeneral(x, []int{1}, nil, y, []int{1}, nil)
			d := graph.Sub(graph.Add(graph.ExpandAxes(xx, -1), graph.ExpandAxes(yy, 0)), graph.MulScalar(xy, 2))
			return graph.Max(d, graph.ZerosLike(d))
		})
		if err != nil {
			return err
		}
	}
	exec := bd.exec
	bt := tensors.FromFlatDataAndDimensions(b, nb, dim)
	defer bt.FinalizeAll()
	block := min(backendBlock, na)
	buf := make([]float32, block*dim)
	for lo := 0; lo < na; lo += block {
		hi := min(lo+block, na)
		clear(buf)
		copy(buf, a[lo*dim:hi*dim])
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(buf, block, dim), bt)
		if err != nil {
			return err
		}
		d := tensors.MustCopyFlatData[float32](out[0])
		out[0].FinalizeAll()
		fn(lo, hi, d[:(hi-lo)*nb])
	}
	return nil
}
