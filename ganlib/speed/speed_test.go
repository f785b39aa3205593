package speed_test

import (
	"strings"
	"testing"

	"github.com/ganlab/ganlab/ganlib/speed"
)

// TestSwitch: off by default, On and Off set the program's choice, and GANLAB_SPEED, when on or off, wins over it;
// any other value is reported by Check.
func TestSwitch(t *testing.T) {
	t.Setenv(speed.Env, "")
	t.Cleanup(speed.Off)
	if speed.Enabled() {
		t.Fatal("on by default")
	}
	speed.On()
	if !speed.Enabled() {
		t.Fatal("On did not turn it on")
	}
	t.Setenv(speed.Env, "off")
	if speed.Enabled() {
		t.Error("GANLAB_SPEED=off did not win over On")
	}
	speed.Off()
	t.Setenv(speed.Env, "on")
	if !speed.Enabled() {
		t.Error("GANLAB_SPEED=on did not win over Off")
	}
	if err := speed.Check(); err != nil {
		t.Error(err)
	}
	t.Setenv(speed.Env, "fast")
	if err := speed.Check(); err == nil || !strings.Contains(err.Error(), `GANLAB_SPEED="fast"`) {
		t.Errorf("Check: want an error naming GANLAB_SPEED, got %v", err)
	}
}
