//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestSignalReachesHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	h := startHelper(t, "hold", path, "notify")
	h.Expect("ready ")
	pid, err := Signal(path, syscall.SIGTERM)
	if err != nil || pid != h.PID() {
		t.Fatalf("Signal = %d, %v; want %d", pid, err, h.PID())
	}
	h.Expect("signal")
}

func TestVerify(t *testing.T) {
	for _, tc := range []struct {
		name     string
		change   func(t *testing.T, path string)
		replaced bool
	}{
		{"nothing", func(*testing.T, string) {}, false},
		{"rewritten in place", func(t *testing.T, path string) { writeFile(t, path, "1\n") }, false},
		{"rm", func(t *testing.T, path string) { must(t, os.Remove(path)) }, true},
		{"moved away", func(t *testing.T, path string) { must(t, os.Rename(path, path+".old")) }, true},
		{"moved away, new file made", func(t *testing.T, path string) {
			must(t, os.Rename(path, path+".old"))
			writeFile(t, path, "1\n")
		}, true},
		{"replaced by rename", func(t *testing.T, path string) {
			writeFile(t, path+".new", "1\n")
			must(t, os.Rename(path+".new", path))
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			g, err := Claim(path)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			tc.change(t, path)
			err = g.Verify()
			if tc.replaced != errors.Is(err, ErrReplaced) || (!tc.replaced && err != nil) {
				t.Errorf("Verify = %v, want replaced = %v", err, tc.replaced)
			}
		})
	}
}

// util-linux flock(1) holds a lock and writes no PID. The kernel still knows
// who holds it (on Linux); elsewhere the lock alone must still keep Claim out.
func TestFlockUtilityHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	writeFile(t, path, "")
	h := startFlock(t, path, 0)
	cmd := h.Cmd
	r, err := Read(path)
	if lockTable {
		if want := (LockedBy{PID: cmd.Process.Pid, Source: FromKernel}); r != want || err != nil {
			t.Errorf("Read = %#v, %v; want %#v", r, err, want)
		}
	} else if !errors.Is(err, ErrLocked) {
		t.Errorf("Read = %#v, %v; want ErrLocked", r, err)
	}
	_, err = Claim(path)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("Claim = %v, want a LockedError", err)
	}
	if lockTable && le.PID != cmd.Process.Pid {
		t.Errorf("Claim's LockedError names %d, want flock's PID %d", le.PID, cmd.Process.Pid)
	}
	if got := readFile(t, path); got != "" {
		t.Errorf("Claim wrote %q into flock's file", got)
	}
}
