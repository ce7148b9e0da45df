//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Claim refuses a file that its group or others may write, whoever owns it:
// another user could have planted its content.
func TestClaimRefusesFileOthersCanWrite(t *testing.T) {
	for perm, why := range map[os.FileMode]string{
		0o664: "writable by its group (mode 0664)",
		0o646: "writable by others (mode 0646)",
		0o666: "writable by others (mode 0666)",
	} {
		t.Run(fmt.Sprintf("%04o", perm), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			writeFile(t, path, "1\n")
			must(t, os.Chmod(path, perm))
			checkClaimRefused(t, path, "1\n", why)
		})
	}
}

// Claimer.Perm is the mode of a new file, less the umask; an existing file
// keeps its own.
func TestClaimerPerm(t *testing.T) {
	old := unix.Umask(0o022)
	defer unix.Umask(old)
	for _, perm := range []os.FileMode{0o600, 0o640, 0o644} {
		path := filepath.Join(t.TempDir(), "d.pid")
		g, err := Claimer{Perm: perm}.Claim(path)
		must(t, err)
		g.Close()
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != perm {
			t.Errorf("Perm %04o: file mode %v, %v", perm, fi.Mode(), err)
		}
		g, err = Claimer{Perm: 0o600}.Claim(path)
		must(t, err)
		g.Close()
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != perm {
			t.Errorf("Perm %04o, claimed again with 0600: mode %v, want it kept", perm, fi.Mode())
		}
	}
}

// A Perm that would let others write the file, or run it, or that the owner
// could not reopen to claim the file again, is refused before anything is
// created.
func TestClaimerPermRefused(t *testing.T) {
	for _, perm := range []os.FileMode{0o664, 0o666, 0o646, 0o700, 0o744, fs.ModeSetuid | 0o644, 0o1644,
		0o400, 0o444, 0o200, 0o044, 0o404, 0o240} {
		path := filepath.Join(t.TempDir(), "d.pid")
		g, err := Claimer{Perm: perm}.Claim(path)
		if err == nil {
			g.Close()
		}
		if !errors.Is(err, os.ErrInvalid) {
			t.Errorf("Perm %v: %v, want os.ErrInvalid", perm, err)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Perm %v: a file was created", perm)
		}
	}
}

// checkClaimRefused asserts that Claim refuses path with ErrUnsafeFile and a
// message containing why, leaves the content as want, and holds no lock.
func checkClaimRefused(t *testing.T, path, want, why string) {
	t.Helper()
	g, err := Claim(path)
	if err == nil {
		g.Close()
		t.Fatal("Claim succeeded")
	}
	if !errors.Is(err, ErrUnsafeFile) || !strings.Contains(err.Error(), why) || !strings.Contains(err.Error(), path) {
		t.Errorf("Claim = %v; want ErrUnsafeFile naming the path and saying %q", err, why)
	}
	if got := readFile(t, path); got != want {
		t.Errorf("content changed from %q to %q", want, got)
	}
	if lockedElsewhere(t, path) {
		t.Error("the refused Claim left the lock held")
	}
}
