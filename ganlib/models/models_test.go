package models_test

import (
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/models/infogan"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"
)

// TestVanillaSummary: per-layer parameters and output shapes of the vanilla GAN, computed by hand.
func TestVanillaSummary(t *testing.T) {
	b, err := backend.NewGo()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	for _, c := range []int{1, 3} {
		g, d, err := models.Summarize(b, vanilla.New(28, 28, c))
		if err != nil {
			t.Fatal(err)
		}
		pixels := 28 * 28 * c
		wantG := []int{100*256 + 256, 0, 256*512 + 512, 0, 512*1024 + 1024, 0, 1024*pixels + pixels, 0, 0}
		wantD := []int{0, pixels*512 + 512, 0, 0, 512*256 + 256, 0, 0, 256 + 1}
		check := func(s models.NetSummary, want []int, lastShape string) {
			if len(s.Rows) != len(want) {
				t.Fatalf("%s (c=%d): %d layers, want %d", s.Name, c, len(s.Rows), len(want))
			}
			total := 0
			for i, w := range want {
				if s.Rows[i].Params != w {
					t.Errorf("%s layer %s: %d params, want %d", s.Name, s.Rows[i].Layer, s.Rows[i].Params, w)
				}
				total += w
			}
			if s.Total != total {
				t.Errorf("%s total %d, want %d", s.Name, s.Total, total)
			}
			if got := s.Rows[len(s.Rows)-1].OutputShape; got != lastShape {
				t.Errorf("%s output %s, want %s", s.Name, got, lastShape)
			}
		}
		check(g, wantG, "(None, 28, 28, "+string(rune('0'+c))+")")
		check(d, wantD, "(None, 1)")
		if !strings.HasPrefix(g.Rows[0].Layer, "000_dense") || !strings.Contains(g.String(), "Total params: "+models.Commas(g.Total)) {
			t.Errorf("summary table:\n%s", g)
		}
	}
	if models.Commas(27265281) != "27,265,281" || models.Commas(7) != "7" {
		t.Error("Commas")
	}
}

// TestConditionalSummary: Summarize builds a variant whose G takes a condition and whose D has a Q head (InfoGAN),
// and counts their parameters as computed by hand.
func TestConditionalSummary(t *testing.T) {
	b, err := backend.NewGo()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	g, d, err := models.Summarize(b, infogan.New(28, 1))
	if err != nil {
		t.Fatal(err)
	}
	// G: Dense(7·7·64) of z (62) and of c (10 + 2), BatchNorm(64), Conv2DTranspose(32, 4) from 64, BatchNorm(32),
	// Conv2DTranspose(1, 4) from 32.
	wantG := (62*3136 + 3136) + (12*3136 + 3136) + 2*64 + (16*64*32 + 32) + 2*32 + (16*32 + 1)
	// D: Conv2D(32, 4) from 1, Conv2D(64, 4) from 32, BatchNorm(64), Dense(256) from 7·7·64, BatchNorm(256), D's
	// Dense(1); Q: Dense(64), BatchNorm(64), Dense(10), Dense(2).
	wantD := (16*32 + 32) + (16*32*64 + 64) + 2*64 + (3136*256 + 256) + 2*256 + 257 + (256*64 + 64) + 2*64 + 650 + 130
	if g.Total != wantG || d.Total != wantD {
		t.Errorf("infogan: G %d, D %d parameters; want %d, %d", g.Total, d.Total, wantG, wantD)
	}
	if got := g.Output; len(got) != 4 || got[1] != 28 || got[3] != 1 {
		t.Errorf("infogan G output %v, want [2 28 28 1]", got)
	}
}
