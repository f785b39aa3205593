package nbui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// TestExplorerChecksAndStatic: Show checks the fields everywhere and does nothing else outside a notebook;
// StaticPNG is Static when given, else the Start frame; FrontEnd is false outside a notebook.
func TestExplorerChecksAndStatic(t *testing.T) {
	frame := func(i int) ([]byte, error) { return []byte{byte(i)}, nil }
	for _, c := range []struct {
		e    Explorer
		want string
	}{
		{Explorer{Title: "t", Frame: frame}, "no Labels"},
		{Explorer{Labels: []string{"a", "b"}, Start: 2, Frame: frame}, "Start 2 outside the 2 positions"},
		{Explorer{Labels: []string{"a"}}, "no Frame"},
	} {
		if err := c.e.Show(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: Show error %v, want %q", c.e, err, c.want)
		}
	}
	e := Explorer{Labels: []string{"a", "b", "c"}, Start: 1, Frame: frame}
	if err := e.Show(); err != nil {
		t.Fatalf("outside a notebook: %v", err)
	}
	if b, err := e.StaticPNG(); err != nil || len(b) != 1 || b[0] != 1 {
		t.Errorf("StaticPNG without Static: %v %v, want Frame(Start)", b, err)
	}
	e.Static = func() ([]byte, error) { return nil, errors.New("static called") }
	if _, err := e.StaticPNG(); err == nil || err.Error() != "static called" {
		t.Errorf("StaticPNG with Static: %v", err)
	}
	if FrontEnd() {
		t.Error("FrontEnd outside a notebook")
	}
}

func TestWithin(t *testing.T) {
	if !within(time.Second, func() {}) {
		t.Error("a function that returns at once did not return within a second")
	}
	block := make(chan struct{})
	defer close(block)
	if within(10*time.Millisecond, func() { <-block }) {
		t.Error("a blocked function reported as returned")
	}
}

// TestFrontEndNeedsAJupyterServer: inside a GoNB kernel that no Jupyter server started (nbclient: no
// JPY_SESSION_NAME), FrontEnd answers false at once, without sending anything to the kernel.
func TestFrontEndNeedsAJupyterServer(t *testing.T) {
	saved := gonbui.IsNotebook
	defer func() { gonbui.IsNotebook = saved }()
	gonbui.IsNotebook = true
	t.Setenv(jupyterSessionEnv, "")
	if FrontEnd() {
		t.Error("FrontEnd without JPY_SESSION_NAME")
	}
}
