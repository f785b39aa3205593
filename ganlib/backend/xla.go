//go:build ((linux && amd64) || darwin) && !noxla

package backend

import "github.com/gomlx/gomlx/backends/xla"

const xlaCompiled = true

// disableAutoInstall stops GoMLX from downloading PJRT plugins from the network on its own.
func disableAutoInstall() { xla.EnableAutoInstall(false) }
