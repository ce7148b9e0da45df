//go:build linux && !pidfile_portable

package pidfile

// Faults injected into Claim's system calls with strace(1): what a failed
// write leaves behind.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// runInjected runs the test binary in role under strace, with the system
// call sys failing with errno, and returns what the helper said.
func runInjected(t *testing.T, sys, errno, role, path string) string {
	t.Helper()
	strace := testproc.LookTool(t, "strace")
	cmd := exec.Command(strace, "-f", "-qq", "-o", os.DevNull, "-e", "trace="+sys,
		"-e", "inject="+sys+":error="+errno, os.Args[0])
	cmd.Env = append(testproc.Environ(), testproc.RoleEnv+"="+role, testproc.PathEnv+"="+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("strace %s: %v: %s", role, err, out)
	}
	return strings.TrimSpace(string(out))
}

// Claim writes the new PID over the old content, then cuts what is left of
// the old: whatever step fails, the file names the old holder, the new one,
// or no process at all; never a third process made of the two.
func TestClaimNeverLeavesAnotherPID(t *testing.T) {
	for _, old := range []string{"", "1\n", "42\n", "4194304\n", "99999999\n", "junk"} {
		for _, fault := range []struct{ sys, errno string }{{"ftruncate", "EIO"}, {"pwrite64", "ENOSPC"}} {
			path := filepath.Join(t.TempDir(), "d.pid")
			writeFile(t, path, old)
			said := runInjected(t, fault.sys, fault.errno, "claim", path)
			_, pidText, _ := strings.Cut(said, " pid ")
			if !strings.Contains(said, "write PID") || !strings.Contains(said, path) {
				t.Errorf("old %q, %s failing: Claim said %q; want an error that names the path and the write", old, fault.sys, said)
			}
			got := readFile(t, path)
			pid, err := ParsePID([]byte(got))
			oldPID, oldErr := ParsePID([]byte(old))
			switch {
			case err != nil:
				// No PID at all: nobody is named.
			case oldErr == nil && pid == oldPID:
			case strconv.Itoa(pid) == pidText:
			default:
				t.Errorf("old %q, %s failing with %s: the file holds %q, which names process %d, neither the old nor the new holder (%s)",
					old, fault.sys, fault.errno, got, pid, pidText)
			}
			if fault.sys == "pwrite64" && got != old {
				t.Errorf("old %q, nothing written: the file holds %q", old, got)
			}
			if lockedElsewhere(t, path) {
				t.Errorf("old %q, %s failing: the lock is still held", old, fault.sys)
			}
		}
	}
}

func init() { osHelpers["fault"] = faultHelper }

// faultHelper is the role "fault": run the operation arg (Claim, Read,
// ReadExact, Signal, Close: a Claim, then Close of its Guard, under the
// faults) on path, say "err=ERROR fds=LEAKED", and wait for stdin to close,
// so that the test can look at the lock while this process lives. A
// successful Claim or Read lets go of what it got before the count.
func faultHelper(path, op string, in *bufio.Reader, say func(string, ...any)) int {
	var g *Guard
	if op == "Close" {
		var err error
		if g, err = Claim(path); err != nil {
			say("setup %v", err)
			return 1
		}
	}
	say("ready")
	in.ReadString('\n') // the test has attached strace
	before := openFDs()
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		switch op {
		case "Claim":
			var g *Guard
			if g, err = Claim(path); err == nil {
				g.Close()
			}
		case "Read", "ReadExact":
			read := Read
			if op == "ReadExact" {
				read = ReadExact
			}
			var r Result
			r, err = read(path)
			if nh, ok := r.(NotHeld); ok {
				nh.Guard.Close()
			}
		case "Signal":
			_, err = Signal(path, syscall.Signal(0))
		case "Close":
			err = g.Close()
		}
	}()
	say("err=%v fds=%d", err, openFDs()-before)
	io.Copy(io.Discard, in)
	return 0
}

// openFDs counts this process's open descriptors.
func openFDs() int {
	entries, _ := os.ReadDir("/proc/self/fd")
	return len(entries)
}

// The fault matrix: each system call that Claim, Read, ReadExact, Signal and
// Guard.Close make on the pidfile fails once with EINTR, which must be
// retried to the same result, and fails for good with a hard error, which
// must give one error that names the path and the call. Either way no lock
// is left held, no descriptor leaks, the file keeps its content (but for
// what a failed Claim wrote), and nothing panics. strace -P injects only
// into calls on the pidfile, from outside.
//
// close is the exception, because strace skips a call that it fails while
// Linux releases the descriptor of a close that fails: the descriptor and
// its lock outlive the injection, which says nothing of the code. What is
// checked there: EINTR is success (the descriptor is gone; a retry could
// close another file's), and a failure of the close that ends a claim or a
// Guard is an error, while that of a descriptor that was only read from, once
// the answer is known, changes nothing.
func TestFaultMatrix(t *testing.T) {
	strace := testproc.LookTool(t, "strace")
	type call struct{ sys, errno, says string }
	var (
		open      = call{"openat", "EACCES", "open"}
		fstat     = call{"fstat", "EIO", "fstat"}
		flock     = call{"flock", "ENOLCK", "flock"}
		pread     = call{"pread64", "EIO", "read"}
		pwrite    = call{"pwrite64", "ENOSPC", "write"}
		ftruncate = call{"ftruncate", "EIO", "write"}
		closeCall = call{"close", "EIO", "close"}
	)
	// What each operation does to a free pidfile (Claim, Read, Signal,
	// Close) or to one that another process holds (the "held" ones).
	for _, tc := range []struct {
		op    string
		held  bool
		calls []call
		want  string // the error without faults; "" for none
		// closeMatters: a failed close is an error (the writable
		// descriptor of a claim; the Guard's).
		closeMatters bool
	}{
		{"Claim", false, []call{open, fstat, flock, pwrite, ftruncate, closeCall}, "", true},
		{"Claim", true, []call{open, fstat, flock, pread, closeCall}, "locked by process", false},
		{"Read", false, []call{open, fstat, flock}, "", false},
		{"Read", true, []call{open, fstat, flock, pread, closeCall}, "", false},
		{"ReadExact", true, []call{open, fstat, flock, pread, closeCall}, "", false},
		{"Signal", false, []call{open, fstat, flock, closeCall}, "not running", false},
		{"Signal", true, []call{open, fstat, flock, closeCall}, "", false},
		{"Close", false, []call{closeCall}, "", true},
	} {
		for _, c := range tc.calls {
			for _, hard := range []bool{false, true} {
				name := fmt.Sprintf("%s/held=%t/%s/EINTR", tc.op, tc.held, c.sys)
				if hard {
					name = fmt.Sprintf("%s/held=%t/%s/%s", tc.op, tc.held, c.sys, c.errno)
				}
				t.Run(name, func(t *testing.T) {
					path := filepath.Join(t.TempDir(), "d.pid")
					writeFile(t, path, "")
					if tc.held {
						startHolder(t, path)
					}
					h := startHelper(t, "fault", path, tc.op)
					h.Expect("ready")
					content := readFile(t, path)
					inject := c.sys + ":error=" + c.errno
					if !hard {
						inject = c.sys + ":error=EINTR:when=1"
					}
					st := exec.Command(strace, "-f", "-qq", "-o", os.DevNull, "-P", path,
						"-e", "trace="+c.sys, "-e", "inject="+inject, "-p", strconv.Itoa(h.PID()))
					st.Stderr = os.Stderr
					must(t, st.Start())
					t.Cleanup(func() { st.Process.Kill(); st.Wait() })
					// strace says nothing once attached; its tracee
					// stopping for it is the sign.
					waitTraced(t, h.PID())
					h.Send("go")
					l := h.Expect("err=")
					errText, fds, _ := strings.Cut(strings.TrimPrefix(l, "err="), " fds=")
					closing := c.sys == "close"
					// A failed close of a descriptor that was only read
					// from, once the answer is known, is as no failure.
					fails := hard && (!closing || tc.closeMatters)
					switch {
					case strings.Contains(errText, "panic"):
						t.Errorf("panicked: %s", l)
					case !fails && tc.want == "" && errText != "<nil>":
						t.Errorf("EINTR once: %s; want the same result as without, no error", errText)
					case !fails && tc.want != "" && !strings.Contains(errText, tc.want):
						t.Errorf("EINTR once: %s; want the same result as without: %q", errText, tc.want)
					case fails && (errText == "<nil>" || !strings.Contains(errText, path) ||
						!strings.Contains(strings.ReplaceAll(errText, path, ""), c.says)):
						t.Errorf("%s failing: %s; want one error that names the path and %q", c.sys, errText, c.says)
					case fails && strings.Count(errText, "pidfile:") != 1:
						t.Errorf("%s failing: %q; want \"pidfile:\" once", c.sys, errText)
					case fails && strings.Count(errText, "\n") > 0:
						t.Errorf("%s failing: a message of several lines: %q", c.sys, errText)
					}
					if closing {
						return // the descriptor and the lock outlive strace's skip
					}
					if fds != "0" {
						t.Errorf("%s: %s descriptors more after the call", l, fds)
					}
					// A Claim writes its PID; one whose ftruncate fails
					// leaves it (TestClaimNeverLeavesAnotherPID).
					if got := readFile(t, path); got != content && (tc.op != "Claim" || tc.held || hard && c.sys != "ftruncate") {
						t.Errorf("the content went from %q to %q", content, got)
					}
					if !tc.held && lockedElsewhere(t, path) {
						t.Errorf("a lock is left held")
					}
				})
			}
		}
	}
}

// waitTraced returns once process pid is traced (strace has attached).
func waitTraced(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		must(t, err)
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, _ := strings.Cut(l, ":\t"); k == "TracerPid" && v != "0" {
				return
			}
		}
	}
	t.Fatalf("strace did not attach to %d", pid)
}
