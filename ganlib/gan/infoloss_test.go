package gan_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"

	. "github.com/gomlx/gomlx/core/graph"
)

func TestInfoLossAgainstHandComputedValues(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		// B = 2, K = 3 categories, L = 2 continuous codes.
		logits := [][]float64{{1, 2, 0.5}, {-1, 0, 3}}
		onehot := [][]float64{{0, 1, 0}, {1, 0, 0}}
		mu := [][]float64{{0.5, -0.2}, {0, 1}}
		c := [][]float64{{0.3, 0.4}, {-0.5, 1}}
		const lc, lk = 1.0, 0.1
		// By hand: −log softmax(logits_b)[label_b].
		ce := 0.0
		var softmax [2][3]float64
		for bi, label := range []int{1, 0} {
			z := 0.0
			for _, v := range logits[bi] {
				z += math.Exp(v)
			}
			for k, v := range logits[bi] {
				softmax[bi][k] = math.Exp(v) / z
			}
			ce += -math.Log(softmax[bi][label]) / 2
		}
		// Example 0: −log(e²/(e + e² + e^0.5)) = 0.4643688…; example 1: −log(e⁻¹/(e⁻¹ + 1 + e³)) = 4.0658839…
		if want := (0.4643688 + 4.0658839) / 2; math.Abs(ce-want) > 1e-6 {
			t.Fatalf("hand cross-entropy %.7f, want %.7f (test arithmetic)", ce, want)
		}
		// ½ Σ_l (c − μ)² per example: ½(0.04 + 0.36) = 0.2 and ½(0.25 + 0) = 0.125; mean 0.1625.
		const gauss = 0.1625
		want := lc*ce + lk*gauss

		e := MustNewExec(b, func(q, oh, m, cc *Node) []*Node {
			l := gan.InfoLoss(q, oh, m, cc, lc, lk)
			grads := Gradient(l, q, m, oh, cc)
			return append([]*Node{l, gan.InfoLoss(q, oh, nil, nil, 2, 0), gan.InfoLoss(nil, nil, m, cc, 0, 3)}, grads...)
		})
		out := e.MustCall(logits, onehot, mu, c)
		if got := out[0].Value().(float64); math.Abs(got-want) > 1e-12 {
			t.Errorf("InfoLoss = %.12f, want %.12f", got, want)
		}
		if got := out[1].Value().(float64); math.Abs(got-2*ce) > 1e-12 {
			t.Errorf("categorical only, λ 2: %.12f, want %.12f", got, 2*ce)
		}
		if got := out[2].Value().(float64); math.Abs(got-3*gauss) > 1e-12 {
			t.Errorf("continuous only, λ 3: %.12f, want %.12f", got, 3*gauss)
		}
		// ∂/∂logits = λ_cat (softmax − onehot)/B; ∂/∂μ = λ_cont (μ − c)/B; none into the codes.
		gq := out[3].Value().([][]float64)
		gm := out[4].Value().([][]float64)
		for bi := range 2 {
			for k := range 3 {
				if w := lc * (softmax[bi][k] - onehot[bi][k]) / 2; math.Abs(gq[bi][k]-w) > 1e-12 {
					t.Errorf("∂/∂logits[%d][%d] = %.12f, want %.12f", bi, k, gq[bi][k], w)
				}
			}
			for l := range 2 {
				if w := lk * (mu[bi][l] - c[bi][l]) / 2; math.Abs(gm[bi][l]-w) > 1e-12 {
					t.Errorf("∂/∂μ[%d][%d] = %.12f, want %.12f", bi, l, gm[bi][l], w)
				}
			}
		}
		for i, g := range out[5:] {
			if s := fmt.Sprint(g.Value()); s != "[[0 0 0] [0 0 0]]" && s != "[[0 0] [0 0]]" {
				t.Errorf("gradient into code #%d = %s, want zeros", i, s)
			}
		}
	})
}

// TestInfoLossStableForLargeLogits: confident, correct logits give ≈ 0 and wrong ones ≈ the logit gap, no Inf/NaN
// (log softmax, not log of softmax).
func TestInfoLossStableForLargeLogits(t *testing.T) {
	b := backendtest.Go(t)
	e := MustNewExec(b, func(q, oh *Node) *Node { return gan.InfoLoss(q, oh, nil, nil, 1, 0) })
	got := e.MustCall([][]float32{{1000, 0}, {0, 1000}}, [][]float32{{1, 0}, {1, 0}})[0].Value().(float32)
	if math.Abs(float64(got)-500) > 1e-3 {
		t.Errorf("InfoLoss with logits ±1000 = %g, want 500 (mean of 0 and 1000)", got)
	}
}

func TestInfoLossBadInput(t *testing.T) {
	b := backendtest.Go(t)
	for name, fn := range map[string]func(q, oh *Node) *Node{
		"shape mismatch": func(q, oh *Node) *Node { return gan.InfoLoss(q, Reshape(oh, 3, 2), nil, nil, 1, 0) },
		"half a pair":    func(q, oh *Node) *Node { return gan.InfoLoss(q, nil, nil, nil, 1, 0) },
		"nothing":        func(q, oh *Node) *Node { return gan.InfoLoss(nil, nil, nil, nil, 1, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "gan.InfoLoss") {
					t.Errorf("panic %v, want one naming gan.InfoLoss", r)
				}
			}()
			MustExecOnce(b, fn, [][]float32{{1, 2, 3}, {4, 5, 6}}, [][]float32{{0, 1, 0}, {1, 0, 0}})
		})
	}
}
