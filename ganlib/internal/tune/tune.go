// Package tune holds ganlab's speed switch, the one state behind package ganlib/speed (read its documentation).
// It is internal so that backend and nn can read the switch without importing the public package; programs turn
// it on through speed.On or GANLAB_SPEED.
package tune

import (
	"fmt"
	"os"
	"sync/atomic"
)

// Env is the environment variable of the switch: "on", "off", or unset (the program's choice, speed.On; off in a
// program that does not call it). It is read here only.
const Env = "GANLAB_SPEED"

// program is the program's choice: 0 none, 1 on, 2 off.
var program atomic.Int32

// Set records the program's choice (speed.On, speed.Off) and returns a function that restores the previous one,
// for tests.
func Set(on bool) (restore func()) {
	v := int32(2)
	if on {
		v = 1
	}
	old := program.Swap(v)
	return func() { program.Store(old) }
}

// On reports whether the tuning is on: GANLAB_SPEED when it is "on" or "off", else the program's choice. A value
// that is neither counts as unset (Check reports it).
func On() bool { return OnIn(os.Getenv(Env)) }

// OnIn is On for a process whose GANLAB_SPEED is value (the environment of a process about to be started).
func OnIn(value string) bool {
	switch value {
	case "on":
		return true
	case "off":
		return false
	}
	return program.Load() == 1
}

// Check returns an error naming GANLAB_SPEED when it is set to anything but "on" or "off".
func Check() error { return CheckValue(os.Getenv(Env)) }

// CheckValue is Check for a value of GANLAB_SPEED.
func CheckValue(value string) error {
	switch value {
	case "", "on", "off":
		return nil
	}
	return fmt.Errorf("%s=%q is not one of on, off", Env, value)
}
