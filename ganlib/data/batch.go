package data

import (
	"math/rand/v2"
)

// Batch draws batch images uniformly with replacement (as the lecture's Keras loop does) and copies their pixels,
// in [0,1], into dst, which is grown if its capacity is short; it returns dst[:batch*H*W*C], shape (batch, H, W, C).
func (im *Images) Batch(rng *rand.Rand, batch int, dst []float32) []float32 {
	size := im.ImageSize()
	dst = grow(dst, batch*size)
	for b := range batch {
		copy(dst[b*size:(b+1)*size], im.Image(rng.IntN(im.N)))
	}
	return dst
}

// Gather copies the images at indices into dst (grown if short) with values mapped linearly from [0,1] to
// [lo,hi], and returns dst[:len(indices)*H*W*C]. Gather(idx, 0, 1, dst) copies them unchanged.
func (im *Images) Gather(indices []int, lo, hi float32, dst []float32) []float32 {
	size := im.ImageSize()
	dst = grow(dst, len(indices)*size)
	scale := hi - lo
	for b, i := range indices {
		out := dst[b*size : (b+1)*size]
		if lo == 0 && hi == 1 {
			copy(out, im.Image(i))
			continue
		}
		for j, v := range im.Image(i) {
			out[j] = lo + scale*v
		}
	}
	return dst
}

func grow(dst []float32, n int) []float32 {
	if cap(dst) < n {
		return make([]float32, n)
	}
	return dst[:n]
}

// Iterator walks a dataset in shuffled epochs: each epoch visits every image once in a new random order, in
// batches of a fixed size; the last incomplete batch of an epoch is dropped (at most batch-1 images, different
// ones each epoch), so every batch has the same shape.
type Iterator struct {
	im       *Images
	batch    int
	rng      *rand.Rand
	perm     []int
	pos      int
	epoch    int
	lo, hi   float32
	indices  []int
	pixels   []float32
	labelBuf []int
}

// NewIterator returns an Iterator over im with the given batch size (1 ≤ batch ≤ im.N) whose order is fixed by
// seed. Pixels come in [0,1] unless WithRange says otherwise.
func NewIterator(im *Images, batch int, seed uint64) *Iterator {
	if batch < 1 || batch > im.N {
		panic("data.NewIterator: batch size must be between 1 and the number of images")
	}
	it := &Iterator{im: im, batch: batch, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), lo: 0, hi: 1}
	it.perm = make([]int, im.N)
	it.shuffle()
	return it
}

// WithRange makes Next return pixels mapped linearly from [0,1] to [lo,hi], e.g. (-1, 1) for a tanh generator's
// range, and returns the Iterator.
func (it *Iterator) WithRange(lo, hi float32) *Iterator {
	it.lo, it.hi = lo, hi
	return it
}

func (it *Iterator) shuffle() {
	for i := range it.perm {
		it.perm[i] = i
	}
	it.rng.Shuffle(len(it.perm), func(i, j int) { it.perm[i], it.perm[j] = it.perm[j], it.perm[i] })
	it.pos = 0
}

// Next returns the next batch: the images' indices and their pixels, shape (batch, H, W, C). Both slices are
// reused by the next call: copy them to keep them. When the current epoch has fewer than batch images left, a new
// epoch starts (Epoch counts up).
func (it *Iterator) Next() (indices []int, pixels []float32) {
	if it.pos+it.batch > len(it.perm) {
		it.epoch++
		it.shuffle()
	}
	it.indices = it.perm[it.pos : it.pos+it.batch]
	it.pos += it.batch
	it.pixels = it.im.Gather(it.indices, it.lo, it.hi, it.pixels)
	return it.indices, it.pixels
}

// Labels returns the labels of the batch last returned by Next (reused by the next call), or nil if the dataset
// has none.
func (it *Iterator) Labels() []int {
	if it.im.Labels == nil {
		return nil
	}
	it.labelBuf = it.labelBuf[:0]
	for _, i := range it.indices {
		it.labelBuf = append(it.labelBuf, it.im.Labels[i])
	}
	return it.labelBuf
}

// Epoch is the number of completed epochs: 0 during the first pass over the data.
func (it *Iterator) Epoch() int { return it.epoch }

// BatchesPerEpoch is N / batch, the number of Next calls per epoch.
func (it *Iterator) BatchesPerEpoch() int { return it.im.N / it.batch }
