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

// runLog is the supervisor's lines in a -log file: when each CMD started,
// and the restart delays it announced.
type runLog struct {
	starts []time.Time
	delays []string
	text   string
}

func readRunLog(t *testing.T, file string) runLog {
	t.Helper()
	b, err := os.ReadFile(file)
	must(t, err)
	l := runLog{text: string(b)}
	for _, m := range startLine.FindAllStringSubmatch(l.text, -1) {
		at, err := time.Parse("2006-01-02T15:04:05.000Z07:00", m[1])
		must(t, err)
		l.starts = append(l.starts, at)
	}
	for _, m := range delayLine.FindAllStringSubmatch(l.text, -1) {
		l.delays = append(l.delays, m[1])
	}
	return l
}

// -restart on-failure restarts a CMD that exits 1 after doubling delays, and
// -restart-max 3 gives up after the third, with CMD's status; -restart never
// does not restart; -restart always restarts after a success too.
func TestSuperviseRestarts(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		policy string
		status string
		starts int
		delays []string
		code   int
	}{
		{"on-failure", "1", 4, []string{"50ms", "100ms", "200ms"}, 1},
		{"never", "1", 1, nil, 1},
		{"on-failure", "0", 1, nil, 0},
		{"always", "0", 3, []string{"50ms", "100ms"}, 0},
	} {
		name := tc.policy + "-" + tc.status
		log := filepath.Join(dir, name+".log")
		max := strconv.Itoa(len(tc.delays))
		r := pidfileCmd(t, "run", "-supervise", "-restart", tc.policy, "-restart-delay", "50ms", "-restart-max", max,
			"-log", log, filepath.Join(dir, name+".pid"), "--", "sh", "-c", `echo ran; exit "$1"`, "sh", tc.status)
		l := readRunLog(t, log)
		if r.code != tc.code || len(l.starts) != tc.starts || strings.Count(l.text, "\nran\n") != tc.starts ||
			strings.Join(l.delays, " ") != strings.Join(tc.delays, " ") {
			t.Errorf("%s: exit %d, %d starts, delays %v; want exit %d, %d starts, delays %v\n%s",
				name, r.code, len(l.starts), l.delays, tc.code, tc.starts, tc.delays, l.text)
			continue
		}
		for i := 1; i < len(l.starts); i++ {
			want, _ := time.ParseDuration(tc.delays[i-1])
			if gap := l.starts[i].Sub(l.starts[i-1]); gap < want {
				t.Errorf("%s: start %d came %v after the one before; want at least %v", name, i, gap, want)
			}
		}
		if tc.policy == "on-failure" && tc.starts > 1 && !strings.Contains(l.text, "giving up after 3 restarts") {
			t.Errorf("%s: the log does not say it gave up:\n%s", name, l.text)
		}
	}
}

// A stop during a restart delay stops at once: the supervisor exits 0
// without starting CMD again.
func TestSuperviseStopDuringDelay(t *testing.T) {
	dir := t.TempDir()
	path, log := filepath.Join(dir, "d.pid"), filepath.Join(dir, "log")
	mark := marker()
	// The first run must pass the start check (-detach returns only for a
	// CMD that starts); then it fails.
	sup := supervised(t, path, mark, []string{"-restart", "on-failure", "-restart-delay", "1h", "-log", log},
		"sh", "-c", `sleep 0.3; exit 1`, mark)
	for deadline := time.Now().Add(60 * time.Second); len(readRunLog(t, log).delays) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no restart was announced:\n%s", readRunLog(t, log).text)
		}
	}
	if r := pidfileCmd(t, "stop", "-timeout", "1h", path); r.code != 0 || r.stderr != "" {
		t.Errorf("stop: exit %d, stderr %q", r.code, r.stderr)
	}
	if ws := sup.wait(t); ws.Signaled() || ws.ExitStatus() != 0 {
		t.Errorf("the supervisor ended %v; want exit 0", ws)
	}
	if l := readRunLog(t, log); len(l.starts) != 1 {
		t.Errorf("%d starts; want 1\n%s", len(l.starts), l.text)
	}
}

// When the supervisor is killed, the kernel kills CMD; the lock is free, and
// a new supervisor starts one CMD. With -user too, whose change of user
// clears the parent-death signal that the fork set.
func TestSuperviseKilled(t *testing.T) {
	t.Run("self", func(t *testing.T) { superviseKilled(t, nil) })
	t.Run("user", func(t *testing.T) {
		testproc.RequireRoot(t)
		superviseKilled(t, []string{"-user", "nobody"})
	})
}

func superviseKilled(t *testing.T, flags []string) {
	dir := t.TempDir()
	// For CMD's list of PIDs, also as nobody: TempDir's parent is 0700.
	must(t, os.Chmod(filepath.Dir(dir), 0o755))
	must(t, os.Chmod(dir, 0o777))
	path, pids := filepath.Join(dir, "d.pid"), filepath.Join(dir, "pids")
	mark := marker()
	// sleep adds its arguments up: the mark is a number of seconds too.
	sup := supervised(t, path, mark, flags, "sh", "-c", `echo $$ >> "$1"; exec sleep 3600 "$0"`, mark, pids)
	first := pidsIn(t, pids, 1)[0]
	syscall.Kill(sup.pid, syscall.SIGKILL)
	sup.wait(t)
	if !ended(first) {
		t.Fatalf("CMD %d outlived its supervisor", first)
	}
	killAndReap(first) // it was given to this process, its subreaper
	if !free(t, path) {
		t.Fatal("the lock is held after the supervisor was killed")
	}
	sup = supervised(t, path, mark, flags, "sh", "-c", `echo $$ >> "$1"; exec sleep 3600 "$0"`, mark, pids)
	second := pidsIn(t, pids, 2)[1]
	if running := withMark(t, mark); len(running) != 2 || running[0] != sup.pid && running[1] != sup.pid ||
		running[0] != second && running[1] != second {
		t.Errorf("processes with CMD's arguments: %v; want the second supervisor %d and its CMD %d", running, sup.pid, second)
	}
	if r := pidfileCmd(t, "status", "-json", path); !strings.Contains(r.stdout, fmt.Sprintf(`"child":%d`, second)) {
		t.Errorf("status -json: %s; want child %d", r.stdout, second)
	}
}

// A CMD that changes its own user (setpriv here; memcached -u, su) loses its
// parent-death signal, and outlives a supervisor that is killed. The next
// supervisor must not start a second CMD beside it: CMD still holds the
// lock of PATH.child that it inherited.
func TestSuperviseNoSecondBesideAnOrphan(t *testing.T) {
	testproc.RequireRoot(t)
	dir := t.TempDir()
	must(t, os.Chmod(filepath.Dir(dir), 0o755))
	must(t, os.Chmod(dir, 0o777))
	path, pids := filepath.Join(dir, "d.pid"), filepath.Join(dir, "pids")
	mark := marker()
	setpriv := testproc.LookTool(t, "setpriv")
	script := `echo $$ >> "$1"; exec "$2" --reuid=65534 --regid=65534 --clear-groups sleep 3600 "$0"`
	sup := supervised(t, path, mark, nil, "sh", "-c", script, mark, pids, setpriv)
	first := pidsIn(t, pids, 1)[0]
	// setpriv has changed the user once CMD runs as 65534.
	for deadline := time.Now().Add(60 * time.Second); uidLines(t, first)["Uid"] != "65534 65534 65534 65534"; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("CMD never ran as 65534")
		}
	}
	syscall.Kill(sup.pid, syscall.SIGKILL)
	sup.wait(t)
	if syscall.Kill(first, 0) != nil {
		t.Skip("this kernel ended CMD with its supervisor although it changed its user")
	}
	mark2 := marker()
	t.Cleanup(func() { startedWith(t, mark2) })
	r := pidfileCmd(t, "run", "-supervise", "-detach", path, "--", "sleep", mark2)
	if r.code == 0 || !strings.Contains(r.stderr, "still runs holding") {
		t.Errorf("a second supervisor beside an orphaned CMD: exit %d, stdout %q, stderr %q; want a failure saying CMD still runs", r.code, r.stdout, r.stderr)
	}
	if startedWith(t, mark2) {
		t.Error("a second CMD was started beside the first")
	}
}

// -restart on-failure does not restart CMD after a status that
// -restart-exit-ok counts as success, and does after one it does not.
func TestSuperviseRestartExitOK(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		ok   string
		runs int
	}{{"3,TERM", 1}, {"0", 3}} {
		runs := filepath.Join(dir, "runs"+tc.ok)
		r := pidfileCmd(t, "run", "-supervise", "-restart", "on-failure", "-restart-exit-ok", tc.ok, "-restart-max", "2",
			"-restart-delay", "10ms", filepath.Join(dir, "d.pid"), "--", "sh", "-c", `echo run >> "$0"; exit 3`, runs)
		if b, _ := os.ReadFile(runs); r.code != 3 || strings.Count(string(b), "run\n") != tc.runs {
			t.Errorf("-restart-exit-ok %s: exit %d, %d runs; want 3 and %d runs (stderr %q)", tc.ok, r.code, strings.Count(string(b), "run\n"), tc.runs, r.stderr)
		}
	}
	if r := pidfileCmd(t, "run", "-supervise", "-restart-exit-ok", "x", filepath.Join(dir, "e.pid"), "--", "true"); r.code != exitUsage {
		t.Errorf("-restart-exit-ok x: exit %d, want a usage error", r.code)
	}
}
