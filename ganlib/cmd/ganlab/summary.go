package main

import (
	"flag"
	"fmt"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/models"
)

func summary(args []string) error {
	fs := flag.NewFlagSet("summary", flag.ExitOnError)
	channels := fs.Int("channels", 1, "image channels (1 or 3)")
	size := fs.Int("size", 0, "image height and width (default: the model's)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: ganlab summary MODEL [flags]\nmodels: %s\n", modelNames())
		fs.PrintDefaults()
	}
	// Accept the model name before or after the flags.
	name := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	fs.Parse(args)
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	if name == "" {
		fs.Usage()
		return fmt.Errorf("summary: which model? (%s)", modelNames())
	}
	v, err := newModel(name, *size, *channels)
	if err != nil {
		return err
	}
	// Shapes only: the graph is built, never compiled, so the pure-Go backend is enough and instant.
	b, err := backend.NewGo()
	if err != nil {
		return err
	}
	defer b.Finalize()
	g, d, err := models.Summarize(b, v)
	if err != nil {
		return err
	}
	fmt.Printf("%s: z [%d] → images %d×%d×%d\n\n%s\n%s\nTotal params (G + D): %s\n", v.Name, v.LatentDim, v.Height, v.Width, v.Channels,
		g, d, models.Commas(g.Total+d.Total))
	return nil
}
