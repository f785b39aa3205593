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
	s := gan.AllSettings(v)
	if s[wgan.ParamClip] != 0.01 || s[gan.SettingCriticSteps] != 5 || v.Loss.Name != gan.Wasserstein().Name || len(v.DTerms) != 0 || len(v.DConstraints) != 1 {
		t.Errorf("WGAN variant: settings %v, loss %q, %d D terms, %d D constraints", s, v.Loss.Name, len(v.DTerms), len(v.DConstraints))
	}
	if s["optimizer"] != "rmsprop" || s["learning_rate"] != 5e-5 {
		t.Errorf("WGAN optimizer settings: %v", s)
	}
}

// TestCurvePNG: a plot of a short history decodes as a PNG; an empty curve is an error.
func TestCurvePNG(t *testing.T) {
	gn := func(x float64) map[string]float64 { return map[string]float64{"grad_norm": x} }
	h := []gan.Record{{Step: 1, WEstimate: 0.5, Terms: gn(2)}, {Step: 2, WEstimate: 0.3, Terms: gn(1.5)}, {Step: 3, WEstimate: 0.2, Terms: gn(1)}}
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
