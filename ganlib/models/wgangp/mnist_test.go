package wgangp_test

import (
	"math"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/wgan"
	"github.com/ganlab/ganlab/ganlib/models/wgangp"
)

func randomData(n, size int) []float32 {
	px := make([]float32, n*size*size)
	for i := range px {
		px[i] = float32((i*7919)%101) / 100
	}
	return px
}

// TestTrainSmoke: WGAN and WGAN-GP take steps on XLA: finite losses, WGAN's critic weights clipped, WGAN-GP's
// gradient norm recorded, and W estimate = −D loss for WGAN.
func TestTrainSmoke(t *testing.T) {
	b := backendtest.XLA(t)
	for _, c := range []struct {
		v   gan.Variant
		cfg gan.Config
	}{{wgan.New(8, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}}}, {wgangp.New(8, 1), gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: 4}}}} {
		t.Run(c.v.Name, func(t *testing.T) {
			tr, err := gan.New(b, c.v, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.SetData(randomData(16, 8), 16, 8, 8, 1, 0, 1); err != nil {
				t.Fatal(err)
			}
			if err := tr.Train(2); err != nil {
				t.Fatal(err)
			}
			for _, r := range tr.History {
				if len(c.v.DTerms) == 0 && math.Abs(r.WEstimate+r.DLoss) > 1e-5 {
					t.Errorf("WGAN step %d: W estimate %g is not −D loss %g", r.Step, r.WEstimate, r.DLoss)
				}
				if len(c.v.DTerms) > 0 && !(r.Term("grad_norm") > 0) {
					t.Errorf("WGAN-GP step %d: gradient norm %g not recorded", r.Step, r.Term("grad_norm"))
				}
			}
			if len(c.v.DConstraints) > 0 {
				for name, vals := range tr.VariableValues(gan.DiscriminatorScope) {
					for _, x := range vals {
						if math.Abs(float64(x)) > wgan.ClipValue+1e-9 {
							t.Fatalf("critic variable %s holds %g", name, x)
						}
					}
				}
			}
		})
	}
}
