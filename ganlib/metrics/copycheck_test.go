package metrics

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
)

// TestCheckCopies: samples that are training images plus faint noise are judged copies; fresh draws from the
// same distribution as the training images are not; images far from everything are said to be unlike the data.
func TestCheckCopies(t *testing.T) {
	b := backendtest.Go(t)
	const dim, nt = 64, 40
	rng := rand.New(rand.NewPCG(3, 4))
	draw := func(n int) []float32 { return parzenRandom(rng, n, dim) }
	train, heldOut := draw(nt), draw(30)
	copies := make([]float32, 20*dim)
	for i := range copies {
		copies[i] = train[i%(nt*dim)] + 0.01*float32(rng.NormFloat64())
	}
	c, err := CheckCopies(b, copies, 20, train, nt, heldOut, 30, dim)
	if err != nil {
		t.Fatal(err)
	}
	if c.Ratio() > 0.2 || c.NearCopies != 20 || !strings.Contains(c.Verdict(), "COPIES") || c.Nearest[3] != 3 {
		t.Errorf("copies: ratio %.2f, near copies %d, nearest of sample 3: %d; %s", c.Ratio(), c.NearCopies, c.Nearest[3], c.Verdict())
	}
	fresh, err := CheckCopies(b, draw(30), 30, train, nt, heldOut, 30, dim)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Ratio() < 0.8 || fresh.Ratio() > 1.25 || !strings.Contains(fresh.Verdict(), "no sign of copying") {
		t.Errorf("fresh draws: ratio %.2f; %s", fresh.Ratio(), fresh.Verdict())
	}
	far := make([]float32, 10*dim)
	for i := range far {
		far[i] = 5
	}
	if f, _ := CheckCopies(b, far, 10, train, nt, heldOut, 30, dim); !strings.Contains(f.Verdict(), "do not look like the data") {
		t.Errorf("far samples: %s", f.Verdict())
	}
	if _, err := CheckCopies(b, copies, 20, train, nt, nil, 0, dim); err == nil {
		t.Error("no held-out images accepted")
	}
}
