package models_test

import (
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/models"
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
