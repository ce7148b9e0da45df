//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestClaimCreatesFileWithModeLessUmask(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	old := unix.Umask(0o027)
	defer unix.Umask(old)
	g, err := Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0644 less umask 027 = 0640", fi.Mode().Perm())
	}
}

func TestWriteFailureReleasesLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	writeFile(t, path, "")
	h := startHelper(t, "writefail", path, "")
	l := h.Expect("claim ")
	if !strings.Contains(l, "write PID") || !strings.Contains(l, path) {
		t.Errorf("helper's Claim said %q, want a write error naming the path", l)
	}
	if l := h.Line(); l != "released" {
		t.Errorf("after the failed write the lock is %q, want released", l)
	}
	h.Exit()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("file gone after a failed write: %v", err)
	}
}

func TestReadWithReadPermissionOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	h := startHolder(t, path)
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	out := runAsOtherUser(t, dir, "read", path)
	if want := fmt.Sprintf("lockedby %d content", h.PID()); out != want {
		t.Errorf("read-only reader said %q, want %q", out, want)
	}
	h.Exit()
	if out := runAsOtherUser(t, dir, "read", path); out != "notheld" {
		t.Errorf("read-only reader said %q, want notheld", out)
	}
}

func TestClaimPermissionDenied(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	writeFile(t, path, "1\n")
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	out := runAsOtherUser(t, dir, "claim", path)
	if !strings.Contains(out, "(ErrPermission true)") || !strings.Contains(out, path) {
		t.Errorf("Claim without write permission said %q, want permission denied naming the path", out)
	}
	if got := readFile(t, path); got != "1\n" {
		t.Errorf("content changed to %q", got)
	}
}

func TestClaimMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "d.pid")
	_, err := Claim(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) ||
		!strings.HasPrefix(err.Error(), "pidfile: ") {
		t.Errorf("err = %v, want fs.ErrNotExist naming the path", err)
	}
}

// runAsOtherUser runs a helper role as an unprivileged user and returns its
// line. As root it switches to nobody; otherwise the caller already is one.
func runAsOtherUser(t *testing.T, dir, role, path string) string {
	t.Helper()
	var h *helper
	if os.Geteuid() == 0 {
		// nobody must reach the directory.
		for _, d := range []string{filepath.Dir(dir), dir} {
			must(t, os.Chmod(d, 0o755))
		}
		h = startHelperAs(t, nobody, role, path, "")
	} else {
		h = startHelper(t, role, path, "")
	}
	l := h.Line()
	h.Exit()
	return l
}

// KeepOnExec hands the lock to the program this process execs; without it,
// exec releases the lock (close-on-exec).
func TestKeepOnExec(t *testing.T) {
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprint("keep=", keep), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			arg := ""
			if keep {
				arg = "keep"
			}
			h := startHelper(t, "exec", path, arg)
			h.Expect("ready ") // said after the exec
			r, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if nh, ok := r.(NotHeld); ok {
				nh.Guard.Close()
			}
			want := Result(LockedBy{PID: h.PID(), Source: FromContent})
			if !keep {
				want = NotHeld{}
				if _, ok := r.(NotHeld); ok {
					r = NotHeld{}
				}
			}
			if r != want {
				t.Errorf("after exec: Read = %#v, want %#v", r, want)
			}
		})
	}
}

// The descriptor that KeepOnExec passes on holds the lock but cannot change
// the content: a program run as a less privileged user after the claim (run
// -user) must not be able to name another process in its caller's pidfile.
// It is the only descriptor of the file that the program gets.
func TestKeptDescriptorCannotWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	h := startHelper(t, "exec", path, "plant")
	fds := 0
	for l := h.Line(); !strings.HasPrefix(l, "ready "); l = h.Line() {
		fds++
		if !strings.HasPrefix(l, "refused ") {
			t.Errorf("after exec: %s", l)
		}
	}
	if fds != 1 {
		t.Errorf("the program got %d descriptors of the pidfile, want 1", fds)
	}
	if got := readFile(t, path); got != strconv.Itoa(h.PID())+"\n" {
		t.Errorf("content %q, want the program's PID %d", got, h.PID())
	}
	if !lockedElsewhere(t, path) {
		t.Error("the program does not hold the lock")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
