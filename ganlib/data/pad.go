package data

import (
	"fmt"
	"slices"
)

// Padded returns a copy of im with every image padded to size×size with the background value 0 (the black
// background of MNIST and Fashion-MNIST), the original centred (an odd margin puts the extra row and column at the
// bottom and right): 28×28 → 32×32 adds 2 pixels on each side, for models whose size must be a multiple of 8
// (BigGAN). Labels and class names are kept. It panics if size is smaller than the images' height or width.
func (im *Images) Padded(size int) *Images {
	if size < im.H || size < im.W {
		panic(fmt.Sprintf("data.Images.Padded: size %d is smaller than the images' %d×%d", size, im.H, im.W))
	}
	out := *im
	out.H, out.W = size, size
	top, left := (size-im.H)/2, (size-im.W)/2
	row := im.W * im.C
	out.Pixels = make([]float32, im.N*size*size*im.C)
	for i := 0; i < im.N; i++ {
		src := im.Image(i)
		dst := out.Pixels[i*size*size*im.C:]
		for y := 0; y < im.H; y++ {
			copy(dst[((top+y)*size+left)*im.C:], src[y*row:(y+1)*row])
		}
	}
	out.Labels = slices.Clone(im.Labels)
	out.ClassNames = slices.Clone(im.ClassNames)
	out.Source = fmt.Sprintf("%s; padded to %d×%d", im.Source, size, size)
	return &out
}
