//go:build !(linux && cgo)

package backend

// mallocHugeProbe needs cgo on Linux; elsewhere it reports no probe.
func mallocHugeProbe() (huge, total int64, err error) { return 0, 0, nil }
