//go:build unix

package logfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Open takes a log of root's or the caller's that nobody else may write, a
// terminal or /dev/null, and refuses the rest, saying why.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, perm os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pidfile := file("d.pid", 0o644)
	linked := file("linked.log", 0o644)
	if err := os.Link(linked, filepath.Join(dir, "second-name")); err != nil {
		t.Fatal(err)
	}
	locked := file("other.pid", 0o644)
	fd, err := unix.Open(locked, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(dir, "final.log")
	if err := os.Symlink(file("target.log", 0o644), final); err != nil {
		t.Fatal(err)
	}
	for path, says := range map[string]string{
		file("group.log", 0o620):  "is writable by its group (mode 0620)",
		file("others.log", 0o606): "is writable by others (mode 0606)",
		linked:                    "2 hard links",
		pidfile:                   "this is " + pidfile,
		locked:                    "holds a lock on it",
		final:                     "symbolic links",
		dir + "/":                 "not a file name",
		dir:                       "is a directory",
		"/dev/zero":               "neither a terminal nor /dev/null",
	} {
		if f, err := Open(path, pidfile); err == nil || !strings.Contains(err.Error(), says) {
			if f != nil {
				f.Close()
			}
			t.Errorf("Open(%s) = %v; want an error saying %q", path, err, says)
		}
	}
	for _, path := range []string{filepath.Join(dir, "new.log"), file("mine.log", 0o644), os.DevNull} {
		f, err := Open(path, pidfile)
		if err != nil {
			t.Errorf("Open(%s): %v", path, err)
			continue
		}
		f.Close()
	}
	if fi, err := os.Stat(filepath.Join(dir, "new.log")); err != nil || fi.Mode().Perm()&^0o640 != 0 {
		t.Errorf("a new log: %v, %v; want mode 0640 at most", fi, err)
	}
}
