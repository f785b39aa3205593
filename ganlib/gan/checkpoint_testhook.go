//go:build ganlabtest

package gan

import (
	"os"
	"time"
)

// SlowSaveEnv is a test hook of binaries built with -tags ganlabtest: when set to a Go duration (e.g. "300ms"),
// Save sleeps that long between writing vars.bin and meta.json into its temporary folder, so that a test can
// SIGKILL a run in the middle of a save (ganlib/cmd/ganlab's TestKill9DuringTrainingAndSaves).
const SlowSaveEnv = "GANLAB_TEST_SLOW_SAVE"

func init() {
	midSave = func() {
		if d, err := time.ParseDuration(os.Getenv(SlowSaveEnv)); err == nil && d > 0 {
			time.Sleep(d)
		}
	}
}
