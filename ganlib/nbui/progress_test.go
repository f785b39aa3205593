package nbui

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A resumed loop (first Update at 41 of 50) shows no rate and no ETA until it has finished a unit of its own,
// and then a rate measured over that unit's time: it used to show 1000 it/s and an ETA of 0 s at its first line.
func TestProgressRateCountsOnlyUnitsAfterTheFirstUpdate(t *testing.T) {
	var buf bytes.Buffer
	p := &Progress{Label: "train", Total: 50, start: time.Now(), out: &buf, lastPct: -1} // plain lines
	p.Update(41, "")
	time.Sleep(250 * time.Millisecond)
	p.Update(45, "") // 90 %: a new tenth, so a plain line is printed
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	if !strings.Contains(lines[0], "41/50") || !strings.Contains(lines[0], "<?, ? it/s]") {
		t.Errorf("first line should have no ETA and no rate yet: %q", lines[0])
	}
	m := regexp.MustCompile(`45/50 \[\d+s<(\d+)s, ([0-9.]+) it/s\]`).FindStringSubmatch(lines[1])
	if m == nil {
		t.Fatalf("second line has no ETA and rate: %q", lines[1])
	}
	rate, _ := strconv.ParseFloat(m[2], 64)
	// 4 units in at least 250 ms: at most 16 it/s (far below the 1000 it/s of a 1 ms stand-in).
	if rate <= 0 || rate > 16.05 {
		t.Errorf("rate %.1f it/s, want in (0, 16]: 4 units over ≥ 250 ms", rate)
	}
	// The ETA is the 5 units left at that rate, rounded to a second (the rate is printed to 0.05 it/s).
	if eta, _ := strconv.Atoi(m[1]); math.Abs(float64(eta)-5/rate) > 0.51+5*0.05/(rate*rate) {
		t.Errorf("ETA %d s for 5 units at %.1f it/s, want %.1f s", eta, rate, 5/rate)
	}
}
