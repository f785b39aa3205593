package lab

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/ganlab/ganlab/ganlib/backend"
)

// The Kaggle brain-MRI notebook's protocol (slide 9), which notebook 06 keeps as it is: 20 images drawn with
// replacement (np.random.seed(40); np.random.choice(N, 20)), batch 4, 10 epochs of 1,000 steps, at 128×128.
const (
	MRIBatch               = 4
	MRIEpochs              = 10
	MRIDrawn               = 20
	MRISeed                = 40
	MRIKaggleStepsPerEpoch = 1000
	MRIKaggleSize          = 128
)

// MRICPUStepsPerEpoch is what notebook 06 trains of each Kaggle epoch on a CPU in full mode: 500 steps in all, so
// that the notebook stays a lesson of under a quarter of an hour.
const MRICPUStepsPerEpoch = 50

// MRIPlan says what notebook 06 trains with the lecture's model and the Kaggle protocol: the image side, the steps
// per epoch, and why. Quick mode: 32×32, 10 × 20 steps (a smoke test); a GPU (XLA CUDA): the protocol itself; a
// CPU: 128×128, 10 × MRICPUStepsPerEpoch. GANLAB_MRI_STEPS, when set, gives the steps per epoch anywhere.
func MRIPlan() (size, stepsPerEpoch int, why string, err error) {
	_, info, err := backend.Default()
	if err != nil {
		return 0, 0, "", err
	}
	switch {
	case Quick():
		size, stepsPerEpoch, why = 32, 20, "quick mode: the lecture's DCGAN at 32×32×1 (not 128), 10 epochs × 20 steps, a smoke test"
	case info.Kind == "xla:cuda":
		size, stepsPerEpoch, why = MRIKaggleSize, MRIKaggleStepsPerEpoch, "full mode on a GPU: Kaggle's protocol itself, 128×128×1, 10 epochs × 1000 steps"
	default:
		size, stepsPerEpoch = MRIKaggleSize, MRICPUStepsPerEpoch
		why = fmt.Sprintf("full mode on a CPU: 128×128×1 as Kaggle, but 10 epochs × %d steps (%d of Kaggle's 10000)",
			stepsPerEpoch, MRIEpochs*stepsPerEpoch)
	}
	if s := os.Getenv("GANLAB_MRI_STEPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return 0, 0, "", fmt.Errorf("GANLAB_MRI_STEPS=%q: want a whole number of steps per epoch, at least 1", s)
		}
		stepsPerEpoch = n
		why += fmt.Sprintf("; GANLAB_MRI_STEPS=%d: 10 epochs × %d steps", n, n)
	}
	return size, stepsPerEpoch, why, nil
}

// WriteMessyFolder writes into dir (replacing it) a small image folder as folders come from the wild, for
// notebook 06's "swap in your own folder" demo: discs/ holds 24 RGB JPEGs of 96×72 (a bright disc on a dark
// background) and a stray README.txt; squares/ holds 16 RGBA PNGs of 40×40 (a bright square on a transparent
// background) and broken.jpg, a JPEG cut off after its header. data.LoadFolder reads 40 images and skips 2.
func WriteMessyFolder(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for _, c := range []string{"discs", "squares"} {
		if err := os.MkdirAll(filepath.Join(dir, c), 0o755); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(6, 6))
	bright := func() color.RGBA {
		return color.RGBA{uint8(80 + rng.IntN(176)), uint8(80 + rng.IntN(176)), uint8(80 + rng.IntN(176)), 255}
	}
	write := func(name string, b []byte) error { return os.WriteFile(filepath.Join(dir, name), b, 0o644) }
	var jpegBytes []byte
	for i := range 24 {
		img := image.NewRGBA(image.Rect(0, 0, 96, 72))
		bg := color.RGBA{uint8(rng.IntN(40)), uint8(rng.IntN(40)), uint8(20 + rng.IntN(40)), 255}
		fg := bright()
		cx, cy, r := 30+rng.IntN(36), 24+rng.IntN(24), 12+rng.IntN(12)
		for y := range 72 {
			for x := range 96 {
				if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
					img.Set(x, y, fg)
				} else {
					img.Set(x, y, bg)
				}
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			return err
		}
		jpegBytes = buf.Bytes()
		if err := write(fmt.Sprintf("discs/disc_%02d.jpg", i), jpegBytes); err != nil {
			return err
		}
	}
	for i := range 16 {
		img := image.NewNRGBA(image.Rect(0, 0, 40, 40)) // transparent background
		fg := bright()
		x0, y0, side := 4+rng.IntN(12), 4+rng.IntN(12), 12+rng.IntN(12)
		for y := y0; y < y0+side; y++ {
			for x := x0; x < x0+side; x++ {
				img.Set(x, y, fg)
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return err
		}
		if err := write(fmt.Sprintf("squares/square_%02d.png", i), buf.Bytes()); err != nil {
			return err
		}
	}
	if err := write("discs/README.txt", []byte("Discs drawn by notebook 06. Not an image.\n")); err != nil {
		return err
	}
	return write("squares/broken.jpg", jpegBytes[:400]) // the header only
}

// Unit maps generator pixels from [-1, 1] to [0, 1], the range of data.Images.
func Unit(px []float32) []float32 {
	out := make([]float32, len(px))
	for i, v := range px {
		out[i] = (v + 1) / 2
	}
	return out
}
