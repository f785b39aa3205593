package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The MS-SSIM of Wang, Simoncelli and Bovik 2003 (https://doi.org/10.1109/ACSSC.2003.1292216) with its five-scale
// weights, a Gaussian window of σ 1.5 (11×11, as the paper; 7×7 when the image is small) and constants for pixels
// in [0, 1] (K1 0.01, K2 0.03).
var msssimWeights = []float64{0.0448, 0.2856, 0.3001, 0.2363, 0.1333}

const (
	msssimC1 = 0.01 * 0.01
	msssimC2 = 0.03 * 0.03
)

// MSSSIM returns the multi-scale structural similarity of two h×w single-channel images with pixels in [0, 1]:
// 1 for identical images, lower the less alike their structure is. Scale j+1 halves scale j by 2×2 averaging; it
// uses as many of the five scales as keep the image at least as large as the window (with the 11×11 window:
// four at 128×128, three at 64×64; images under 44 pixels use the 7×7 window), the weights of the scales used
// renormalised to sum to 1. Contrast-structure terms below 0 count as 0, as common implementations do.
func MSSSIM(a, b []float32, h, w int) (float64, error) {
	if h < 8 || w < 8 || len(a) != h*w || len(b) != h*w {
		return 0, fmt.Errorf("metrics.MSSSIM: want two images of %d×%d ≥ 8×8, got %d and %d values", h, w, len(a), len(b))
	}
	win := 11
	if min(h, w) < 4*win {
		win = 7
	}
	kernel := gaussianKernel(win, 1.5)
	x, y := toF64(a), toF64(b)
	levels := 0
	for s := min(h, w); s >= win && levels < len(msssimWeights); s /= 2 {
		levels++
	}
	var wsum float64
	for _, wt := range msssimWeights[:levels] {
		wsum += wt
	}
	result := 1.0
	for l := range levels {
		lum, cs := ssimTerms(x, y, h, w, kernel, win)
		wt := msssimWeights[l] / wsum
		result *= math.Pow(math.Max(cs, 0), wt)
		if l == levels-1 {
			result *= math.Pow(math.Max(lum, 0), wt)
			break
		}
		x, y = halve(x, h, w), halve(y, h, w)
		h, w = h/2, w/2
	}
	return result, nil
}

// MeanMSSSIM is the mean MS-SSIM of pairs random pairs of distinct images of a set (n images of h×w, pixels in
// [0, 1]), seeded: the diversity score of Odena et al. 2017, lower meaning a more varied set (all pairs when
// pairs ≥ n(n−1)/2).
func MeanMSSSIM(images []float32, n, h, w, pairs int, seed uint64) (float64, error) {
	if n < 2 || len(images) != n*h*w {
		return 0, fmt.Errorf("metrics.MeanMSSSIM: want at least 2 images of %d×%d, got %d values for %d", h, w, len(images), n)
	}
	var list [][2]int
	if pairs >= n*(n-1)/2 {
		for i := range n {
			for j := i + 1; j < n; j++ {
				list = append(list, [2]int{i, j})
			}
		}
	} else {
		rng := rand.New(rand.NewPCG(seed, 0x55))
		for len(list) < pairs {
			i, j := rng.IntN(n), rng.IntN(n)
			if i != j {
				list = append(list, [2]int{i, j})
			}
		}
	}
	size := h * w
	var sum float64
	for _, p := range list {
		v, err := MSSSIM(images[p[0]*size:(p[0]+1)*size], images[p[1]*size:(p[1]+1)*size], h, w)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum / float64(len(list)), nil
}

// ssimTerms returns the mean luminance term and the mean contrast-structure term of SSIM over the valid positions
// of the window (no padding).
func ssimTerms(x, y []float64, h, w int, kernel []float64, win int) (lum, cs float64) {
	n := 0
	for r := 0; r+win <= h; r++ {
		for c := 0; c+win <= w; c++ {
			var mx, my, xx, yy, xy float64
			for i := range win {
				for j := range win {
					k := kernel[i*win+j]
					a, b := x[(r+i)*w+c+j], y[(r+i)*w+c+j]
					mx += k * a
					my += k * b
					xx += k * a * a
					yy += k * b * b
					xy += k * a * b
				}
			}
			vx, vy, cov := xx-mx*mx, yy-my*my, xy-mx*my
			lum += (2*mx*my + msssimC1) / (mx*mx + my*my + msssimC1)
			cs += (2*cov + msssimC2) / (vx + vy + msssimC2)
			n++
		}
	}
	return lum / float64(n), cs / float64(n)
}

func gaussianKernel(win int, sigma float64) []float64 {
	k := make([]float64, win*win)
	var s float64
	c := float64(win-1) / 2
	for i := range win {
		for j := range win {
			d := (float64(i)-c)*(float64(i)-c) + (float64(j)-c)*(float64(j)-c)
			k[i*win+j] = math.Exp(-d / (2 * sigma * sigma))
			s += k[i*win+j]
		}
	}
	for i := range k {
		k[i] /= s
	}
	return k
}

func toF64(a []float32) []float64 {
	out := make([]float64, len(a))
	for i, v := range a {
		out[i] = float64(v)
	}
	return out
}

// halve averages 2×2 blocks (an odd last row or column is dropped).
func halve(x []float64, h, w int) []float64 {
	h2, w2 := h/2, w/2
	out := make([]float64, h2*w2)
	for r := range h2 {
		for c := range w2 {
			out[r*w2+c] = (x[2*r*w+2*c] + x[2*r*w+2*c+1] + x[(2*r+1)*w+2*c] + x[(2*r+1)*w+2*c+1]) / 4
		}
	}
	return out
}
