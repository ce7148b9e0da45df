package main

import (
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

// atPID starts argv at PID pid, which must be free, and returns it once it
// runs there; it skips the test if other processes keep taking the PID. sh
// sets the kernel's last PID just below it and forks at once (this Go
// program would start threads, which take PIDs, in between). The process is
// killed and reaped when the test ends.
func atPID(t *testing.T, pid int, argv ...string) *daemon {
	t.Helper()
	testproc.RequireRoot(t)
	const script = `echo "$0" > /proc/sys/kernel/ns_last_pid && { "$@" 2>/dev/null & echo $! >&2; wait $!; }`
	for range 20 {
		d := start(t, "sh", append([]string{"-c", script, strconv.Itoa(pid - 1)}, argv...)...)
		got := d.Line()
		// argv may leave sh's group (setsid): it is killed by its PID,
		// before the cleanup of sh, which reaps it.
		if n, err := strconv.Atoi(got); err == nil {
			t.Cleanup(func() { syscall.Kill(n, syscall.SIGKILL) })
		}
		if got == strconv.Itoa(pid) {
			return d
		}
	}
	t.Skipf("other processes kept taking PID %d", pid)
	return nil
}

// readPIDLine waits until file holds a line, a PID, and returns it.
func readPIDLine(t *testing.T, file string) int {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b, _ := os.ReadFile(file)
		if l, ok := strings.CutSuffix(string(b), "\n"); ok {
			pid, err := strconv.Atoi(l)
			must(t, err)
			return pid
		}
	}
	t.Fatalf("%s never named a PID", file)
	return 0
}

// leaveGroup is a shell command for sh -c with the name of a file as $0: a
// worker that inherits the lock leaves the process group (setsid) and writes
// its PID to the file, and the shell goes on once it has.
const leaveGroup = `setsid sh -c 'echo $$ > "$0.new" && mv "$0.new" "$0" && exec sleep 3600' "$0" & while [ ! -s "$0" ]; do :; done`

// stop -group never sends KILL to a process group that is not the holder's.
// The holder leads its group and exits on TERM, while a worker that left
// the group (setsid) keeps the lock: the group is empty, and its ID free
// for a new session of anyone's, which the test makes at that ID before
// stop's timeout. stop must leave it alone and say what holds the lock.
func TestStopGroupNeverReachesAReusedGroup(t *testing.T) {
	testproc.RequireRoot(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	said := filepath.Join(dir, "worker")
	d := detach(t, path, nil, "sh", "-c", leaveGroup+`; exec sleep 3600`, said)
	worker := readPIDLine(t, said)
	t.Cleanup(func() { killAndReap(worker) })
	stop := exec.Command(bin, "stop", "-group", "-timeout", "5s", path)
	var stderr strings.Builder
	stop.Stderr = &stderr
	must(t, stop.Start())
	t.Cleanup(func() { stop.Process.Kill(); stop.Wait() })
	if ws := d.wait(t); ws.Signal() != syscall.SIGTERM {
		t.Fatalf("the holder ended with %v, want TERM", ws)
	}
	// The holder is reaped, its group empty: a new session takes its ID.
	decoy := atPID(t, d.pid, "setsid", "sleep", "3600")
	for deadline := time.Now().Add(60 * time.Second); procStat(t, d.pid)[2] != strconv.Itoa(d.pid); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the decoy at %d never led a group of its own", d.pid)
		}
	}
	err := stop.Wait()
	if code := stop.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), "left the group") {
		t.Errorf("stop -group: %v, stderr %q; want exit 1 saying that what holds the lock left the group", err, stderr.String())
	}
	select {
	case <-decoy.Done():
		t.Error("stop -group signalled a new group that took the holder's group's ID")
	default:
	}
	if syscall.Kill(worker, 0) != nil {
		t.Error("stop -group signalled the worker that left the group")
	}
}

// A failed start whose worker left CMD's group (setsid) with the lock is not
// reported as "nothing left": run -detach says what holds the lock, which it
// does not signal, and exits 4.
func TestRunDetachFailedStartSaysWhatIsLeft(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	said := filepath.Join(dir, "worker")
	stopAtEnd(t, path)
	r := pidfileCmd(t, "run", "-detach", path, "--", "sh", "-c", leaveGroup+"; exit 1", said)
	worker := readPIDLine(t, said)
	t.Cleanup(func() { killAndReap(worker) })
	if r.code != 4 || !strings.Contains(r.stderr, "exited with status 1") || !strings.Contains(r.stderr, "left the command's process group") {
		t.Errorf("exit %d, stderr %q; want 4 saying CMD failed and what is left", r.code, r.stderr)
	}
	if syscall.Kill(worker, 0) != nil {
		t.Error("the worker that left the group was signalled")
	}
}

// stop whose holder exits on TERM while workers that inherited the lock
// hold it says so, and points at stop -group, rather than that the holder
// still holds it.
func TestStopSaysWhenInheritorsHold(t *testing.T) {
	requireLockTable(t)
	path := filepath.Join(t.TempDir(), "d.pid")
	mark := marker()
	d := detach(t, path, nil, "sh", "-c", `sleep "$0" & sleep "$0" & wait`, mark)
	t.Cleanup(func() { startedWith(t, mark) })
	r := pidfileCmd(t, "stop", "-timeout", "1s", path)
	first, _, _ := strings.Cut(r.stderr, "\n")
	if !strings.Contains(first, "process "+strconv.Itoa(d.pid)+" has exited") || !strings.Contains(first, "stop -group") {
		t.Errorf("stop said %q; want that the holder exited, that others hold the lock, and stop -group", r.stderr)
	}
}
