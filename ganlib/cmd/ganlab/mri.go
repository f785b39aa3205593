package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ganlab/ganlab/ganlib/data"
)

// dataMRI is `ganlab data mri --out DIR`: a Kaggle-style folder of real axial brain-MRI slices built from registry
// packages (data.BuildMRI): the slices that cut the cerebrum in DIR/no, the other head slices in DIR/excluded, every
// slice's level in DIR/slices.csv, and optionally a contact sheet of what is kept and what is not.
func dataMRI(args []string) error {
	fs := flag.NewFlagSet("data mri", flag.ExitOnError)
	out := fs.String("out", "", "folder to write (DIR/no/*.png: the training set, DIR/excluded/*.png, DIR/slices.csv, DIR/NOTICE); replaced if it is an earlier build")
	size := fs.Int("size", 128, "side of the square slices in pixels, 8 to 1024")
	offline := fs.Bool("offline", false, "use only sources already present (no apt-get, no npm)")
	sheet := fs.String("sheet", "", "also write a contact sheet of every axial slice to this PNG file: kept (green), excluded (orange), dropped (grey)")
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
	total, excluded := 0, 0
	for _, s := range sources {
		fmt.Printf("%-8s %3d of %3d axial slices cut the cerebrum, %3d other head slices  (%s)\n", s.Name, s.Kept, s.Slices, s.Excluded, s.Origin)
		total += s.Kept
		excluded += s.Excluded
	}
	fmt.Printf("%d slices %d×%d in %s/no (the training set), %d in %s/excluded, levels in %s/slices.csv, NOTICE: origins, licences, rules; %s\n",
		total, *size, *size, *out, excluded, *out, *out, time.Since(t0).Round(time.Millisecond))
	if *sheet != "" {
		b, err := data.MRIContactSheet(*out, 0)
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
