//go:build ((linux && amd64) || darwin) && !noxla

package backend

import "github.com/gomlx/go-xla/compute/xla"

const xlaCompiled = true

// disableAutoInstall stops GoMLX from downloading PJRT plugins from the network on its own.
func disableAutoInstall() { xla.EnableAutoInstall(false) }
