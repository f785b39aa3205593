package data

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// headProfile is a hand-made head-area profile, inferior first: a neck (area rising to 0.42 at the jaw, slice 20),
// a skull-base waist (0.34 at slice 30), the cranium widening to 0.5 (slice 50) and narrowing to nothing at 80.
func headProfile() []float64 {
	a := make([]float64, 90)
	for i := range a {
		switch {
		case i <= 20:
			a[i] = 0.2 + 0.22*float64(i)/20
		case i <= 30:
			a[i] = 0.42 - 0.08*float64(i-20)/10
		case i <= 50:
			a[i] = 0.34 + 0.16*float64(i-30)/20
		case i <= 80:
			a[i] = 0.5 * math.Cos(float64(i-50)/30*math.Pi/2)
		}
	}
	return a
}

func TestCerebrumRange(t *testing.T) {
	a := headProfile()
	lo, hi, peak, waist, ok := cerebrumRange(a, 1)
	if !ok || peak != 50 || waist != 30 {
		t.Fatalf("peak %d waist %d ok %v, want 50, 30, true", peak, waist, ok)
	}
	// lo: the first slice above the waist at 0.34 + 0.75·0.16 = 0.46, i.e. 30 + 0.75·20 = 45.
	// hi: the last slice at 0.42·0.5 = 0.21 or more: cos(x) >= 0.42 for x <= 1.137, 50 + 30·1.137/(π/2) = 71.7.
	if lo != 45 || hi != 71 {
		t.Errorf("range %d..%d, want 45..71", lo, hi)
	}
	// Smoothing over 5 slices moves nothing by more than a slice or two.
	if lo5, hi5, _, _, _ := cerebrumRange(a, 5); lo5 < 43 || lo5 > 47 || hi5 < 69 || hi5 > 73 {
		t.Errorf("smoothed range %d..%d, want about 45..71", lo5, hi5)
	}
	// A volume that starts in the cranium (no waist): the smallest slice below the peak is the waist.
	lo, hi, peak, waist, ok = cerebrumRange(a[40:], 1)
	if !ok || peak != 10 || waist != 0 || lo != 8 || hi != 31 {
		t.Errorf("cranium only: range %d..%d peak %d waist %d, want 8..31, 10, 0", lo, hi, peak, waist)
	}
	if _, _, _, _, ok := cerebrumRange(make([]float64, 10), 3); ok {
		t.Error("an empty profile has a range")
	}
}

// TestMRILevels: a synthetic head (a disc per slice whose area follows headProfile) gets its levels and reasons.
func TestMRILevels(t *testing.T) {
	a := headProfile()
	const side = 40
	var sl []slice2D
	for _, f := range a {
		s := slice2D{h: side, w: side, pix: make([]float32, side*side)}
		r2 := f * side * side / math.Pi
		for y := range side {
			for x := range side {
				dx, dy := float64(x)-side/2+0.5, float64(y)-side/2+0.5
				if dx*dx+dy*dy <= r2 {
					s.pix[y*side+x] = 0.8
				}
			}
		}
		sl = append(sl, s)
	}
	rows := mriLevels("test", sl, 1, MRIOptions{MinFraction: 0.15, Threshold: 0.1, MinPeak: 0.35})
	count := map[string]int{}
	first, last := -1, -1
	for i, r := range rows {
		count[r.Reason]++
		if r.Kept {
			if first < 0 {
				first = i
			}
			last = i
		}
		if r.Index != i || r.Slices != len(a) || r.Volume != "test" {
			t.Fatalf("row %d: %+v", i, r)
		}
	}
	if first < 43 || first > 47 || last < 69 || last > 73 {
		t.Errorf("kept %d..%d, want about 45..71", first, last)
	}
	if rows[first].Level != 0 || rows[last].Level != 1 || rows[10].Level >= 0 || rows[75].Level <= 1 {
		t.Errorf("levels: first %v last %v slice 10 %v slice 75 %v", rows[first].Level, rows[last].Level, rows[10].Level, rows[75].Level)
	}
	if count[MRIBelow] != first || count[MRIEmpty] == 0 || count[MRICap] == 0 || rows[85].Reason != MRIEmpty {
		t.Errorf("reasons %v", count)
	}
	// slices.csv round trip, and errors that name the file.
	dir := t.TempDir()
	rows[50].File = "no/test_050.png"
	if err := writeMRILevels(filepath.Join(dir, mriLevelsFile), rows); err != nil {
		t.Fatal(err)
	}
	back, err := ReadMRISlices(filepath.Join(dir, "no")) // the no/ folder finds the file above it
	if err != nil || len(back) != len(rows) || back[50].File != rows[50].File || !back[50].Kept || back[10].Reason != MRIBelow ||
		math.Abs(back[60].Level-rows[60].Level) > 1e-4 {
		t.Fatalf("read back: %v, %d rows", err, len(back))
	}
	putFile(t, filepath.Join(dir, mriLevelsFile), []byte("file,volume\nx,y\n"))
	if _, err := ReadMRISlices(dir); err == nil || !strings.Contains(err.Error(), mriLevelsFile) {
		t.Errorf("bad header: %v", err)
	}
	os.Remove(filepath.Join(dir, mriLevelsFile))
	if _, err := ReadMRISlices(dir); err == nil || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("missing file: %v", err)
	}
}
