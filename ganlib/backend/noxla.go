//go:build !(((linux && amd64) || darwin) && !noxla)

package backend

import "github.com/gomlx/compute"

const xlaCompiled = false

func disableAutoInstall() {}

// withDonation is the identity without XLA (see speed_donate.go).
func withDonation(b compute.Backend) compute.Backend { return b }

func addRegionAnalysisFlag(string) {}
