package main

import (
	"flag"
	"fmt"

	"github.com/ganlab/ganlab/ganlib/backend"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/models"
)

func summary(args []string) error {
	fs := flag.NewFlagSet("summary", flag.ExitOnError)
	channels := fs.Int("channels", 1, "image channels (1 or 3)")
	size := fs.Int("size", 0, "image height and width, 1 to 1024; 0: the model's own size")
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
	rest := fs.Args()
	if name == "" && len(rest) > 0 {
		name = rest[0]
		fs.Parse(rest[1:]) // flags after the name too
		rest = fs.Args()
	}
	c := flagCheck{cmd: "summary"}
	if name == "" {
		c.fail("which model? give one of %s", modelNames())
	}
	if len(rest) > 0 {
		c.fail("unexpected argument(s) %s after the model %s (one model at a time)", quoteAll(rest), name)
	}
	if *channels != 1 && *channels != 3 {
		c.fail("-channels must be 1 or 3, got %d", *channels)
	}
	c.between("size", *size, 0, 1024)
	if c.err != nil {
		return c.err
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
	if note := modelRegistry[name].summaryNote; note != nil {
		fmt.Println(note(g.Total + d.Total))
	}
	fmt.Printf("\nSettings (ganlab train -set name=value):\n%s", indent(gan.FormatSettings(gan.AllSettings(v))))
	return nil
}
