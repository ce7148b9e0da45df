package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// Helpers of the command's Linux tests: daemons that run -detach starts,
// adopted and reaped here, and checks that nothing was left behind.

// orphan is a daemon that pidfile run -detach started, adopted by this
// process (becomeSubreaper), which reaps it the moment it exits.
type orphan struct {
	pid    int
	done   chan struct{}
	status syscall.WaitStatus
	err    error
}

// adopt reaps pid when it exits, and kills it when the test ends.
func adopt(t *testing.T, pid int) *orphan {
	t.Helper()
	o := &orphan{pid: pid, done: make(chan struct{})}
	go func() {
		defer close(o.done)
		for {
			_, o.err = syscall.Wait4(pid, &o.status, 0, nil)
			if o.err != syscall.EINTR {
				return
			}
		}
	}()
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGKILL)
		<-o.done
	})
	return o
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wait waits for the orphan to exit and be reaped.
func (o *orphan) wait(t *testing.T) syscall.WaitStatus {
	t.Helper()
	select {
	case <-o.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("process %d did not exit", o.pid)
	}
	if o.err != nil {
		t.Fatalf("reaping %d: %v (is this process its subreaper? see adoptOrphans)", o.pid, o.err)
	}
	return o.status
}

// detach runs `pidfile run -detach [flags] PATH -- CMD...`, expects it to
// succeed, and adopts the daemon whose PID it prints.
func detach(t *testing.T, path string, flags []string, cmd ...string) *orphan {
	t.Helper()
	stopAtEnd(t, path)
	args := append(append(append([]string{"run", "-detach"}, flags...), path, "--"), cmd...)
	r := pidfileCmd(t, args...)
	pid, err := strconv.Atoi(strings.TrimSuffix(r.stdout, "\n"))
	if r.code != 0 || err != nil || r.stderr != "" {
		t.Fatalf("pidfile %v: exit %d, stdout %q, stderr %q; want 0 and a PID", args, r.code, r.stdout, r.stderr)
	}
	return adopt(t, pid)
}

// procStat returns the fields of /proc/PID/stat after the command name.
func procStat(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
}

// openFDs lists where the descriptors of process pid lead.
func openFDs(t *testing.T, pid int) map[int]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fds := map[int]string{}
	for _, e := range entries {
		fd, _ := strconv.Atoi(e.Name())
		fds[fd], _ = os.Readlink(filepath.Join(dir, e.Name()))
	}
	return fds
}

// marker is an argument that makes a test's command findable among all
// processes, to prove that it never started.
func marker() string {
	return fmt.Sprintf("%d.%d", os.Getpid(), time.Now().UnixNano()%1e9)
}

// startedWith reports whether any process has arg among its arguments, and
// kills and reaps such a process, so that a test that finds one leaves
// nothing behind.
func startedWith(t *testing.T, arg string) bool {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), "\x00"+arg+"\x00") {
			found = true
			if pid, err := strconv.Atoi(d.Name()); err == nil {
				killAndReap(pid)
			}
		}
	}
	return found
}

// killAndReap kills pid, and reaps it if it is a child of this process (an
// orphan adopted as subreaper).
func killAndReap(pid int) {
	syscall.Kill(pid, syscall.SIGKILL)
	var ws syscall.WaitStatus
	for {
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
			return
		}
	}
}

// stopAtEnd kills whatever holds path when the test ends, as a net under a
// test that fails before it learns a detached daemon's PID.
func stopAtEnd(t *testing.T, path string) {
	t.Cleanup(func() {
		b, err := os.ReadFile(path)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil &&
			exitCode(t, testproc.LookTool(t, "flock"), "-n", path, "true") != 0 {
			killAndReap(pid)
		}
	})
}

// checkNothingLeft checks that no process has mark among its arguments (one
// that has is killed), and that path, if it exists, is not locked.
func checkNothingLeft(t *testing.T, mark, path string) {
	t.Helper()
	if startedWith(t, mark) {
		t.Error("the command was started, or left running")
	}
	if _, err := os.Stat(path); err == nil && exitCode(t, testproc.LookTool(t, "flock"), "-n", path, "true") != 0 {
		t.Error("the pidfile was left locked")
	}
}
