package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
)

// levelSlices draws n synthetic "slices" of side×side for one volume: a disc of the volume's brightness whose
// radius grows with the level, crossed by a bright bar whose row is the level; levels spread over [-0.5, 1.5].
func levelSlices(n, side int, bright float32, rng *rand.Rand) (px []float32, levels []float64) {
	for range n {
		l := -0.5 + 2*rng.Float64()
		r := float64(side) * (0.2 + 0.1*l)
		bar := int(float64(side) * (0.25 + 0.25*l))
		c := float64(side)/2 + rng.Float64()*4 - 2
		for y := range side {
			for x := range side {
				v := float32(0)
				if (float64(x)-c)*(float64(x)-c)+(float64(y)-c)*(float64(y)-c) <= r*r {
					v = bright
				}
				if y >= bar && y < bar+3 && x > side/4 && x < 3*side/4 {
					v = 1
				}
				px = append(px, v)
			}
		}
		levels = append(levels, l)
	}
	return px, levels
}

// TestMRILevelNet: on synthetic slices whose level is drawn in them, the network trained on two volumes predicts
// the third's levels much better than their mean does, and its features separate low from high slices.
func TestMRILevelNet(t *testing.T) {
	b := backendtest.XLA(t)
	rng := rand.New(rand.NewPCG(5, 6))
	const side = 32 // resized to 64 by the network
	var px []float32
	var levels []float64
	var volumes []string
	for _, v := range []struct {
		name   string
		bright float32
	}{{"a", 0.5}, {"b", 0.7}, {"c", 0.6}} {
		p, l := levelSlices(60, side, v.bright, rng)
		px, levels = append(px, p...), append(levels, l...)
		for range 60 {
			volumes = append(volumes, v.name)
		}
	}
	start := time.Now()
	net, err := TrainMRILevelNet(b, px, 180, side, levels, volumes, []string{"c"}, 60, 1, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s (%.1f s)", net, time.Since(start).Seconds())
	if net.NTrain != 120 || net.NHeldOut != 60 || net.HeldOutMAE > 0.5*net.BaselineMAE {
		t.Errorf("held-out error %.3f, predicting the mean %.3f", net.HeldOutMAE, net.BaselineMAE)
	}
	pred, feats, err := net.Analyze(px[:10*side*side], 10, side)
	if err != nil || len(pred) != 10 || len(feats) != 10*MRIFeatureDim {
		t.Fatalf("Analyze: %v, %d levels, %d features", err, len(pred), len(feats))
	}
	for _, v := range feats {
		if math.IsNaN(float64(v)) {
			t.Fatal("NaN feature")
		}
	}
	if _, err := TrainMRILevelNet(b, px, 180, side, levels, volumes, []string{"a", "b", "c"}, 10, 1, nil); err == nil {
		t.Error("holding out every volume accepted")
	}
}
