package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	. "github.com/gomlx/gomlx/core/graph"
)

// Helpers for the caveats of Parzen estimates (Goodfellow et al. 2014, §5: "this method of estimating the
// likelihood has somewhat high variance and does not perform well in high dimensional spaces"): scoring real
// images, blurred or noisy ones, and finding a sample's nearest training image (the memorisation check of
// Figure 2).

// GaussianBlur returns a copy of n single-channel h×w images blurred by a Gaussian of standard deviation sigma
// pixels (kernel radius ⌈3σ⌉, renormalised at the borders so that a constant image stays constant).
func GaussianBlur(images []float32, n, h, w int, sigma float64) ([]float32, error) {
	if n < 1 || h < 1 || w < 1 || len(images) != n*h*w {
		return nil, fmt.Errorf("metrics.GaussianBlur: %d values are not %d images of %d×%d", len(images), n, h, w)
	}
	if !(sigma > 0) {
		return nil, fmt.Errorf("metrics.GaussianBlur: sigma must be > 0, got %v", sigma)
	}
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
	}
	out := make([]float32, len(images))
	tmp := make([]float64, h*w)
	for img := range n {
		src := images[img*h*w : (img+1)*h*w]
		for y := range h { // horizontal pass
			for x := range w {
				var s, ws float64
				for i := -r; i <= r; i++ {
					if xx := x + i; xx >= 0 && xx < w {
						s += k[i+r] * float64(src[y*w+xx])
						ws += k[i+r]
					}
				}
				tmp[y*w+x] = s / ws
			}
		}
		dst := out[img*h*w : (img+1)*h*w]
		for y := range h { // vertical pass
			for x := range w {
				var s, ws float64
				for i := -r; i <= r; i++ {
					if yy := y + i; yy >= 0 && yy < h {
						s += k[i+r] * tmp[yy*w+x]
						ws += k[i+r]
					}
				}
				dst[y*w+x] = float32(s / ws)
			}
		}
	}
	return out, nil
}

// AddNoise returns a copy of images with Gaussian noise of standard deviation std added to every pixel, clipped
// to [0, 1], drawn from seed.
func AddNoise(images []float32, std float64, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 0x4015E))
	out := make([]float32, len(images))
	for i, v := range images {
		out[i] = float32(math.Min(math.Max(float64(v)+std*rng.NormFloat64(), 0), 1))
	}
	return out
}

// NearestL2 returns, for each of the nq query images, the index of the reference image nearest in pixel L2
// distance and that squared distance (computed as in Parzen: float64, one matrix product per batch of queries
// and block of at most 10,000 references, so that all 60,000 MNIST images never sit in memory as float64 at once).
func NearestL2(backend compute.Backend, queries []float32, nq int, refs []float32, nr, dim int) (idx []int, dist2 []float64, err error) {
	if err := checkParzenSet("queries", queries, nq, dim); err != nil {
		return nil, nil, err
	}
	if err := checkParzenSet("references", refs, nr, dim); err != nil {
		return nil, nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("metrics.NearestL2: %v", r)
		}
	}()
	exec, err := NewExec(backend, func(q, qn, r, rn *Node) (*Node, *Node) {
		cross := DotGeneral(q, []int{1}, nil, r, []int{1}, nil)
		d2 := Add(Sub(ExpandAxes(qn, 1), MulScalar(cross, 2)), ExpandAxes(rn, 0))
		return ArgMin(d2, 1), ReduceMin(d2, 1)
	})
	if err != nil {
		return nil, nil, err
	}
	defer exec.Finalize()
	idx = make([]int, nq)
	dist2 = make([]float64, nq)
	for i := range dist2 {
		dist2[i] = math.Inf(1)
	}
	const block = 10000
	rb := min(block, nr)
	r64 := make([]float64, rb*dim)
	rn := make([]float64, rb)
	b := min(parzenBatch, nq)
	qb := make([]float64, b*dim)
	qnb := make([]float64, b)
	for r0 := 0; r0 < nr; r0 += rb {
		rm := min(rb, nr-r0)
		clear(r64)
		for i := range rb {
			rn[i] = math.Inf(1) // padding rows are never nearest
			if i < rm {
				var s float64
				for k, f := range refs[(r0+i)*dim : (r0+i+1)*dim] {
					r64[i*dim+k] = float64(f)
					s += float64(f) * float64(f)
				}
				rn[i] = s
			}
		}
		rT, rnT := tensors.FromFlatDataAndDimensions(r64, rb, dim), tensors.FromFlatDataAndDimensions(rn, rb)
		for start := 0; start < nq; start += b {
			m := min(b, nq-start)
			clear(qb)
			clear(qnb)
			for j := range m {
				var s float64
				for k, f := range queries[(start+j)*dim : (start+j+1)*dim] {
					qb[j*dim+k] = float64(f)
					s += float64(f) * float64(f)
				}
				qnb[j] = s
			}
			res, err := exec.Call(tensors.FromFlatDataAndDimensions(qb, b, dim), tensors.FromFlatDataAndDimensions(qnb, b), rT, rnT)
			if err != nil {
				return nil, nil, err
			}
			ii := tensors.MustCopyFlatData[int32](res[0])
			dd := tensors.MustCopyFlatData[float64](res[1])
			res[0].FinalizeAll()
			res[1].FinalizeAll()
			for j := range m {
				if d := math.Max(dd[j], 0); d < dist2[start+j] {
					dist2[start+j], idx[start+j] = d, r0+int(ii[j])
				}
			}
		}
		rT.FinalizeAll()
		rnT.FinalizeAll()
	}
	return idx, dist2, nil
}
