package dcgan_test

import (
	"fmt"
	"testing"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/models/dcgan"
)

func goBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := backend.NewGo()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	return b
}

type wantRow struct {
	shape  string
	params int
}

func checkRows(t *testing.T, s models.NetSummary, want []wantRow) {
	t.Helper()
	if len(s.Rows) != len(want) {
		t.Fatalf("%s: %d layers, want %d:\n%s", s.Name, len(s.Rows), len(want), s)
	}
	for i, w := range want {
		r := s.Rows[i]
		if r.OutputShape != w.shape || r.Params != w.params {
			t.Errorf("%s layer %s: %s with %d params, want %s with %d", s.Name, r.Layer, r.OutputShape, r.Params, w.shape, w.params)
		}
	}
}

// TestLectureSummaryMatchesKeras: the totals Keras's model.summary() prints for the slides' DCGAN at 128×128, and
// every layer's output shape and parameter count, computed by hand.
func TestLectureSummaryMatchesKeras(t *testing.T) {
	b := goBackend(t)
	for _, c := range []struct{ channels, g, d int }{{1, 27_265_281, 582_785}, {3, 27_269_379, 583_937}} {
		g, d, err := models.Summarize(b, dcgan.Lecture(128, c.channels))
		if err != nil {
			t.Fatal(err)
		}
		if g.Total != c.g || d.Total != c.d {
			t.Errorf("channels %d: G %d and D %d parameters, Keras says %d and %d", c.channels, g.Total, d.Total, c.g, c.d)
		}
		C := c.channels
		checkRows(t, g, []wantRow{
			{"(None, 262144)", 100*262144 + 262144}, {"(None, 262144)", 0},
			{"(None, 32, 32, 256)", 0},
			{"(None, 64, 64, 128)", 16*256*128 + 128}, {"(None, 64, 64, 128)", 0},
			{"(None, 128, 128, 128)", 16*128*128 + 128}, {"(None, 128, 128, 128)", 0},
			{fmt.Sprintf("(None, 128, 128, %d)", C), 16*128*C + C}, {fmt.Sprintf("(None, 128, 128, %d)", C), 0},
		})
		checkRows(t, d, []wantRow{
			{"(None, 128, 128, 64)", 9*C*64 + 64}, {"(None, 128, 128, 64)", 0},
			{"(None, 64, 64, 128)", 9*64*128 + 128}, {"(None, 64, 64, 128)", 0},
			{"(None, 32, 32, 128)", 9*128*128 + 128}, {"(None, 32, 32, 128)", 0},
			{"(None, 16, 16, 256)", 9*128*256 + 256}, {"(None, 16, 16, 256)", 0},
			{"(None, 65536)", 0}, {"(None, 65536)", 0},
			{"(None, 1)", 65536 + 1},
		})
	}
}

// TestSizes: both DCGANs build at the sizes the notebook and the CLI use (28×28 Fashion-MNIST as it is, 32, 64,
// 128), G makes images of the variant's size and D returns one logit per image.
func TestSizes(t *testing.T) {
	b := goBackend(t)
	for _, size := range []int{28, 32, 64, 128} {
		for _, v := range []gan.Variant{dcgan.Lecture(size, 1), dcgan.Radford(size, 3)} {
			g, d, err := models.Summarize(b, v)
			if err != nil {
				t.Fatalf("%s at %d: %v", v.Name, size, err)
			}
			if want := []int{2, size, size, v.Channels}; fmt.Sprint(g.Output) != fmt.Sprint(want) {
				t.Errorf("%s at %d: G makes %v, want %v", v.Name, size, g.Output, want)
			}
			if fmt.Sprint(d.Output) != "[2 1]" {
				t.Errorf("%s at %d: D returns %v, want [2 1]", v.Name, size, d.Output)
			}
		}
	}
}

// TestRadfordSummary: the paper's 64×64 generator (Figure 1: 4×4×1024 → 8×8×512 → 16×16×256 → 32×32×128 →
// 64×64×3, 5×5 kernels) and its mirror discriminator, BatchNorm except on G's output and D's input.
func TestRadfordSummary(t *testing.T) {
	b := goBackend(t)
	g, d, err := models.Summarize(b, dcgan.Radford(64, 3))
	if err != nil {
		t.Fatal(err)
	}
	bn := func(c int) int { return 2 * c } // gamma and beta; the moving statistics are not trainable
	checkRows(t, g, []wantRow{
		{"(None, 16384)", 100*16384 + 16384}, {"(None, 4, 4, 1024)", 0}, {"(None, 4, 4, 1024)", bn(1024)}, {"(None, 4, 4, 1024)", 0},
		{"(None, 8, 8, 512)", 25*1024*512 + 512}, {"(None, 8, 8, 512)", bn(512)}, {"(None, 8, 8, 512)", 0},
		{"(None, 16, 16, 256)", 25*512*256 + 256}, {"(None, 16, 16, 256)", bn(256)}, {"(None, 16, 16, 256)", 0},
		{"(None, 32, 32, 128)", 25*256*128 + 128}, {"(None, 32, 32, 128)", bn(128)}, {"(None, 32, 32, 128)", 0},
		{"(None, 64, 64, 3)", 25*128*3 + 3}, {"(None, 64, 64, 3)", 0},
	})
	checkRows(t, d, []wantRow{
		{"(None, 32, 32, 128)", 25*3*128 + 128}, {"(None, 32, 32, 128)", 0},
		{"(None, 16, 16, 256)", 25*128*256 + 256}, {"(None, 16, 16, 256)", bn(256)}, {"(None, 16, 16, 256)", 0},
		{"(None, 8, 8, 512)", 25*256*512 + 512}, {"(None, 8, 8, 512)", bn(512)}, {"(None, 8, 8, 512)", 0},
		{"(None, 4, 4, 1024)", 25*512*1024 + 1024}, {"(None, 4, 4, 1024)", bn(1024)}, {"(None, 4, 4, 1024)", 0},
		{"(None, 16384)", 0}, {"(None, 1)", 16384 + 1},
	})
}

func TestBadSizesPanicWithTheSize(t *testing.T) {
	for _, f := range []func(){func() { dcgan.LectureGenerator(30, 1) }, func() { dcgan.RadfordGenerator(36*4, 1) }} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Error("want a panic naming the size")
				}
			}()
			f()
		}()
	}
}

// TestGFLOPPerStep: the slides' setting (128×128×1, batch 4) costs ≈92 GFLOP per training step (DESIGN.md §7
// counts ≈95.7).
func TestGFLOPPerStep(t *testing.T) {
	if got := dcgan.GFLOPPerStep(128, 1, 4); got < 90 || got > 96 {
		t.Errorf("GFLOPPerStep(128, 1, 4) = %.1f, want ≈92", got)
	}
}
