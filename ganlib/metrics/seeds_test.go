package metrics

import (
	"fmt"
	"os"
	"testing"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
)

// TestClassifierSeeds (make test-long: GANLAB_LONG=1) trains the MNIST classifier with 5 seeds and checks that the
// sanity properties of the reference sets hold for every one (checkReferenceReports): the metrics must not depend
// on one lucky classifier. About 2 minutes per seed on 2 cores.
func TestClassifierSeeds(t *testing.T) {
	if os.Getenv("GANLAB_LONG") != "1" {
		t.Skip("set GANLAB_LONG=1 (make test-long) to train the classifier with 5 seeds")
	}
	b := backendtest.XLA(t)
	train := requireData(t, "mnist", "train")
	test := requireData(t, "mnist", "test")
	spec := classifierSpecs["mnist"]
	for _, seed := range []uint64{ClassifierSeed, 1, 2, 3, 4} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			c, err := TrainClassifier(b, train, test, spec.epochs, spec.shift, seed, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("seed %d: test accuracy %.2f%%, FD floor %.3f", seed, 100*c.TestAccuracy(), c.FDFloor())
			if c.TestAccuracy() < spec.minAcc {
				t.Errorf("test accuracy %.4f < %.2f", c.TestAccuracy(), spec.minAcc)
			}
			checkReferenceReports(t, referenceReports(t, b, c, train, test))
		})
	}
}
