package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// The fault matrix of run (the library's is in the package's tests): each
// system call it makes on the pidfile fails once with EINTR, which must be
// retried to the same result (CMD runs), and fails for good with a hard
// error, which must stop run with one line that names the path and the call,
// before CMD runs and with the lock released. strace -P injects only into
// calls on the pidfile.
func TestRunFaults(t *testing.T) {
	strace := testproc.LookTool(t, "strace")
	for _, c := range []struct{ sys, errno, says string }{
		{"openat", "EACCES", "open"}, {"fstat", "EIO", "fstat"}, {"flock", "ENOLCK", "flock"},
		{"pwrite64", "ENOSPC", "write"}, {"ftruncate", "EIO", "write"}, {"fcntl", "EBADF", "fcntl"},
	} {
		for _, inject := range []string{"EINTR:when=1", c.errno} {
			t.Run(c.sys+"/"+inject, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "d.pid")
				ran := filepath.Join(dir, "ran")
				cmd := exec.Command(strace, "-f", "-qq", "-o", os.DevNull, "-P", path, "-e", "trace="+c.sys,
					"-e", "inject="+c.sys+":error="+inject, bin, "run", path, "--", "touch", ran)
				var stderr strings.Builder
				cmd.Stderr = &stderr
				err := cmd.Run()
				var ee *exec.ExitError
				if err != nil && !errors.As(err, &ee) {
					t.Fatal(err)
				}
				_, ranErr := os.Stat(ran)
				msg := strings.ReplaceAll(stderr.String(), path, "")
				if inject != c.errno {
					if err != nil || stderr.Len() != 0 || ranErr != nil {
						t.Errorf("EINTR once: %v, stderr %q; want CMD run, as without", err, stderr.String())
					}
					return
				}
				if ee == nil || ee.ExitCode() != exitUnknown || strings.Count(stderr.String(), "\n") != 1 ||
					!strings.Contains(stderr.String(), path) || !strings.Contains(msg, c.says) || ranErr == nil {
					t.Errorf("%s failing: %v, stderr %q; want exit %d, one line naming the path and %q, and CMD not run",
						c.sys, err, stderr.String(), exitUnknown, c.says)
				}
				if exitCode(t, testproc.LookTool(t, "flock"), "-n", path, "true") != 0 {
					t.Error("the pidfile was left locked")
				}
			})
		}
	}
}
