package experiments

import (
	"bytes"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// TestMRIMeasures builds the MRI slices from the cached sources (skipped without them unless
// GANLAB_REQUIRE_DATA=1), trains the level network briefly and checks that the measures tell apart what they
// must: the training slices redrawn with faint noise are copies; noise images are far from the data, with a KID
// well above the real-vs-real floor; a set of repeated slices is less diverse (higher MS-SSIM) than the real one.
func TestMRIMeasures(t *testing.T) {
	b := backendtest.XLA(t)
	dir := filepath.Join(t.TempDir(), "mri")
	if _, err := data.BuildMRI(dir, data.MRIOptions{Size: 32}, data.Offline()); err != nil {
		if os.Getenv("GANLAB_REQUIRE_DATA") == "1" {
			t.Fatal(err)
		}
		t.Skipf("MRI sources not cached (run `ganlab data mri`): %v", err)
	}
	net, cerebrum, err := TrainMRILevelNetOn(b, dir, []string{MRIHeldOutVolume}, 40, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s; cerebrum %.3f", net, cerebrum)
	m, err := NewMRIMeasures(b, net, dir, 32)
	if err != nil {
		t.Fatal(err)
	}
	if m.Train.N < 15 || m.Train.N > MRIProtocolN || m.Train.N+m.HeldOut.N != m.Kept.N || m.Ref.N+m.Other.N != m.Kept.N {
		t.Fatalf("sets: %d kept, %d training, %d held out, halves %d and %d", m.Kept.N, m.Train.N, m.HeldOut.N, m.Ref.N, m.Other.N)
	}
	real, err := m.RealRows()
	if err != nil {
		t.Fatal(err)
	}
	n := m.SampleCount()
	rng := rand.New(rand.NewPCG(1, 1))
	size := 32 * 32
	copies := make([]float32, n*size)
	noise := make([]float32, n*size)
	for i := range n {
		src := m.Train.Image(i % m.Train.N)
		for k := range size {
			copies[i*size+k] = min(1, max(0, src[k]+0.01*float32(rng.NormFloat64())))
			noise[i*size+k] = rng.Float32()
		}
	}
	cp, err := m.Score("copies", copies, n, true)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := m.Score("noise", noise, n, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", FormatMRITable(append(real, cp, ns)))
	if !strings.Contains(cp.Copy.Verdict(), "COPIES") || !strings.Contains(ns.Copy.Verdict(), "do not look like the data") {
		t.Errorf("verdicts: copies %q, noise %q", cp.Copy.Verdict(), ns.Copy.Verdict())
	}
	if floor := real[0]; ns.KID < floor.KID+5*max(floor.KIDStd, ns.KIDStd) || cp.MSSSIM <= floor.MSSSIM || ns.Manifold.Precision > 0.2 {
		t.Errorf("floor KID %.4f ± %.4f, noise %.4f ± %.4f; MS-SSIM floor %.3f copies %.3f; noise precision %.2f",
			floor.KID, floor.KIDStd, ns.KID, ns.KIDStd, floor.MSSSIM, cp.MSSSIM, ns.Manifold.Precision)
	}
	raw, err := m.CopyPairsPNG(copies, cp.Copy, 8, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() < 8*64 || img.Bounds().Dy() < 2*64 {
		t.Errorf("pair grid: %v, %v", err, img.Bounds())
	}
}

// TestReadGridPNG: a grid drawn by nbui.Grid is cut back into its images (to 8-bit precision); a PNG of another
// layout is refused with its name.
func TestReadGridPNG(t *testing.T) {
	const side, n = 16, 7
	px := make([]float32, n*side*side)
	for i := range px {
		px[i] = float32(i%251) / 250
	}
	raw, err := nbui.Grid{Pixels: px, N: n, H: side, W: side, C: 1, Lo: 0, Hi: 1, Cols: 7, Scale: 1}.PNG()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "grid.png")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	got, m, err := ReadGridPNG(path, side)
	if err != nil || m != n {
		t.Fatalf("%d images, %v", m, err)
	}
	for i := range px {
		if math.Abs(float64(got[i]-px[i])) > 0.5/255+1e-6 {
			t.Fatalf("pixel %d: %v, want %v", i, got[i], px[i])
		}
	}
	if _, _, err := ReadGridPNG(path, side+1); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("wrong tile size: %v", err)
	}
}
