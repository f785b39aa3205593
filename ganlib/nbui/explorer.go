package nbui

import (
	"fmt"
	"html"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/comms"
	"github.com/janpfeifer/gonb/gonbui/dom"
	"github.com/janpfeifer/gonb/gonbui/widgets"
)

// Explorer is an image that a control in the notebook chooses: a GoNB slider (gonbui/widgets.Slider) over
// positions 0 … len(Labels)−1, or a drop-down (widgets.Select) of Labels, with the image of the chosen position
// below it, re-rendered by Frame whenever the control moves. A "Done" button beside the control ends the cell.
//
// Without a browser (a headless run under nbclient, `make test`, nbconvert) nothing can move the control: Show
// then displays the Static image (say, every position side by side) and returns at once, so a notebook never
// hangs waiting for a user. Outside a notebook Show does nothing (STYLE §8).
//
// One helper serves every "move one thing, see G's answer" widget; each is a few lines:
//
//	// cGAN: a class to choose; Static shows one row per class.
//	nbui.Explorer{Title: "**G(z, y) for the class you choose**", Labels: classNames, Select: true,
//		Frame:  func(i int) ([]byte, error) { return classGridPNG(i) },
//		Static: allClassesPNG}.Show()
//
//	// InfoGAN: one continuous code from −1 to 1 in 9 positions; Static shows the whole walk as one row.
//	values := []float32{-1, -0.75, …, 1}
//	nbui.Explorer{Title: "**Moving code c₁**", Labels: labelsOf(values),
//		Frame:  func(i int) ([]byte, error) { return codeGridPNG(values[i]) },
//		Static: codeWalkPNG}.Show()
//
// lab.LatentWalk (between two z) and lab.EpochExplorer (over a run's saved grids) are built this way.
type Explorer struct {
	// Title is shown above the control (Markdown); empty: none.
	Title string
	// Labels name the positions: the slider has len(Labels) positions and the current label is written above the
	// image; a Select lists them.
	Labels []string
	// Select makes the control a drop-down instead of a slider.
	Select bool
	// Start is the position shown first.
	Start int
	// Frame renders the PNG of position i (0 ≤ i < len(Labels)).
	Frame func(i int) ([]byte, error)
	// Static renders the PNG shown instead of the control when no browser answers; nil: Frame(Start).
	Static func() ([]byte, error)
	// Idle is how long the control stays live after its last move before the cell ends (default DefaultIdle);
	// the Done button or interrupting the cell ends it sooner. The image of the last position stays.
	Idle time.Duration
}

// DefaultIdle is Explorer's default Idle: long enough to play, short enough that "Run All" moves on.
const DefaultIdle = 90 * time.Second

// frontEndWait is how long FrontEnd waits for the browser's answer after the kernel has tried to connect, and
// widgetWait how long a widget may take to appear once a browser has answered.
const (
	frontEndWait = 4 * time.Second
	widgetWait   = 15 * time.Second
)

// jupyterSessionEnv is set by a Jupyter server in the environment of the kernels it starts.
const jupyterSessionEnv = "JPY_SESSION_NAME"

var frontEnd struct {
	once sync.Once
	ok   bool
}

// FrontEnd reports whether a browser shows this notebook cell and answers widget messages (GoNB's comms).
//
// gonbui.IsNotebook alone cannot tell: it is true in a headless run too (nbclient starts the same kernel), where
// a widget's Done() would wait forever for a browser. So FrontEnd is false outside a notebook, and false at once
// when the kernel was not started by a Jupyter server: the server gives its kernels JPY_SESSION_NAME (the
// notebook's path, which GoNB reads too), nbclient, nbconvert and papermill do not, and GoNB's widgets reach the
// browser only through a Jupyter server. Otherwise it asks once per cell program: it subscribes to an address,
// which makes the kernel connect its WebSocket to the browser (the kernel gives up after a few seconds when there
// is none), then runs a line of JavaScript that sends a value back to that address, and waits a few seconds for
// it.
func FrontEnd() bool {
	if !gonbui.IsNotebook || os.Getenv(jupyterSessionEnv) == "" {
		return false
	}
	frontEnd.once.Do(func() {
		address := "/ganlab/probe/" + gonbui.UniqueID()
		answers := comms.Listen[int](address)
		defer answers.Close()
		dom.TransientJavascript(fmt.Sprintf(`globalThis?.gonb_comm?.send(%q, 1);`, address))
		select {
		case <-answers.C:
			frontEnd.ok = true
		case <-time.After(frontEndWait):
		}
	})
	return frontEnd.ok
}

// check reports what is wrong with e's fields, nil when nothing.
func (e Explorer) check() error {
	switch {
	case len(e.Labels) == 0:
		return fmt.Errorf("nbui.Explorer %q: no Labels (one per position of the control)", e.Title)
	case e.Start < 0 || e.Start >= len(e.Labels):
		return fmt.Errorf("nbui.Explorer %q: Start %d outside the %d positions", e.Title, e.Start, len(e.Labels))
	case e.Frame == nil:
		return fmt.Errorf("nbui.Explorer %q: no Frame function", e.Title)
	}
	return nil
}

// StaticPNG is the image that stands for the control when no browser answers: Static(), or Frame(Start).
func (e Explorer) StaticPNG() ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	if e.Static != nil {
		return e.Static()
	}
	return e.Frame(e.Start)
}

// Show displays the control and its image and re-renders the image at every move until the control is left idle
// for Idle, Done is clicked or the cell is interrupted; without a browser it shows StaticPNG and returns. No-op
// outside a notebook (but e is checked everywhere).
func (e Explorer) Show() error {
	if err := e.check(); err != nil {
		return err
	}
	if !gonbui.IsNotebook {
		return nil
	}
	if e.Title != "" {
		gonbui.DisplayMarkdown(e.Title)
	}
	if !FrontEnd() {
		return e.showStatic()
	}
	return e.interact()
}

func (e Explorer) showStatic() error {
	png, err := e.StaticPNG()
	if err != nil {
		return err
	}
	kind := "slider"
	if e.Select {
		kind = "menu"
	}
	gonbui.DisplayMarkdown(fmt.Sprintf("*(No browser is showing this cell, so a static image stands for the %s: open the notebook in Jupyter to move it.)*", kind))
	ShowPNG(png)
	return nil
}

// within runs f and reports whether it returned within d (f keeps running in the background when it did not).
func within(d time.Duration, f func()) bool {
	finished := make(chan struct{})
	go func() {
		f()
		close(finished)
	}()
	select {
	case <-finished:
		return true
	case <-time.After(d):
		return false
	}
}

func (e Explorer) interact() error {
	uid := gonbui.UniqueID()
	controls, row, frameID := "ganlab_controls_"+uid, "ganlab_controls_row_"+uid, "ganlab_frame_"+uid
	gonbui.UpdateHTML(controls, fmt.Sprintf(`<div id="%s" style="display:flex; gap:1em; align-items:center"></div>`, row))
	var moves, done *comms.AddressChan[int]
	built := within(widgetWait, func() {
		if e.Select {
			moves = widgets.Select(e.Labels).SetDefault(e.Start).AppendTo(row).Done().Listen()
		} else {
			moves = widgets.Slider(0, len(e.Labels)-1, e.Start).AppendTo(row).Done().Listen()
		}
		done = widgets.Button("Done").AppendTo(row).Done().Listen()
	})
	if !built {
		gonbui.UpdateHTML(controls, "")
		return e.showStatic()
	}
	moves.LatestOnly()
	defer moves.Close()
	defer done.Close()

	current := e.Start
	show := func(note string) error {
		png, err := e.Frame(current)
		if err != nil {
			return err
		}
		gonbui.UpdateHTML(frameID, fmt.Sprintf(`<div><b>%s</b>%s</div>%s`, html.EscapeString(e.Labels[current]),
			html.EscapeString(note), ImageHTML("image/png", png, e.Labels[current])))
		return nil
	}
	if err := show(""); err != nil {
		return err
	}
	idle := e.Idle
	if idle <= 0 {
		idle = DefaultIdle
	}
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	defer signal.Stop(interrupt)
	timer := time.NewTimer(idle)
	defer timer.Stop()
loop:
	for {
		select {
		case i, ok := <-moves.C:
			if !ok {
				break loop
			}
			current = min(max(i, 0), len(e.Labels)-1)
			if err := show(""); err != nil {
				return err
			}
			timer.Reset(idle)
		case <-done.C:
			break loop
		case <-interrupt:
			break loop
		case <-timer.C:
			break loop
		}
	}
	gonbui.UpdateHTML(controls, "") // a control nobody listens to any more would only mislead
	err := show(" (closed: run the cell again to explore)")
	gonbui.Sync()
	return err
}
