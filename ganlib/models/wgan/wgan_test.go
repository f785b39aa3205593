package wgan_test

import (
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
