//go:build !(((linux && amd64) || darwin) && !noxla)

package backend

const xlaCompiled = false

func disableAutoInstall() {}
