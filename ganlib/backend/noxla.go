//go:build !(((linux && amd64) || darwin) && !noxla)

package backend

import "github.com/gomlx/gomlx/backends"

const xlaCompiled = false

func disableAutoInstall() {}

// withDonation is the identity without XLA (see donate.go).
func withDonation(b backends.Backend) backends.Backend { return b }

func addRegionAnalysisFlag(string) {}
