package lab

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models/vanilla"

	. "github.com/gomlx/gomlx/core/graph"
)

// TestSessionPrintsCollapse: a Session with CollapseEvery prints the monitor's message for a generator that
// ignores z (the healthy case is ganlib/gan's TestCollapseMonitor, on the fast pure-Go backend).
func TestSessionPrintsCollapse(t *testing.T) {
	constant := vanilla.New(28, 28, 1)
	g := constant.Generator
	constant.Generator = func(scope *model.Scope, z *Node, c gan.Cond) *Node { return g(scope, MulScalar(z, 0), c) }
	for _, c := range []struct {
		v    gan.Variant
		want bool
	}{{constant, true}} {
		s := &Session{Dir: filepath.Join(t.TempDir(), "run"), Variant: c.v, Config: gan.Config{Seed: 2, Settings: gan.Settings{gan.SettingBatchSize: 8}},
			Data: randomImages(64), Steps: 4, Quiet: true, CollapseEvery: 2}
		out := captureStdout(t, func() {
			if _, err := s.Run(); err != nil {
				t.Fatal(err)
			}
		})
		if got := strings.Contains(out, "COLLAPSE: step 2: the generator looks collapsed"); got != c.want {
			t.Errorf("constant G %v: collapse printed %v, want %v:\n%s", c.want, got, c.want, out)
		}
	}
}

func captureStdout(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	defer func() { os.Stdout = old }()
	fn()
	w.Close()
	os.Stdout = old
	return <-done
}
