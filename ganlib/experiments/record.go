package experiments

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/ganlab/ganlab/ganlib/internal/project"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// RecordsDir is where the records of the paper-scale runs live, relative to the project folder.
const RecordsDir = "docs/records"

// Record is a paper-scale run as it was recorded: what it measured and what produced it. A notebook whose default
// run is the short lesson shows the record of its long run, so the student sees the paper-scale result and where
// it came from without spending hours on it. Records are JSON files in docs/records; their images are PNG files
// under docs/img.
type Record struct {
	Title   string `json:"title"`
	Command string `json:"command"` // the command (or notebook setting) that trained and scored the run
	Commit  string `json:"commit"`  // the commit of ganlab that produced the numbers below
	Machine string `json:"machine"`
	Date    string `json:"date"`
	Log     string `json:"log"` // the docs page that tells how the run was made and what else was tried
	// Lines are the measurements as the run printed them.
	Lines  []string      `json:"lines"`
	Images []RecordImage `json:"images"`
}

// RecordImage is one recorded figure: a caption and a PNG file relative to the project folder.
type RecordImage struct {
	Caption string `json:"caption"`
	Path    string `json:"path"`
}

// LoadRecord reads a record: name is a file in docs/records without ".json" ("goodfellow-200k"), or a path to a
// JSON file. Every field but Images must be set.
func LoadRecord(name string) (*Record, error) {
	path := name
	if !strings.HasSuffix(name, ".json") {
		path = filepath.Join(project.Home(), RecordsDir, name+".json")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", name, err)
	}
	var r Record
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("record %s: not a record: %v", path, err)
	}
	for _, f := range []struct{ name, value string }{
		{"title", r.Title}, {"command", r.Command}, {"commit", r.Commit}, {"machine", r.Machine}, {"date", r.Date}, {"log", r.Log},
	} {
		if strings.TrimSpace(f.value) == "" {
			return nil, fmt.Errorf("record %s: field %q is missing or empty", path, f.name)
		}
	}
	if len(r.Lines) == 0 {
		return nil, fmt.Errorf("record %s: no measurements (field \"lines\")", path)
	}
	for i, im := range r.Images {
		if im.Path == "" || im.Caption == "" {
			return nil, fmt.Errorf("record %s: image %d needs a path and a caption", path, i+1)
		}
	}
	return &r, nil
}

// Provenance is the record's header: what it is and what produced it.
func (r *Record) Provenance() string {
	return fmt.Sprintf("RECORDED (not run now): %s\n  produced by: %s\n  ganlab commit %s, %s, %s; how the run was made: %s\n",
		r.Title, r.Command, r.Commit, r.Machine, r.Date, r.Log)
}

// Text is the provenance followed by the recorded measurements.
func (r *Record) Text() string {
	var b strings.Builder
	b.WriteString(r.Provenance())
	for _, l := range r.Lines {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// ImagePNG reads the i-th recorded image and checks that it is a PNG file.
func (r *Record) ImagePNG(i int) ([]byte, error) {
	path := filepath.Join(project.Home(), r.Images[i].Path)
	png, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("record %q, image %q: %w", r.Title, r.Images[i].Caption, err)
	}
	if !strings.HasPrefix(string(png), "\x89PNG\r\n\x1a\n") {
		return nil, fmt.Errorf("record %q: %s is not a PNG file", r.Title, path)
	}
	return png, nil
}

// Show prints the record's text and shows its images, each under its caption. In a notebook the text and the
// captions are Markdown displays, so that they stay in order with the images (GoNB's printed output and its
// displays travel apart).
func (r *Record) Show() error {
	say := func(s string) { fmt.Print(s) }
	if nbui.IsNotebook() {
		say = func(s string) { gonbui.DisplayMarkdown("```\n" + strings.TrimRight(s, "\n") + "\n```") }
	}
	say(r.Text())
	for i, im := range r.Images {
		png, err := r.ImagePNG(i)
		if err != nil {
			return err
		}
		say(fmt.Sprintf("recorded: %s (%s)\n", im.Caption, im.Path))
		nbui.ShowPNG(png)
	}
	return nil
}

// ShowRecord loads the record name (LoadRecord) and shows it.
func ShowRecord(name string) error {
	r, err := LoadRecord(name)
	if err != nil {
		return err
	}
	return r.Show()
}
