package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// dataMRI is `ganlab data mri --out DIR`: a Kaggle-style folder of real axial brain-MRI slices built from registry
// packages (data.BuildMRI), and optionally a contact sheet of them.
func dataMRI(args []string) error {
	fs := flag.NewFlagSet("data mri", flag.ExitOnError)
	out := fs.String("out", "", "folder to write (DIR/no/*.png and DIR/NOTICE); replaced if it is an earlier build")
	size := fs.Int("size", 128, "side of the square slices in pixels, 8 to 1024")
	offline := fs.Bool("offline", false, "use only sources already present (no apt-get, no npm)")
	sheet := fs.String("sheet", "", "also write a contact sheet of every slice to this PNG file")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ganlab data mri --out DIR [--size 128] [--offline] [--sheet FILE.png]")
		fs.PrintDefaults()
	}
	fs.Parse(args)
	c := flagCheck{cmd: "data mri"}
	c.noArgs(fs)
	c.required("out", "DIR", *out)
	c.between("size", *size, 8, 1024)
	if c.err != nil {
		return c.err
	}
	opts := []data.Option{data.Logf(func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) })}
	if *offline {
		opts = append(opts, data.Offline())
	}
	t0 := time.Now()
	sources, err := data.BuildMRI(*out, data.MRIOptions{Size: *size}, opts...)
	if err != nil {
		return err
	}
	total := 0
	for _, s := range sources {
		fmt.Printf("%-8s %3d of %3d axial slices  (%s)\n", s.Name, s.Kept, s.Slices, s.Origin)
		total += s.Kept
	}
	fmt.Printf("%d slices %d×%d in %s/no (NOTICE: origins and licences), %s\n", total, *size, *size, *out, time.Since(t0).Round(time.Millisecond))
	if *sheet != "" {
		im, _, err := data.LoadFolder(filepath.Join(*out, "no"), data.FolderOptions{Size: *size, Strict: true})
		if err != nil {
			return err
		}
		b, err := nbui.Grid{Pixels: im.Pixels, N: im.N, H: im.H, W: im.W, C: 1, Lo: 0, Hi: 1, Cols: 16, Pad: 2}.PNG()
		if err != nil {
			return err
		}
		if err := os.WriteFile(*sheet, b, 0o644); err != nil {
			return err
		}
		fmt.Printf("contact sheet: %s\n", *sheet)
	}
	return nil
}
