package nbui

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/comms"
	"github.com/janpfeifer/gonb/gonbui/widgets"
)

// TuringTest is a visual Turing test: real and generated images shuffled into one grid, numbered 1, 2, … left to
// right and top to bottom; the student marks the numbers they take for generated, and Score says how well the
// marks separate the two. Both sets are images of the same H×W×C with values in [0, 1] (map a generator's
// [-1, 1] first).
//
// In a browser (FrontEnd) Show draws the grid with one toggle button per image and a "Score" button; clicking a
// number frames that image in red, "Score" shows the key and the score. Without a browser (a headless run) it shows
// the grid and the key below it.
type TuringTest struct {
	// Title is shown above the grid (Markdown); empty: none.
	Title string
	// Real and Fake are the images, NHWC; NReal and NFake their counts.
	Real, Fake   []float32
	NReal, NFake int
	H, W, C      int
	// Cols is the grid's width in images (default 8); Scale magnifies each pixel (default as Grid).
	Cols, Scale int
	// Seed draws the shuffle.
	Seed uint64
	// Idle is how long the widget waits for the next click before the cell ends (default DefaultTuringIdle).
	Idle time.Duration
}

// DefaultTuringIdle is how long an unanswered Turing test stays live.
const DefaultTuringIdle = 5 * time.Minute

// IsFake returns, for each position of the shuffled grid, whether the image there is generated.
func (t TuringTest) IsFake() []bool {
	fake := make([]bool, t.NReal+t.NFake)
	for i := range t.NFake {
		fake[t.NReal+i] = true
	}
	rng := rand.New(rand.NewPCG(t.Seed, 0x7475_7269_6e67))
	rng.Shuffle(len(fake), func(i, j int) { fake[i], fake[j] = fake[j], fake[i] })
	return fake
}

func (t TuringTest) check() error {
	size := t.H * t.W * t.C
	switch {
	case t.NReal < 1 || t.NFake < 1 || t.H < 1 || t.W < 1 || (t.C != 1 && t.C != 3):
		return fmt.Errorf("nbui.TuringTest: want real and generated images of H×W×C with C 1 or 3, got %d real and %d generated of %d×%d×%d",
			t.NReal, t.NFake, t.H, t.W, t.C)
	case len(t.Real) < t.NReal*size || len(t.Fake) < t.NFake*size:
		return fmt.Errorf("nbui.TuringTest: %d real and %d generated values for %d and %d images of %d×%d×%d",
			len(t.Real), len(t.Fake), t.NReal, t.NFake, t.H, t.W, t.C)
	}
	return nil
}

// image returns the pixels at grid position k.
func (t TuringTest) image(k int, fake []bool) []float32 {
	size := t.H * t.W * t.C
	r, f := 0, 0 // count the reals and fakes before k
	for _, isFake := range fake[:k] {
		if isFake {
			f++
		} else {
			r++
		}
	}
	if fake[k] {
		return t.Fake[f*size : (f+1)*size]
	}
	return t.Real[r*size : (r+1)*size]
}

// grid lays out the shuffled images.
func (t TuringTest) grid() Grid {
	fake := t.IsFake()
	px := make([]float32, 0, len(fake)*t.H*t.W*t.C)
	for k := range fake {
		px = append(px, t.image(k, fake)...)
	}
	cols := t.Cols
	if cols <= 0 {
		cols = 8
	}
	return Grid{Pixels: px, N: len(fake), H: t.H, W: t.W, C: t.C, Lo: 0, Hi: 1, Cols: min(cols, len(fake)), Scale: t.Scale}
}

// PNG renders the shuffled grid.
func (t TuringTest) PNG() ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.grid().PNG()
}

// Key names the positions (1-based) of the generated images.
func (t TuringTest) Key() string {
	var nums []string
	for k, f := range t.IsFake() {
		if f {
			nums = append(nums, fmt.Sprint(k+1))
		}
	}
	return fmt.Sprintf("generated: %s (the other %d are real)", strings.Join(nums, ", "), t.NReal)
}

// TuringScore counts a student's marks against the key.
type TuringScore struct {
	// Caught: generated images marked; Missed: generated images not marked; Accused: real images marked;
	// Trusted: real images not marked.
	Caught, Missed, Accused, Trusted int
}

// Score scores marked (the 1-based positions marked as generated; repeats and numbers outside the grid are
// errors).
func (t TuringTest) Score(marked []int) (TuringScore, error) {
	fake := t.IsFake()
	seen := map[int]bool{}
	var s TuringScore
	for _, m := range marked {
		if m < 1 || m > len(fake) || seen[m] {
			return s, fmt.Errorf("nbui.TuringTest: marked %v: each position once, from 1 to %d", marked, len(fake))
		}
		seen[m] = true
	}
	for k, f := range fake {
		switch {
		case f && seen[k+1]:
			s.Caught++
		case f:
			s.Missed++
		case seen[k+1]:
			s.Accused++
		default:
			s.Trusted++
		}
	}
	return s, nil
}

// Accuracy is the share of images put on the right side: ½ is guessing, 1 a perfect eye.
func (s TuringScore) Accuracy() float64 {
	return float64(s.Caught+s.Trusted) / float64(s.Caught+s.Missed+s.Accused+s.Trusted)
}

// String says the score in words.
func (s TuringScore) String() string {
	verdict := "about what coin flips would score: the generator fooled you"
	switch a := s.Accuracy(); {
	case a >= 0.9:
		verdict = "the generator did not fool you"
	case a >= 0.7:
		verdict = "you see through the generator more often than not"
	}
	return fmt.Sprintf("you caught %d of %d generated images and accused %d of %d real ones: %.0f%% right (guessing scores about 50%%); %s",
		s.Caught, s.Caught+s.Missed, s.Accused, s.Accused+s.Trusted, 100*s.Accuracy(), verdict)
}

// Show runs the test: the grid with its buttons in a browser, until "Score" is clicked, the widget is left idle
// for Idle, or the cell is interrupted; without a browser, the grid and the key below it. No-op outside a notebook
// (but t is checked everywhere).
func (t TuringTest) Show() error {
	if err := t.check(); err != nil {
		return err
	}
	if !gonbui.IsNotebook {
		return nil
	}
	if t.Title != "" {
		gonbui.DisplayMarkdown(t.Title)
	}
	if !FrontEnd() {
		png, err := t.PNG()
		if err != nil {
			return err
		}
		ShowPNG(png)
		gonbui.DisplayMarkdown(fmt.Sprintf("*No browser shows this cell, so here is the grid with its key (numbered left to right, top to bottom): %s. Open the notebook in Jupyter to take the test.*", t.Key()))
		return nil
	}
	return t.interact()
}

// html draws the grid as a table of numbered images, marked ones framed in red; with key, generated images are
// labelled.
func (t TuringTest) html(marked map[int]bool, key bool) (string, error) {
	fake := t.IsFake()
	g := t.grid()
	cols := g.Cols
	var b strings.Builder
	b.WriteString(`<table style="border-collapse:separate; border-spacing:4px">`)
	for k := range fake {
		if k%cols == 0 {
			b.WriteString("<tr>")
		}
		png, err := Grid{Pixels: t.image(k, fake), N: 1, H: t.H, W: t.W, C: t.C, Lo: 0, Hi: 1, Scale: t.Scale, Pad: 1}.PNG()
		if err != nil {
			return "", err
		}
		border := "3px solid transparent"
		if marked[k+1] {
			border = "3px solid red"
		}
		label := fmt.Sprint(k + 1)
		if key {
			label += map[bool]string{true: " generated", false: " real"}[fake[k]]
		}
		fmt.Fprintf(&b, `<td style="text-align:center; padding:0"><img style="border:%s" src="data:image/png;base64,%s"/><br/>%s</td>`,
			border, base64.StdEncoding.EncodeToString(png), label)
		if k%cols == cols-1 || k == len(fake)-1 {
			b.WriteString("</tr>")
		}
	}
	b.WriteString("</table>")
	return b.String(), nil
}

func (t TuringTest) interact() error {
	uid := gonbui.UniqueID()
	gridID, rowID, scoreID := "ganlab_turing_grid_"+uid, "ganlab_turing_row_"+uid, "ganlab_turing_score_"+uid
	marked := map[int]bool{}
	draw := func(key bool) error {
		h, err := t.html(marked, key)
		if err == nil {
			gonbui.UpdateHTML(gridID, h)
		}
		return err
	}
	if err := draw(false); err != nil {
		return err
	}
	gonbui.UpdateHTML("ganlab_turing_controls_"+uid,
		fmt.Sprintf(`<div id="%s" style="display:flex; flex-wrap:wrap; gap:0.3em; align-items:center">Mark the generated ones: </div>`, rowID))
	n := t.NReal + t.NFake
	clicks := make(chan int, n+1) // position clicked (1-based), 0 for "Score"
	var listeners []*comms.AddressChan[int]
	for k := 1; k <= n; k++ {
		l := widgets.Button(fmt.Sprint(k)).AppendTo(rowID).Done().Listen()
		listeners = append(listeners, l)
		go func() {
			for range l.C {
				clicks <- k
			}
		}()
	}
	score := widgets.Button("Score").AppendTo(rowID).Done().Listen()
	listeners = append(listeners, score)
	go func() {
		for range score.C {
			clicks <- 0
		}
	}()
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	idle := t.Idle
	if idle <= 0 {
		idle = DefaultTuringIdle
	}
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	defer signal.Stop(interrupt)
	timer := time.NewTimer(idle)
	defer timer.Stop()
	for {
		select {
		case k := <-clicks:
			if k > 0 {
				marked[k] = !marked[k]
				if err := draw(false); err != nil {
					return err
				}
				timer.Reset(idle)
				continue
			}
			var list []int
			for m, on := range marked {
				if on {
					list = append(list, m)
				}
			}
			s, err := t.Score(list)
			if err != nil {
				return err
			}
			gonbui.UpdateHTML("ganlab_turing_controls_"+uid, "")
			if err := draw(true); err != nil {
				return err
			}
			gonbui.UpdateHTML(scoreID, "<p><b>"+s.String()+"</b></p>")
			gonbui.Sync()
			return nil
		case <-interrupt:
		case <-timer.C:
		}
		gonbui.UpdateHTML("ganlab_turing_controls_"+uid, "")
		err := draw(true)
		gonbui.UpdateHTML(scoreID, "<p>(closed without a score: run the cell again to take the test; the key is shown)</p>")
		gonbui.Sync()
		return err
	}
}
