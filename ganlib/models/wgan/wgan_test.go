package wgan_test

import (
	"bytes"
	"image/png"
	"math"
	"testing"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/wgan"
)

// TestVariant: the paper's settings are what the variant carries.
func TestVariant(t *testing.T) {
	v := wgan.New(28, 1)
	if v.ClipWeights != 0.01 || v.CriticSteps != 5 || v.Loss.Name != gan.Wasserstein().Name || v.Penalty != nil {
		t.Errorf("WGAN variant: clip %g, critic steps %d, loss %q, penalty set %v", v.ClipWeights, v.CriticSteps, v.Loss.Name, v.Penalty != nil)
	}
	if cfg := wgan.Config(64, 1); cfg.DOptimizer == nil || cfg.GOptimizer == nil || cfg.BatchSize != 64 {
		t.Errorf("WGAN config: %+v", cfg)
	}
}

// TestCurvePNG: a plot of a short history decodes as a PNG; an empty curve is an error.
func TestCurvePNG(t *testing.T) {
	h := []gan.Record{{Step: 1, WEstimate: 0.5, GradNorm: 2}, {Step: 2, WEstimate: 0.3, GradNorm: 1.5}, {Step: 3, WEstimate: 0.2, GradNorm: 1}}
	raw, err := wgan.CurvePNG(h, 2, "title", "y", 1, wgan.Curve{Name: "W", Value: wgan.WEstimate},
		wgan.Curve{Name: "norm", Value: wgan.GradNorm, History: h[1:]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if _, err := wgan.CurvePNG(nil, 1, "t", "y", math.NaN(), wgan.Curve{Name: "W", Value: wgan.WEstimate}); err == nil {
		t.Error("an empty history was plotted")
	}
}
