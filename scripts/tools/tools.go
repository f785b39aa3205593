//go:build tools

// Package tools pins the versions of the Go programs the ganlab set-up builds into .local/bin
// (GoNB and the goimports/gopls it runs). scripts/setup.sh builds them with `go build` from this module,
// which works where `go install pkg@version` cannot (the module proxy here refuses its deprecation look-up).
package tools

import (
	_ "github.com/janpfeifer/gonb"
	_ "golang.org/x/tools/cmd/goimports"
	_ "golang.org/x/tools/gopls"
)
