//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows

package pidfile

import (
	"path/filepath"
	"testing"
)

// Status answers as Read does and keeps no lock: a Claim right after it
// succeeds, where one after Read's NotHeld would wait for its Guard.
func TestStatusKeepsNothing(t *testing.T) {
	for _, status := range []func(string) (Result, error){Status, StatusExact} {
		path := filepath.Join(t.TempDir(), "d.pid")
		if r, err := status(path); r != (NotExist{}) || err != nil {
			t.Errorf("no file: %#v, %v; want NotExist", r, err)
		}
		writeFile(t, path, "")
		r, err := status(path)
		if r != (NotHeld{}) || err != nil {
			t.Fatalf("nobody holds it: %#v, %v; want NotHeld with no Guard", r, err)
		}
		// Had Status kept its lock, this Claim would fail after a second.
		g, err := Claim(path)
		if err != nil {
			t.Fatalf("Claim right after Status: %v", err)
		}
		must(t, g.Close())
		h := startHolder(t, path)
		if r, err := status(path); err != nil || r.(LockedBy).PID != h.PID() {
			t.Errorf("held by %d: %#v, %v", h.PID(), r, err)
		}
		h.Exit()
	}
}
