package nbui

import (
	"fmt"
	"html"
	"io"
	"os"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Progress shows the progress of a long loop: an HTML bar updated in place in a notebook, a one-line bar
// rewritten with '\r' on a terminal (the CLI), or a plain line every 10 % (and at least every 30 s) when the
// output is a file or pipe.
type Progress struct {
	Label   string
	Total   int
	start   time.Time
	last    time.Time
	id      string
	out     io.Writer
	isTTY   bool
	lastPct int
	// lastLine is when the plain (file or pipe) display last printed: it prints every 10 % and at least every 30 s.
	lastLine time.Time
	done     bool
	// base is the count at the first Update and baseAt its time: the rate and ETA count only the units finished
	// after it, so that neither a resumed loop's earlier work nor the first unit (often a step that compiles)
	// distorts them. baseAt is zero until the first Update.
	base   int
	baseAt time.Time
}

// NewProgress starts a progress display for total units of work.
func NewProgress(label string, total int) *Progress {
	p := &Progress{Label: label, Total: total, start: time.Now(), out: os.Stderr, lastPct: -1}
	if gonbui.IsNotebook {
		p.id = "ganlab_progress_" + gonbui.UniqueID()
	} else if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		p.isTTY = true
	}
	return p
}

// Update shows that done units are finished, with an optional status text (e.g. the current losses). It
// redraws at most 5 times a second, and always at the end. Call Finish when the loop ends.
func (p *Progress) Update(done int, status string) {
	if p.done {
		return
	}
	now := time.Now()
	if p.baseAt.IsZero() {
		p.base, p.baseAt = done, now
	}
	finished := done >= p.Total
	if !finished && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	elapsed, measured := now.Sub(p.start), now.Sub(p.baseAt)
	frac := float64(done) / float64(max(p.Total, 1))
	eta, rateText := "?", "?"
	if done > p.base && measured > 0 {
		rate := float64(done-p.base) / measured.Seconds()
		eta = time.Duration(float64(p.Total-done) / rate * float64(time.Second)).Round(time.Second).String()
		rateText = fmt.Sprintf("%.1f", rate)
	}
	text := fmt.Sprintf("%s %d/%d [%s<%s, %s it/s] %s", p.Label, done, p.Total,
		elapsed.Round(time.Second), eta, rateText, status)
	switch {
	case p.id != "":
		gonbui.UpdateHTML(p.id, fmt.Sprintf(
			`<div style="font-family:monospace"><progress value="%d" max="%d" style="width:40%%"></progress> %s</div>`,
			done, p.Total, html.EscapeString(text)))
	case p.isTTY:
		const width = 30
		filled := int(frac * width)
		fmt.Fprintf(p.out, "\r%s %3.0f%% |%s%s| %s\033[K", p.Label, 100*frac,
			strings.Repeat("█", filled), strings.Repeat(" ", width-filled), strings.TrimPrefix(text, p.Label+" "))
	default:
		pct := int(frac * 10)
		if pct != p.lastPct || finished || now.Sub(p.lastLine) >= 30*time.Second {
			p.lastPct, p.lastLine = pct, now
			fmt.Fprintln(p.out, text)
		}
	}
}

// Finish ends the display; in a notebook the bar is replaced by a final line that stays in the saved notebook.
func (p *Progress) Finish(status string) {
	if p.done {
		return
	}
	p.done = true
	elapsed := time.Since(p.start).Round(time.Millisecond)
	final := fmt.Sprintf("%s done in %s. %s", p.Label, elapsed, status)
	switch {
	case p.id != "":
		gonbui.UpdateHTML(p.id, "")
		gonbui.Sync() // the bar's removal reaches GoNB before the final line and the cell's end (ShowPNG)
		fmt.Println(final)
	case p.isTTY:
		fmt.Fprintln(p.out)
	}
}
