package gan_test

import (
	"math"
	"testing"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"

	. "github.com/gomlx/gomlx/core/graph"
)

func TestWassersteinAgainstHandComputedValues(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		// Critic scores are raw (no sigmoid): they may be large and of either sign.
		realS := []float32{2, -1, 4.5}
		fakeS := []float32{0.5, -3, 10}
		// L_D = mean(fake) − mean(real) = 7.5/3 − 5.5/3 = 2/3; L_G = −mean(fake) = −2.5.
		const wantD, wantG = 2.0 / 3, -2.5
		l := gan.Wasserstein()
		if l.Name != "wasserstein" {
			t.Errorf("name %q", l.Name)
		}
		e := MustNewExec(b, func(r, f *Node) []*Node {
			d, g := l.Discriminator(r, f), l.Generator(f)
			grads := Gradient(d, r, f)
			return []*Node{d, g, grads[0], grads[1], Gradient(g, f)[0]}
		})
		out := e.MustCall(realS, fakeS)
		if got := float64(out[0].Value().(float32)); math.Abs(got-wantD) > 1e-6 {
			t.Errorf("critic loss %.7f, want %.7f", got, wantD)
		}
		if got := float64(out[1].Value().(float32)); math.Abs(got-wantG) > 1e-6 {
			t.Errorf("generator loss %.7f, want %.7f", got, wantG)
		}
		// ∂L_D/∂real = −1/B, ∂L_D/∂fake = +1/B, ∂L_G/∂fake = −1/B.
		for i, want := range []float64{-1.0 / 3, 1.0 / 3, -1.0 / 3} {
			for j, v := range out[2+i].Value().([]float32) {
				if math.Abs(float64(v)-want) > 1e-6 {
					t.Errorf("gradient #%d[%d] = %g, want %g", i, j, v, want)
				}
			}
		}
		// [B, 1] scores (a Dense(1) head) give the same values.
		e2 := MustNewExec(b, func(r, f *Node) *Node { return l.Discriminator(r, f) })
		got := e2.MustCall([][]float32{{2}, {-1}, {4.5}}, [][]float32{{0.5}, {-3}, {10}})[0].Value().(float32)
		if math.Abs(float64(got)-wantD) > 1e-6 {
			t.Errorf("critic loss on [B,1] scores %.7f, want %.7f", got, wantD)
		}
	})
}
