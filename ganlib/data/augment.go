package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Augment describes random changes for tiny training sets (such as the Kaggle notebook's 20 images). Each
// augmented copy draws its own flips, angle and intensity change.
type Augment struct {
	// FlipH and FlipV flip each copy left-right / top-bottom with probability ½.
	FlipH, FlipV bool
	// MaxDegrees rotates each copy about its centre by an angle drawn uniformly from [-MaxDegrees, MaxDegrees]
	// (bilinear, black outside the source). Keep it small (≤ 15) for MRI slices.
	MaxDegrees float64
	// Jitter scales intensities by a gain from [1-Jitter, 1+Jitter] and adds an offset from [-Jitter/2, Jitter/2],
	// clipped to [0,1].
	Jitter float64
}

// Augmented returns a new set with the originals first, then `copies` augmented copies of each image (N·(1+copies)
// images in all, labels kept), drawn from a PCG generator seeded with seed.
func (im *Images) Augmented(copies int, seed uint64, a Augment) *Images {
	out := *im
	size := im.ImageSize()
	out.N = im.N * (1 + copies)
	out.Pixels = make([]float32, 0, out.N*size)
	out.Pixels = append(out.Pixels, im.Pixels[:im.N*size]...)
	if im.Labels != nil {
		out.Labels = make([]int, 0, out.N)
		out.Labels = append(out.Labels, im.Labels[:im.N]...)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6761_6e6c_6162))
	buf := make([]float32, size)
	for range copies {
		for i := range im.N {
			a.apply(rng, im.Image(i), buf, im.H, im.W, im.C)
			out.Pixels = append(out.Pixels, buf...)
			if im.Labels != nil {
				out.Labels = append(out.Labels, im.Labels[i])
			}
		}
	}
	out.Source = fmt.Sprintf("%s; augmented ×%d (flipH %v, flipV %v, ±%.3g°, jitter %.3g, seed %d)",
		im.Source, 1+copies, a.FlipH, a.FlipV, a.MaxDegrees, a.Jitter, seed)
	return &out
}

// apply writes one augmented copy of src (H×W×C) into dst.
func (a Augment) apply(rng *rand.Rand, src, dst []float32, h, w, c int) {
	flipH := a.FlipH && rng.IntN(2) == 1
	flipV := a.FlipV && rng.IntN(2) == 1
	theta := 0.0
	if a.MaxDegrees > 0 {
		theta = (2*rng.Float64() - 1) * a.MaxDegrees * math.Pi / 180
	}
	gain, offset := 1.0, 0.0
	if a.Jitter > 0 {
		gain = 1 + (2*rng.Float64()-1)*a.Jitter
		offset = (rng.Float64() - 0.5) * a.Jitter
	}
	cos, sin := math.Cos(theta), math.Sin(theta)
	cy, cx := float64(h-1)/2, float64(w-1)/2
	at := func(y, x, ch int) float64 {
		if y < 0 || y >= h || x < 0 || x >= w {
			return 0
		}
		return float64(src[(y*w+x)*c+ch])
	}
	for y := range h {
		for x := range w {
			// Inverse map: output (y, x) samples the source at the rotated, flipped position.
			dy, dx := float64(y)-cy, float64(x)-cx
			sy, sx := cy+cos*dy-sin*dx, cx+sin*dy+cos*dx
			if flipH {
				sx = float64(w-1) - sx
			}
			if flipV {
				sy = float64(h-1) - sy
			}
			y0, x0 := int(math.Floor(sy)), int(math.Floor(sx))
			fy, fx := sy-float64(y0), sx-float64(x0)
			for ch := range c {
				v := (1-fy)*((1-fx)*at(y0, x0, ch)+fx*at(y0, x0+1, ch)) + fy*((1-fx)*at(y0+1, x0, ch)+fx*at(y0+1, x0+1, ch))
				v = v*gain + offset
				dst[(y*w+x)*c+ch] = float32(min(1, max(0, v)))
			}
		}
	}
}

// numpyRandint returns the values of NumPy's legacy `np.random.seed(seed); np.random.randint(0, n, count)`:
// MT19937 seeded with init_genrand(seed), each value drawn as a 32-bit output masked to the next power of two
// minus one and rejected while above n-1 (numpy/random/src/distributions: buffered_bounded_masked_uint32).
func numpyRandint(seed uint32, n, count int) []int {
	out := make([]int, count)
	if n <= 1 {
		return out
	}
	mt := newMT19937(seed)
	rng := uint32(n - 1)
	mask := rng
	for s := uint(1); s < 32; s <<= 1 {
		mask |= mask >> s
	}
	for i := range out {
		v := mt.next() & mask
		for v > rng {
			v = mt.next() & mask
		}
		out[i] = int(v)
	}
	return out
}

// mt19937 is Matsumoto and Nishimura's Mersenne Twister (32-bit), as NumPy's legacy RandomState uses it.
type mt19937 struct {
	s [624]uint32
	i int
}

func newMT19937(seed uint32) *mt19937 {
	m := &mt19937{i: 624}
	m.s[0] = seed
	for i := 1; i < 624; i++ {
		m.s[i] = 1812433253*(m.s[i-1]^(m.s[i-1]>>30)) + uint32(i)
	}
	return m
}

func (m *mt19937) next() uint32 {
	if m.i >= 624 {
		for k := range 624 {
			y := (m.s[k] & 0x80000000) | (m.s[(k+1)%624] & 0x7fffffff)
			v := m.s[(k+397)%624] ^ (y >> 1)
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			m.s[k] = v
		}
		m.i = 0
	}
	y := m.s[m.i]
	m.i++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}
