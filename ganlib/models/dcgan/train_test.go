package dcgan_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/dcgan"
)

// randomImages returns n images of size×size×c with pixels in [0, 1].
func randomImages(n, size, c int) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	px := make([]float32, n*size*size*c)
	for i := range px {
		px[i] = rng.Float32()
	}
	return px
}

// TestTrainSmoke: the DCGANs (dcgan-da with its augmentation in both steps) take training steps at a small size (8×8) on XLA: losses finite, the samples in
// [-1, 1] and moved by training, the Radford G's BatchNorm moving statistics updated and used for sampling.
func TestTrainSmoke(t *testing.T) {
	b := backendtest.XLA(t)
	for _, v := range []gan.Variant{dcgan.Lecture(8, 1), dcgan.Radford(8, 3), dcgan.SmallAugmented(8, 1)} {
		t.Run(v.Name, func(t *testing.T) {
			tr, err := gan.New(b, v, gan.Config{Seed: 3, Settings: gan.Settings{gan.SettingBatchSize: 4}})
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.SetData(randomImages(16, 8, v.Channels), 16, 8, 8, v.Channels, 0, 1); err != nil {
				t.Fatal(err)
			}
			before, err := tr.Samples()
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Train(3); err != nil {
				t.Fatal(err)
			}
			for _, r := range tr.History {
				if math.IsNaN(r.DLoss) || math.IsNaN(r.GLoss) || r.DLoss <= 0 || r.GLoss <= 0 {
					t.Errorf("step %d: D loss %g, G loss %g", r.Step, r.DLoss, r.GLoss)
				}
			}
			after, err := tr.Samples()
			if err != nil {
				t.Fatal(err)
			}
			moved := 0.0
			for i, p := range after {
				if p < -1 || p > 1 || math.IsNaN(float64(p)) {
					t.Fatalf("sample value %g outside [-1, 1]", p)
				}
				moved = max(moved, math.Abs(float64(p-before[i])))
			}
			if moved == 0 {
				t.Error("three steps left G's samples unchanged")
			}
		})
	}
}

// BenchmarkLectureStep times one training step (D update + G update) of the slides' DCGAN on XLA CPU after two
// warm-up steps (the first compiles). Sizes and batch from DCGAN_BENCH="size:batch,..." (default 28:16,32:16);
// the lecture's own setting is 128:4:
//
//	DCGAN_BENCH=128:4 go test -run NONE -bench LectureStep -benchtime 3x ./ganlib/models/dcgan
func BenchmarkLectureStep(b *testing.B) {
	be := backendtest.XLA(b)
	spec := os.Getenv("DCGAN_BENCH")
	if spec == "" {
		spec = "28:16,32:16"
	}
	var size, batch int
	for _, item := range strings.Split(spec, ",") {
		if _, err := fmt.Sscanf(item, "%d:%d", &size, &batch); err != nil {
			b.Fatalf("DCGAN_BENCH item %q: want size:batch", item)
		}
		b.Run(strconv.Itoa(size)+"x"+strconv.Itoa(size)+"_B"+strconv.Itoa(batch), func(b *testing.B) {
			v := dcgan.Lecture(size, 1)
			tr, err := gan.New(be, v, gan.Config{Seed: 1, Settings: gan.Settings{gan.SettingBatchSize: batch}})
			if err != nil {
				b.Fatal(err)
			}
			n := 2 * batch
			if err := tr.SetData(randomImages(n, size, 1), n, size, size, 1, 0, 1); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if err := tr.Train(2); err != nil {
				b.Fatal(err)
			}
			b.Logf("compile + 2 warm-up steps: %v", time.Since(start).Round(time.Millisecond))
			b.ResetTimer()
			if err := tr.Train(2 + b.N); err != nil {
				b.Fatal(err)
			}
			perStep := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(perStep*1e3, "ms/step")
			b.ReportMetric(dcgan.GFLOPPerStep(size, 1, batch)/perStep, "GFLOP/s")
		})
	}
}
