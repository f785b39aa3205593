package wgan_test

import (
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
