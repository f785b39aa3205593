package bench_test

import (
	"math"
	"testing"
	"time"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/bench"
	"github.com/ganlab/ganlab/ganlib/models"
	"github.com/ganlab/ganlab/ganlib/models/dcgan"
)

// The FLOP count from the layer lists agrees with dcgan.GFLOPPerStep for the lecture's model, and with a count by
// hand for the MLP GAN.
func TestGFLOPPerStep(t *testing.T) {
	for _, b := range []int{4, 16} {
		m, err := bench.Find(map[int]string{4: "lecture-b4", 16: "lecture-b16"}[b])
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.GFLOPPerStep(), dcgan.GFLOPPerStep(128, 1, b); math.Abs(got-want) > 1e-9*want {
			t.Errorf("%s: %g GFLOP/step, dcgan.GFLOPPerStep says %g", m.Name, got, want)
		}
	}
	m, _ := bench.Find("mlp")
	g := 2.0 * (100*256 + 256*512 + 512*1024 + 1024*784)
	d := 2.0 * (784*512 + 512*256 + 256*1)
	if got, want := m.GFLOPPerStep(), 64*(4*g+9*d)/1e9; math.Abs(got-want) > 1e-12 {
		t.Errorf("mlp: %g GFLOP/step, want %g", got, want)
	}
	if _, err := bench.Find("nope"); err == nil {
		t.Error("Find(nope) should fail")
	}
}

// Each model's layer list matches its ganlib networks: the parameter count implied by the list (weights of dense
// and conv layers plus one bias per output channel) equals the summary of the built variant.
func TestLayerListsMatchNetworks(t *testing.T) {
	b := backendtest.Go(t)
	for _, m := range bench.Models() {
		gs, ds, err := models.Summarize(b, m.Variant())
		if err != nil {
			t.Fatal(err)
		}
		params := func(ops []bench.Op) int {
			n := 0
			for _, o := range ops {
				n += o.Cout
				if o.Kind == "dense" {
					n += o.Cin * o.Cout
				} else {
					n += o.K * o.K * o.Cin * o.Cout
				}
			}
			return n
		}
		if got := params(m.G); got != gs.Total {
			t.Errorf("%s: G layer list implies %d parameters, the network has %d", m.Name, got, gs.Total)
		}
		if got := params(m.D); got != ds.Total {
			t.Errorf("%s: D layer list implies %d parameters, the network has %d", m.Name, got, ds.Total)
		}
	}
}

// Measure runs full steps on both backends (XLA: one short run, as compiling dominates) and honours the step
// count and the time budget.
func TestMeasure(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		m, _ := bench.Find("mlp")
		m.Batch = 8
		tm, err := bench.Measure(b, m, 1, 3, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if tm.FirstMS <= 0 || len(tm.StepMS) != 3 || tm.Median() <= 0 {
			t.Errorf("want a first step and 3 timed steps, got %+v", tm)
		}
		if b.Name() != "go" {
			return
		}
		tm, err = bench.Measure(b, m, 0, 50, 2, time.Nanosecond)
		if err != nil {
			t.Fatal(err)
		}
		if len(tm.StepMS) != 2 {
			t.Errorf("a spent budget should stop after -min-steps = 2 timed steps, got %d", len(tm.StepMS))
		}
	})
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := bench.Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %g, want %g", c.in, got, c.want)
		}
	}
}
