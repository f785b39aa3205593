//go:build !linux

package main

import "os/exec"

// killWithParent is Linux-only (Pdeathsig); elsewhere an interrupted bench may leave its current child running.
func killWithParent(*exec.Cmd) {}
