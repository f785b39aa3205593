package experiments

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// ParzenRow is one row of Goodfellow et al. 2014's Table 1 (Parzen-window log-likelihood on the MNIST test set,
// nats), or one measured here.
type ParzenRow struct {
	Model         string
	Mean, Stderr  float64
	Sigma         float64 // the chosen σ (0 for the paper's rows)
	Samples, Test int     // 0 for the paper's rows
}

// GoodfellowTable1 is the MNIST column of the paper's Table 1.
var GoodfellowTable1 = []ParzenRow{
	{Model: "DBN (paper)", Mean: 138, Stderr: 2},
	{Model: "Stacked CAE (paper)", Mean: 121, Stderr: 1.6},
	{Model: "Deep GSN (paper)", Mean: 214, Stderr: 1.1},
	{Model: "Adversarial nets (paper)", Mean: 225, Stderr: 2},
}

// ParzenRowOf turns a measurement into a Table 1 row.
func ParzenRowOf(model string, r metrics.ParzenResult) ParzenRow {
	return ParzenRow{Model: model, Mean: r.Mean, Stderr: r.Stderr, Sigma: r.Sigma, Samples: r.Samples, Test: r.Test}
}

// FormatParzenTable renders rows as a Markdown table.
func FormatParzenTable(rows []ParzenRow) string {
	var b strings.Builder
	b.WriteString("| Model | MNIST Parzen log-likelihood (nats) | σ | samples / test images |\n|---|---|---|---|\n")
	for _, r := range rows {
		sigma, n := "", ""
		if r.Sigma > 0 {
			sigma = fmt.Sprintf("%.3f", r.Sigma)
			n = fmt.Sprintf("%d / %d", r.Samples, r.Test)
		}
		fmt.Fprintf(&b, "| %s | %.1f ± %.1f | %s | %s |\n", r.Model, r.Mean, r.Stderr, sigma, n)
	}
	return b.String()
}

// SamplesUnit draws n samples from tr's generator with the given seed (in chunks of 1,000) and returns them as
// pixels in [0, 1] (p = (x + 1)/2 of G's x in [−1, 1]: the paper's sigmoid output), n·H·W·C values.
func SamplesUnit(tr *gan.Trainer, n int, seed uint64) ([]float32, error) {
	const chunk = 1000
	size := tr.Variant.Height * tr.Variant.Width * tr.Variant.Channels
	out := make([]float32, 0, n*size)
	for start := 0; start < n; start += chunk {
		m := min(chunk, n-start)
		px, err := tr.RandomSamples(chunk, seed+uint64(start/chunk)*0x9E3779B9)
		if err != nil {
			return nil, err
		}
		for _, v := range px[:m*size] {
			out = append(out, float32(math.Min(math.Max((float64(v)+1)/2, 0), 1)))
		}
	}
	return out, nil
}

// ParzenSplits returns the paper's validation images (the first nValid of MNIST train[50000:60000]) and the test
// images (the first nTest of MNIST test), pixels in [0, 1].
func ParzenSplits(train, test *data.Images, nValid, nTest int) (valid, testPx []float32, err error) {
	d := train.ImageSize()
	if train.N < vanilla.GoodfellowTrainN+nValid || test.N < nTest || d != 784 || test.ImageSize() != 784 {
		return nil, nil, fmt.Errorf("want MNIST train (≥ %d images) and test (≥ %d), got %d and %d images of %d pixels",
			vanilla.GoodfellowTrainN+nValid, nTest, train.N, test.N, d)
	}
	return train.Pixels[vanilla.GoodfellowTrainN*d : (vanilla.GoodfellowTrainN+nValid)*d], test.Pixels[:nTest*d], nil
}

// ParzenCaveats measures the paper's protocol with real images in place of G's samples: n training images
// (train[0:n], which G was trained on), the same blurred by a Gaussian of 1 pixel, and the same with Gaussian
// noise of standard deviation 0.2 (clipped to [0, 1]). Parzen estimates reward being near test images more than
// being an image: these rows show how far from a perfect generator's score the estimate can be.
func ParzenCaveats(b compute.Backend, train *data.Images, valid []float32, nValid int, test []float32, nTest, n int, progress metrics.ParzenProgress) ([]ParzenRow, error) {
	d := train.ImageSize()
	if n > vanilla.GoodfellowTrainN {
		return nil, fmt.Errorf("ParzenCaveats: at most %d training images, asked for %d", vanilla.GoodfellowTrainN, n)
	}
	real := train.Pixels[:n*d]
	blurred, err := metrics.GaussianBlur(real, n, train.H, train.W, 1)
	if err != nil {
		return nil, err
	}
	noisy := metrics.AddNoise(real, 0.2, 1)
	var rows []ParzenRow
	for _, c := range []struct {
		name string
		px   []float32
	}{
		{fmt.Sprintf("real training images (%d of train[0:50000])", n), real},
		{"the same, blurred (Gaussian, σ = 1 pixel)", blurred},
		{"the same + Gaussian noise (std 0.2, clipped)", noisy},
	} {
		r, err := metrics.ParzenProtocol(b, c.px, n, valid, nValid, test, nTest, d, progress)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		rows = append(rows, ParzenRowOf(c.name, r))
	}
	return rows, nil
}

// GoodfellowFigure2PNG lays out samples like the paper's Figure 2: rows of cols−1 samples, and in the last column,
// framed in yellow, the training image nearest (pixel L2) to the sample beside it. samples holds rows·(cols−1)
// images and nearest rows images (the neighbour of each row's last sample), all h×w single-channel pixels in
// [0, 1]; scale enlarges each pixel.
func GoodfellowFigure2PNG(samples, nearest []float32, rows, cols, h, w, scale int) ([]byte, error) {
	if rows < 1 || cols < 2 || scale < 1 || len(samples) != rows*(cols-1)*h*w || len(nearest) != rows*h*w {
		return nil, fmt.Errorf("GoodfellowFigure2PNG: want %d samples and %d neighbours of %d×%d pixels, got %d and %d values",
			rows*(cols-1), rows, h, w, len(samples), len(nearest))
	}
	const gap, frame = 4, 2
	tw, th := w*scale+2*frame, h*scale+2*frame
	img := image.NewRGBA(image.Rect(0, 0, cols*(tw+gap)+gap, rows*(th+gap)+gap))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{255, 255, 255, 255}}, image.Point{}, draw.Src)
	yellow := color.RGBA{255, 210, 0, 255}
	for r := range rows {
		for c := range cols {
			var px []float32
			if c < cols-1 {
				i := r*(cols-1) + c
				px = samples[i*h*w : (i+1)*h*w]
			} else {
				px = nearest[r*h*w : (r+1)*h*w]
			}
			x0, y0 := gap+c*(tw+gap), gap+r*(th+gap)
			if c == cols-1 {
				draw.Draw(img, image.Rect(x0, y0, x0+tw, y0+th), &image.Uniform{yellow}, image.Point{}, draw.Src)
			}
			for y := range h * scale {
				for x := range w * scale {
					v := uint8(math.Round(255 * math.Min(math.Max(float64(px[(y/scale)*w+x/scale]), 0), 1)))
					img.SetRGBA(x0+frame+x, y0+frame+y, color.RGBA{v, v, v, 255})
				}
			}
		}
	}
	return nbui.EncodePNG(img)
}
