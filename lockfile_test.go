//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// unsafePaths builds one of each kind of final component that Claim and Read
// refuse, and returns a check that what lies behind it is unchanged.
func unsafePaths(t *testing.T) map[string]struct {
	path      string
	unchanged func(t *testing.T)
} {
	dir := t.TempDir()
	target := filepath.Join(dir, "passwd")
	writeFile(t, target, secret)
	targetSame := func(t *testing.T) {
		if got := readFile(t, target); got != secret {
			t.Errorf("the file behind the path changed to %q", got)
		}
	}
	nothing := func(*testing.T) {}

	link := filepath.Join(dir, "link.pid")
	must(t, os.Symlink(target, link))
	dangling := filepath.Join(dir, "dangling.pid")
	danglingTarget := filepath.Join(dir, "created-through-link")
	must(t, os.Symlink(danglingTarget, dangling))
	sub := filepath.Join(dir, "dir.pid")
	must(t, os.Mkdir(sub, 0o755))
	fifo := filepath.Join(dir, "fifo.pid")
	must(t, unix.Mkfifo(fifo, 0o644))
	hard := filepath.Join(dir, "hard.pid")
	must(t, os.Link(target, hard))
	sock := filepath.Join(dir, "s.pid")
	l, err := net.Listen("unix", sock)
	must(t, err)
	t.Cleanup(func() { l.Close() })

	return map[string]struct {
		path      string
		unchanged func(t *testing.T)
	}{
		"symlink": {link, targetSame},
		"dangling": {dangling, func(t *testing.T) {
			if _, err := os.Lstat(danglingTarget); err == nil {
				t.Error("a file was created through the dangling symlink")
			}
		}},
		"directory": {sub, nothing},
		"fifo":      {fifo, nothing},
		"device":    {"/dev/null", nothing},
		"socket":    {sock, nothing},
		"hardlink":  {hard, targetSame},
	}
}

func TestUnsafePathsAreRefused(t *testing.T) {
	for opName, op := range claimAndRead {
		for kind, c := range unsafePaths(t) {
			t.Run(opName+"/"+kind, func(t *testing.T) {
				err := op(c.path)
				if !errors.Is(err, ErrUnsafeFile) {
					t.Fatalf("err = %v, want ErrUnsafeFile", err)
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, "pidfile: ") || !strings.Contains(msg, c.path) {
					t.Errorf("message %q does not start with pidfile: and name the path", msg)
				}
				if strings.Contains(msg, "secret") {
					t.Errorf("message %q quotes what lies behind the path", msg)
				}
				c.unchanged(t)
			})
		}
	}
}

// Each refusal says what the path is, so an operator knows what to fix.
func TestUnsafePathMessagesSayWhy(t *testing.T) {
	want := map[string]string{
		"symlink": "symbolic link", "dangling": "symbolic link", "directory": "directory",
		"fifo": "FIFO", "device": "device", "socket": "socket", "hardlink": "2 hard links",
	}
	for kind, c := range unsafePaths(t) {
		_, err := Claim(c.path)
		if err == nil || !strings.Contains(err.Error(), want[kind]) {
			t.Errorf("%s: %v, want a message with %q", kind, err, want[kind])
		}
	}
}

// A symlink among the parent directories (/var/run -> /run) is normal.
func TestSymlinkedParentWorks(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "run")
	must(t, os.Mkdir(real, 0o755))
	alias := filepath.Join(dir, "var-run")
	must(t, os.Symlink(real, alias))
	path := filepath.Join(alias, "d.pid")
	g, err := Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if got := readFile(t, filepath.Join(real, "d.pid")); got != ownPID() {
		t.Errorf("content %q, want %q", got, ownPID())
	}
	r, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := (LockedBy{PID: os.Getpid(), Source: FromContent}); r != want {
		t.Errorf("Read = %#v, want %#v", r, want)
	}
}
