package main

// run -supervise end to end: the built command supervising shells that fork
// workers, ignore signals, crash and log; and the peers that look at it
// (flock(1), /proc, a socket that plays systemd).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// supervised runs `pidfile run -supervise -detach [flags] PATH -- CMD...`,
// expects it to succeed, and adopts the supervisor. When the test ends, the
// supervisor is stopped, then killed, and every process whose arguments
// hold mark is killed (and reaped: the supervisor's orphans become this
// process's).
func supervised(t *testing.T, path, mark string, flags []string, cmd ...string) *orphan {
	t.Helper()
	t.Cleanup(func() { startedWith(t, mark) })
	o := detach(t, path, append([]string{"-supervise"}, flags...), cmd...)
	// First, a stop: the supervisor ends CMD and reaps what it leaves,
	// which a KILL of the supervisor would leave to this process.
	t.Cleanup(func() { pidfileCmd(t, "stop", path) })
	return o
}

// pidsIn waits until file holds n numbers, and returns them.
func pidsIn(t *testing.T, file string, n int) []int {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		b, _ := os.ReadFile(file)
		if f := strings.Fields(string(b)); len(f) >= n && strings.HasSuffix(string(b), "\n") {
			pids := make([]int, n)
			for i := range pids {
				var err error
				if pids[i], err = strconv.Atoi(f[i]); err != nil {
					t.Fatalf("%s: %q", file, b)
				}
			}
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %q, not %d PIDs", file, b, n)
		}
	}
}

// ended waits until process pid has exited (gone, or a zombie nobody has
// reaped yet) and reports whether it got there.
func ended(pid int) bool {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return true
		}
		if f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])); len(f) > 0 && f[0] == "Z" {
			return true
		}
	}
	return false
}

// free says whether nobody holds path's lock, as flock(1) sees it.
func free(t *testing.T, path string) bool {
	t.Helper()
	return exitCode(t, testproc.LookTool(t, "flock"), "-n", path, "true") == 0
}

// A prefork daemon: CMD forks a worker that keeps every descriptor it
// inherited, then CMD is killed. Under plain run the worker holds the lock
// and nothing can start again; under run -supervise neither CMD nor the
// worker ever had the lock's descriptor, the supervisor ends the worker and
// exits with CMD's status (128+9), and the service can start again.
func TestSuperviseKeepsTheLockFromWorkers(t *testing.T) {
	const script = `sleep 3600 & echo "$$ $!" > "$1"; wait`
	dir := t.TempDir()

	// Without -supervise: the documented inherited lock.
	path, pids := filepath.Join(dir, "plain.pid"), filepath.Join(dir, "plain.pids")
	mark := marker()
	t.Cleanup(func() { startedWith(t, mark) })
	d := detach(t, path, nil, "sh", "-c", script, mark, pids)
	p := pidsIn(t, pids, 2)
	t.Cleanup(func() { killAndReap(p[1]) })
	syscall.Kill(p[0], syscall.SIGKILL)
	d.wait(t)
	// Without a lock table (the portable build) the holder cannot be
	// told apart from its heir: still running, with no PID.
	if r := pidfileCmd(t, "status", path); r.code != 0 || lockTable && !strings.Contains(r.stdout, "inherited") {
		t.Errorf("plain run, CMD killed, worker alive: status exit %d, %q; want running, inherited lock", r.code, r.stdout)
	}
	if r := pidfileCmd(t, "run", "-detach", path, "--", "sleep", "3600"); r.code != exitHeld {
		t.Errorf("plain run, worker alive: a new run got exit %d (%q); want %d", r.code, r.stderr, exitHeld)
	}
	killAndReap(p[1])

	// With -supervise.
	path, pids = filepath.Join(dir, "sup.pid"), filepath.Join(dir, "sup.pids")
	mark = marker()
	sup := supervised(t, path, mark, nil, "sh", "-c", script, mark, pids)
	p = pidsIn(t, pids, 2)
	for _, pid := range p {
		// Nothing of the supervisor's: standard input, and output to
		// /dev/null (-detach without -log), and no other descriptor
		// but the one of PATH.child that holds its lock (cmdGuard).
		for fd, target := range openFDs(t, pid) {
			if target == path || fd > 2 && !(fd == 3 && target == path+childSuffix) {
				t.Errorf("process %d has descriptor %d open, to %s", pid, fd, target)
			}
		}
		if f := procStat(t, pid); f[1] != strconv.Itoa(sup.pid) && pid == p[0] || f[2] != strconv.Itoa(p[0]) {
			t.Errorf("process %d: parent %s, group %s; want CMD a child of the supervisor %d, in a group of its own", pid, f[1], f[2], sup.pid)
		}
	}
	if r := pidfileCmd(t, "pid", path); r.stdout != strconv.Itoa(sup.pid)+"\n" {
		t.Errorf("pid: %q; want the supervisor %d", r.stdout, sup.pid)
	}
	syscall.Kill(p[0], syscall.SIGKILL)
	if ws := sup.wait(t); ws.ExitStatus() != 128+9 {
		t.Errorf("the supervisor exited %v; want status 137 (CMD was killed)", ws)
	}
	if !ended(p[1]) {
		t.Errorf("the worker %d outlived the supervisor", p[1])
	}
	if !free(t, path) {
		t.Error("the lock is held after the supervisor exited")
	}
	supervised(t, path, mark, nil, "sleep", "3600")
}

// stop ends a supervised CMD that ignores TERM, and its worker, within the
// supervisor's -stop-timeout; kill -s HUP reaches CMD.
func TestSuperviseStopAndSignals(t *testing.T) {
	dir := t.TempDir()
	path, pids, got := filepath.Join(dir, "d.pid"), filepath.Join(dir, "pids"), filepath.Join(dir, "got")
	mark := marker()
	script := `trap 'echo HUP >> "$2"' HUP; trap '' TERM; sleep 3600 & echo "$$ $!" > "$1"; while :; do sleep 0.01; done`
	sup := supervised(t, path, mark, []string{"-stop-timeout", "500ms"}, "sh", "-c", script, mark, pids, got)
	p := pidsIn(t, pids, 2)
	if r := pidfileCmd(t, "kill", "-s", "HUP", path); r.code != 0 {
		t.Fatalf("kill -s HUP: exit %d, %q", r.code, r.stderr)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		if b, _ := os.ReadFile(got); string(b) == "HUP\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("CMD never recorded the HUP sent to its supervisor")
		}
	}
	if syscall.Kill(sup.pid, 0) != nil || syscall.Kill(p[0], 0) != nil {
		t.Fatal("HUP ended the supervisor or CMD")
	}
	if r := pidfileCmd(t, "stop", path); r.code != 0 || r.stderr != "" {
		t.Errorf("stop: exit %d, stderr %q; want 0 and nothing said", r.code, r.stderr)
	}
	if ws := sup.wait(t); ws.Signaled() || ws.ExitStatus() != 0 {
		t.Errorf("the supervisor ended %v; want exit 0 for a requested stop", ws)
	}
	for _, pid := range p {
		if !ended(pid) {
			t.Errorf("process %d outlived the stop", pid)
		}
	}
	if !free(t, path) {
		t.Error("the lock is held after stop")
	}
}

// runLog is the supervisor's lines in a -log file: when each CMD started,
// and the restart delays it announced.
type runLog struct {
	starts []time.Time
	delays []string
	text   string
}

var (
	startLine = regexp.MustCompile(`(?m)^(\S+) pidfile run: .*: started .* as process \d+$`)
	delayLine = regexp.MustCompile(`(?m)^\S+ pidfile run: .*: restarting .* in (\S+)$`)
)

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

// withMark lists the live processes (not zombies) that have mark among
// their arguments.
func withMark(t *testing.T, mark string) []int {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	must(t, err)
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		stat, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		zombie := strings.HasPrefix(string(stat[strings.LastIndexByte(string(stat), ')')+1:]), " Z")
		if err == nil && strings.Contains(string(b), "\x00"+mark+"\x00") && !zombie {
			pids = append(pids, pid)
		}
	}
	return pids
}

func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	must(t, err)
	return b
}

// status -json names the supervisor's current CMD as "child", and no child
// that a file beside a pidfile claims but the kernel does not confirm.
func TestSuperviseStatusChild(t *testing.T) {
	dir := t.TempDir()
	path, pids := filepath.Join(dir, "d.pid"), filepath.Join(dir, "pids")
	mark := marker()
	sup := supervised(t, path, mark, []string{"-restart", "always", "-restart-delay", "10ms"},
		"sh", "-c", `echo $$ >> "$1"; exec sleep 3600`, mark, pids)
	first := pidsIn(t, pids, 1)[0]
	source := "content" // the portable build has no lock table
	if lockTable {
		source = "kernel"
	}
	r := pidfileCmd(t, "status", "-json", path)
	var got state
	must(t, json.Unmarshal([]byte(r.stdout), &got))
	if want := (state{Path: path, State: "running", PID: sup.pid, Source: source, Child: first}); got.Service == nil ||
		got.Service.State != "running" || got.Service.PID != first || time.Since(got.Service.Since) > time.Minute {
		t.Errorf("status -json: %s; want %+v, and the service running as %d", r.stdout, want, first)
	} else if got.Service = nil; got != want {
		t.Errorf("status -json: %s; want %+v", r.stdout, want)
	}
	syscall.Kill(first, syscall.SIGKILL)
	second := pidsIn(t, pids, 2)[1]
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		r := pidfileCmd(t, "status", "-json", path)
		if strings.Contains(r.stdout, fmt.Sprintf(`"child":%d,`, second)) && strings.Contains(r.stdout, `"restarts":1,`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status -json: %s; want child %d after the restart", r.stdout, second)
		}
	}

	// A plain holder, with a child file that names a live process that
	// leads its own group but is not its child.
	other := filepath.Join(dir, "o.pid")
	holder := startRun(t, other)
	stranger := start(t, "sleep", "3600")
	must(t, os.WriteFile(other+".child", []byte(strconv.Itoa(stranger.pid())+"\n"), 0o644))
	want := fmt.Sprintf(`{"path":%q,"state":"running","pid":%d,"source":%q}`+"\n", other, holder.pid(), source)
	if r := pidfileCmd(t, "status", "-json", other); r.stdout != want {
		t.Errorf("a forged child file: status -json %s; want %s", r.stdout, want)
	}
}

// -log: both streams of CMD, across a restart, with the supervisor's lines;
// a rename of the file from outside is followed by a fresh file getting the
// next lines, none lost.
func TestSuperviseLog(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	r := pidfileCmd(t, "run", "-supervise", "-restart", "on-failure", "-restart-delay", "10ms", "-restart-max", "1",
		"-log", log, filepath.Join(dir, "a.pid"), "--", "sh", "-c", `echo "out $$"; echo "err $$" >&2; exit 3`)
	l := readRunLog(t, log)
	if r.code != 3 || len(l.starts) != 2 || len(regexp.MustCompile(`(?m)^out (\d+)$`).FindAllString(l.text, -1)) != 2 ||
		len(regexp.MustCompile(`(?m)^err (\d+)$`).FindAllString(l.text, -1)) != 2 {
		t.Errorf("exit %d; log:\n%s\nwant exit 3, two starts, each with its out and err line", r.code, l.text)
	}

	// Rotation from outside: CMD writes a numbered line every 5 ms.
	log = filepath.Join(dir, "rot.log")
	path := filepath.Join(dir, "rot.pid")
	mark := marker()
	supervised(t, path, mark, []string{"-log", log}, "sh", "-c", `i=0; while :; do echo "line $i"; i=$((i+1)); sleep 0.005; done`, mark)
	waitFor := func(file, what string) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
			if b, _ := os.ReadFile(file); strings.Contains(string(b), what) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never held %q", file, what)
			}
		}
	}
	waitFor(log, "line 10\n")
	must(t, os.Rename(log, log+".old"))
	waitFor(log, "\nline ")
	waitFor(log, "line ")
	must(t, os.Rename(log, log+".old2"))
	waitFor(log, "line ")
	if r := pidfileCmd(t, "stop", path); r.code != 0 {
		t.Fatalf("stop: %d %q", r.code, r.stderr)
	}
	// Every line once, in order, across the three files.
	next := 0
	for _, f := range []string{log + ".old", log + ".old2", log} {
		sc := bufio.NewScanner(strings.NewReader(string(mustRead(t, f))))
		for sc.Scan() {
			var n int
			if _, err := fmt.Sscanf(sc.Text(), "line %d", &n); err != nil {
				continue // the supervisor's lines
			}
			if n != next {
				t.Fatalf("%s: line %d where %d was due", f, n, next)
			}
			next++
		}
	}
}

// -log-size 1K -log-keep 2 keeps FILE, FILE.1 and FILE.2 only, none past 1K,
// every line whole.
func TestSuperviseLogSize(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	r := pidfileCmd(t, "run", "-supervise", "-log", log, "-log-size", "1K", "-log-keep", "2", filepath.Join(dir, "a.pid"), "--",
		"sh", "-c", `i=0; while [ $i -lt 300 ]; do echo "line $i of the test's output, padded to be longer"; i=$((i+1)); done`)
	if r.code != 0 {
		t.Fatalf("exit %d, %q", r.code, r.stderr)
	}
	entries, err := os.ReadDir(dir)
	must(t, err)
	var logs []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "log") {
			logs = append(logs, e.Name())
		}
	}
	if strings.Join(logs, " ") != "log log.1 log.2" {
		t.Errorf("files %v; want log, log.1, log.2", logs)
	}
	line := regexp.MustCompile(`^(line \d+ of the test's output, padded to be longer|\S+ pidfile run: .*)$`)
	last := -1
	for _, name := range []string{"log.2", "log.1", "log"} {
		b := mustRead(t, filepath.Join(dir, name))
		if len(b) > 1024 || len(b) == 0 || b[len(b)-1] != '\n' {
			t.Errorf("%s: %d bytes, ending %q; want 1..1024 whole lines", name, len(b), b[max(len(b)-1, 0):])
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			var n int
			if !line.MatchString(l) {
				t.Errorf("%s: a broken line %q", name, l)
			} else if _, err := fmt.Sscanf(l, "line %d", &n); err == nil {
				if n != last+1 && last >= 0 {
					t.Errorf("%s: line %d after %d", name, n, last)
				}
				last = n
			}
		}
	}
	if last != 299 {
		t.Errorf("the last line is %d; want 299", last)
	}
}

// A supervisor run by systemd (Type=notify: it has NOTIFY_SOCKET) sends
// READY=1 there once CMD said READY=1 to the supervisor's own socket, and
// STOPPING=1 when it is asked to stop. The test plays systemd.
func TestSuperviseRelaysReadiness(t *testing.T) {
	dir := t.TempDir()
	addr := fmt.Sprintf("@pidfile-test-systemd/%d/%d", os.Getpid(), time.Now().UnixNano())
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	must(t, err)
	defer conn.Close()
	rc, err := conn.SyscallConn()
	must(t, err)
	rc.Control(func(fd uintptr) { err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1) })
	must(t, err)
	receive := func() (string, int) {
		t.Helper()
		buf, oob := make([]byte, 4096), make([]byte, unix.CmsgSpace(unix.SizeofUcred))
		conn.SetReadDeadline(time.Now().Add(60 * time.Second))
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		must(t, err)
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		must(t, err)
		cred, err := unix.ParseUnixCredentials(&msgs[0])
		must(t, err)
		return string(buf[:n]), int(cred.Pid)
	}

	path, touched := filepath.Join(dir, "d.pid"), filepath.Join(dir, "ready")
	// CMD is this test binary, in the role "notify".
	cmd := exec.Command(bin, "run", "-supervise", "-ready", "notify", "-env", roleEnv+"=notify",
		"-env", argEnv+"=pause|touch:"+touched+"|READY=1", path, "--", os.Args[0])
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+addr)
	d := startCmd(t, cmd)
	msg, from := receive()
	if _, err := os.Stat(touched); msg != "READY=1" || from != d.pid() || err != nil {
		t.Errorf("systemd heard %q from %d (the supervisor is %d; CMD ready: %v); want READY=1 from the supervisor after CMD's",
			msg, from, d.pid(), err)
	}
	if r := pidfileCmd(t, "stop", path); r.code != 0 {
		t.Errorf("stop: %d %q", r.code, r.stderr)
	}
	if msg, _ := receive(); msg != "STOPPING=1" {
		t.Errorf("systemd heard %q at the stop; want STOPPING=1", msg)
	}
	if sig := d.signalled(t); sig != 0 || d.cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("the supervisor ended %v", d.cmd.ProcessState)
	}
}

// -ready fd:N with -supervise -detach: run returns once CMD wrote its
// newline, and fails (exit 3, nothing left) when the first CMD exits first.
func TestSuperviseReadyFD(t *testing.T) {
	dir := t.TempDir()
	path, touched := filepath.Join(dir, "d.pid"), filepath.Join(dir, "ready")
	mark := marker()
	supervised(t, path, mark, []string{"-ready", "fd:5"}, "sh", "-c", `sleep 0.5; : > "$1"; echo >&5; exec sleep 3600`, mark, touched)
	if _, err := os.Stat(touched); err != nil {
		t.Errorf("run returned before CMD was ready: %v", err)
	}
	path = filepath.Join(dir, "e.pid")
	mark = marker()
	r := pidfileCmd(t, "run", "-supervise", "-detach", "-restart", "always", "-ready", "fd:5", path, "--", "sh", "-c", "exit 4", mark)
	checkFailedStart(t, r, "exited with status 4", mark, path)
}

// Refusals of -supervise's flags: one line, exit 2, nothing started.
func TestSuperviseUsage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	for _, args := range [][]string{
		{"-restart", "always"},
		{"-restart-delay", "1s"},
		{"-restart-max", "3"},
		{"-stop-timeout", "1s"},
		{"-supervise", "-log-size", "1K"},
		{"-supervise", "-log", "l", "-log-keep", "2"},
		{"-supervise", "-restart", "sometimes"},
		{"-supervise", "-restart-delay", "0s"},
		{"-supervise", "-restart-max", "-1"},
		{"-supervise", "-stop-timeout", "0s"},
		{"-supervise", "-log", "l", "-log-size", "0"},
		{"-supervise", "-log", "l", "-log-size", "1T"},
		{"-supervise", "-log", "l", "-log-size", "1K", "-log-keep", "0"},
		{"-supervise", "-log", "l", "-log-size", "1K", "-log-keep", "1001"},
		{"-log", "l"},
	} {
		mark := marker()
		r := pidfileCmd(t, append(append([]string{"run"}, args...), path, "--", "sleep", mark)...)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("run %v: exit %d, stderr %q; want 2 and one line", args, r.code, r.stderr)
		}
		checkNothingLeft(t, mark, path)
	}
}

// -stop-timeout bounds the whole stop: a CMD that takes a while to exit
// leaves its group less than the full -stop-timeout before KILL.
func TestSuperviseStopTimeoutCountsFromTheRequest(t *testing.T) {
	dir := t.TempDir()
	path, pids, log := filepath.Join(dir, "d.pid"), filepath.Join(dir, "pids"), filepath.Join(dir, "log")
	mark := marker()
	// The worker ignores TERM; CMD exits 0.3 s after it.
	script := `trap 'sleep 0.3; exit 0' TERM; (trap '' TERM; while :; do sleep 0.01; done) & echo "$$ $!" > "$1"; while :; do sleep 0.01; done`
	sup := supervised(t, path, mark, []string{"-stop-timeout", "2s", "-log", log}, "sh", "-c", script, mark, pids)
	p := pidsIn(t, pids, 2)
	if r := pidfileCmd(t, "stop", "-timeout", "1h", path); r.code != 0 {
		t.Fatalf("stop: exit %d, %q", r.code, r.stderr)
	}
	sup.wait(t)
	if !ended(p[1]) {
		t.Fatalf("the worker %d outlived the stop", p[1])
	}
	m := regexp.MustCompile(`process group \d+ is not empty after (\S+); sending KILL`).FindStringSubmatch(string(mustRead(t, log)))
	if m == nil {
		t.Fatalf("the log does not say the group got KILL:\n%s", mustRead(t, log))
	}
	if d, err := time.ParseDuration(m[1]); err != nil || d >= 2*time.Second {
		t.Errorf("the group got KILL %s after CMD exited; want what was left of the 2s from the stop request", m[1])
	}
}

// -log-size rotates only a regular file: a device (a console) is refused,
// not renamed. The device here is a null device made for the test.
func TestSuperviseLogSizeRefusesADevice(t *testing.T) {
	testproc.RequireRoot(t)
	dir := t.TempDir()
	dev := filepath.Join(dir, "console")
	must(t, unix.Mknod(dev, unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3))))
	mark := marker()
	path := filepath.Join(dir, "d.pid")
	r := pidfileCmd(t, "run", "-supervise", "-log", dev, "-log-size", "1K", path, "--", "sleep", mark)
	if r.code != exitUnknown || !strings.Contains(r.stderr, "rotates only a regular file") {
		t.Errorf("exit %d, stderr %q; want 4, refused", r.code, r.stderr)
	}
	if _, err := os.Stat(dev + ".1"); err == nil {
		t.Error("the device was renamed")
	}
	checkNothingLeft(t, mark, path)
}

// logrotate in its default create mode (rename, then a fresh file) is
// followed: the next lines go to the file it created, none lost.
func TestSuperviseFollowsLogrotate(t *testing.T) {
	logrotate := testproc.LookTool(t, "logrotate")
	dir := t.TempDir()
	log, path, conf := filepath.Join(dir, "d.log"), filepath.Join(dir, "d.pid"), filepath.Join(dir, "logrotate.conf")
	must(t, os.WriteFile(conf, []byte(log+" {\n  create\n  rotate 2\n}\n"), 0o644))
	mark := marker()
	supervised(t, path, mark, []string{"-log", log}, "sh", "-c", `i=0; while :; do echo "line $i"; i=$((i+1)); sleep 0.005; done`, mark)
	waitLine := func(what string) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
			if b, _ := os.ReadFile(log); strings.Contains(string(b), what) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never held %q", log, what)
			}
		}
	}
	waitLine("line 10\n")
	if out, err := exec.Command(logrotate, "-f", "-s", filepath.Join(dir, "state"), conf).CombinedOutput(); err != nil {
		t.Fatalf("logrotate: %v\n%s", err, out)
	}
	waitLine("line ")
	if r := pidfileCmd(t, "stop", path); r.code != 0 {
		t.Fatalf("stop: %d %q", r.code, r.stderr)
	}
	next := 0
	for _, f := range []string{log + ".1", log} {
		for _, l := range strings.Split(string(mustRead(t, f)), "\n") {
			var n int
			if _, err := fmt.Sscanf(l, "line %d", &n); err != nil {
				continue // the supervisor's lines
			}
			if n != next {
				t.Fatalf("%s: line %d where %d was due", f, n, next)
			}
			next++
		}
	}
	if next < 12 {
		t.Errorf("%d lines in all", next)
	}
}

// A fresh log that others may write (a rotation tool's "create 0666") is
// not written: the supervisor writes on in the renamed file, and says why
// there, once.
func TestSuperviseRefusesAWritableFreshLog(t *testing.T) {
	dir := t.TempDir()
	log, path := filepath.Join(dir, "d.log"), filepath.Join(dir, "d.pid")
	mark := marker()
	supervised(t, path, mark, []string{"-log", log}, "sh", "-c", `i=0; while :; do echo "line $i"; i=$((i+1)); sleep 0.005; done`, mark)
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(string(mustRead(t, log)), "line 3\n"); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no output")
		}
	}
	must(t, os.Rename(log, log+".1"))
	must(t, os.WriteFile(log, nil, 0o666))
	must(t, os.Chmod(log, 0o666))
	const says = "cannot open the log again, writing on here"
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		// Long enough after the first word for a second check to have
		// come (at most a second later): 400 lines at one per 5 ms.
		b := string(mustRead(t, log+".1"))
		if i := strings.Index(b, says); i >= 0 && strings.Count(b[i:], "\nline ") >= 400 {
			if strings.Count(b, says) != 1 {
				t.Errorf("said %d times", strings.Count(b, says))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the renamed log does not say why it goes on:\n%s", b)
		}
	}
	if b := mustRead(t, log); len(b) != 0 {
		t.Errorf("the writable log got %q", b)
	}
}

// A descriptor that the supervisor inherited from its caller (a shell's
// redirection, not close-on-exec) does not reach CMD.
func TestSuperviseKeepsTheCallersDescriptors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	mark := marker()
	t.Cleanup(func() { startedWith(t, mark) })
	start(t, "sh", "-c", `exec 7</dev/null; exec "$0" run -supervise "$1" -- sleep "$2"`, bin, path, mark)
	// The child is named from its fork; its descriptors are CMD's once
	// it has executed sleep (until then it is this program, setting up).
	child := 0
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		var s state
		if r := pidfileCmd(t, "status", "-json", path); json.Unmarshal([]byte(r.stdout), &s) == nil && s.Child > 0 {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", s.Child)); strings.HasPrefix(string(b), "sleep\x00") {
				child = s.Child
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("status never named the supervisor's child running sleep")
		}
	}
	for fd, target := range openFDs(t, child) {
		if fd > 2 && !(fd == 3 && target == path+childSuffix) {
			t.Errorf("CMD has descriptor %d open, to %s", fd, target)
		}
	}
	if r := pidfileCmd(t, "stop", path); r.code != 0 {
		t.Errorf("stop: exit %d, %q", r.code, r.stderr)
	}
}

// TERM to a supervisor that still waits for the lock (-wait) ends it, as it
// ends run without -supervise: there is no CMD yet to pass it to.
func TestSuperviseTermWhileWaiting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	startRun(t, path)
	mark := marker()
	t.Cleanup(func() { startedWith(t, mark) })
	d := start(t, bin, "run", "-supervise", "-wait", "1h", path, "--", "sleep", mark)
	if l := d.stderrLine(t); !strings.Contains(l, "waiting up to 1h") {
		t.Fatalf("stderr %q; want the waiting note", l)
	}
	must(t, d.cmd.Process.Signal(syscall.SIGTERM))
	if sig := d.signalled(t); sig != syscall.SIGTERM {
		t.Errorf("the waiting supervisor ended by %v; want TERM", sig)
	}
	if startedWith(t, mark) {
		t.Error("CMD was started")
	}
}

// -ready applies to every start of CMD: each restart is ready, or not, on
// its own.
func TestSuperviseReadyEveryStart(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "ready.log")
	r := pidfileCmd(t, "run", "-supervise", "-ready", "fd:5", "-restart", "on-failure", "-restart-delay", "10ms", "-restart-max", "2",
		"-log", log, filepath.Join(dir, "a.pid"), "--", "sh", "-c", `echo >&5; sleep 0.1; exit 1`)
	l := readRunLog(t, log)
	if r.code != 1 || len(l.starts) != 3 || strings.Count(l.text, " is ready\n") != 3 {
		t.Errorf("ready each time: exit %d, %d starts, %d ready; want 1, 3, 3\n%s", r.code, len(l.starts), strings.Count(l.text, " is ready\n"), l.text)
	}
	log = filepath.Join(dir, "never.log")
	r = pidfileCmd(t, "run", "-supervise", "-ready", "fd:5", "-ready-timeout", "200ms", "-restart", "on-failure", "-restart-delay", "10ms",
		"-restart-max", "1", "-log", log, filepath.Join(dir, "b.pid"), "--", "sh", "-c", `exec sleep 3600`)
	l = readRunLog(t, log)
	if r.code != 128+int(syscall.SIGTERM) || len(l.starts) != 2 || strings.Count(l.text, "was not ready within 200ms") != 2 {
		t.Errorf("never ready: exit %d, %d starts; want %d, 2, each not ready\n%s", r.code, len(l.starts), 128+int(syscall.SIGTERM), l.text)
	}
}

// A child file that another user wrote, or could have, is not believed,
// even when it names the supervisor's true child: whoever may write it could
// name another.
func TestSuperviseChildFileOfAnotherUser(t *testing.T) {
	testproc.RequireRoot(t)
	dir := t.TempDir()
	path, pids := filepath.Join(dir, "d.pid"), filepath.Join(dir, "pids")
	mark := marker()
	supervised(t, path, mark, nil, "sh", "-c", `echo $$ > "$1"; exec sleep 3600 "$0"`, mark, pids)
	child := pidsIn(t, pids, 1)[0]
	named := fmt.Sprintf(`"child":%d`, child)
	if r := pidfileCmd(t, "status", "-json", path); !strings.Contains(r.stdout, named) {
		t.Fatalf("status -json: %s; want %s", r.stdout, named)
	}
	forged := filepath.Join(dir, "forged")
	must(t, os.WriteFile(forged, []byte(strconv.Itoa(child)+"\n"), 0o644))
	must(t, os.Chown(forged, 65534, 65534))
	must(t, os.Rename(forged, path+".child"))
	if r := pidfileCmd(t, "status", "-json", path); strings.Contains(r.stdout, `"child"`) {
		t.Errorf("status -json: %s; want no child from a file owned by user 65534", r.stdout)
	}
	// The pidfile's owner's, but writable by others.
	must(t, os.WriteFile(forged, []byte(strconv.Itoa(child)+"\n"), 0o644))
	must(t, os.Chmod(forged, 0o666))
	must(t, os.Rename(forged, path+".child"))
	if r := pidfileCmd(t, "status", "-json", path); strings.Contains(r.stdout, `"child"`) {
		t.Errorf("status -json: %s; want no child from a file that others may write", r.stdout)
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

// CMD cannot move itself into the supervisor's process group, where the
// KILL to its own group would not reach it: it runs in a session of its
// own, and a process may join only a group of its session.
func TestSuperviseCMDCannotJoinTheSupervisorsGroup(t *testing.T) {
	dir := t.TempDir()
	path, log := filepath.Join(dir, "d.pid"), filepath.Join(dir, "log")
	mark := marker()
	supervised(t, path, mark, []string{"-log", log, "-env", roleEnv + "=joingroup"}, bin, mark)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		b, _ := os.ReadFile(log)
		if _, said, ok := strings.Cut(string(b), "setpgid: "); ok {
			if !strings.HasPrefix(said, "operation not permitted") {
				t.Errorf("CMD's setpgid into the supervisor's group: %q; want EPERM", strings.SplitN(said, "\n", 2)[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CMD never said how its setpgid went; the log holds %q", b)
		}
	}
}

// A detached supervisor shows as pidfile (ps -C pidfile, pgrep pidfile
// find it), and its command line says what it supervises.
func TestDetachedSupervisorShowsAsPidfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	mark := marker()
	sup := supervised(t, path, mark, nil, "sleep", mark)
	if b := mustRead(t, fmt.Sprintf("/proc/%d/comm", sup.pid)); string(b) != "pidfile\n" {
		t.Errorf("the supervisor's name is %q, want pidfile", b)
	}
	b := mustRead(t, fmt.Sprintf("/proc/%d/cmdline", sup.pid))
	if args := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"); args[0] != "pidfile" || args[len(args)-2] != "sleep" || args[len(args)-1] != mark {
		t.Errorf("the supervisor's command line is %q; want pidfile ... sleep %s", args, mark)
	}
	out, err := exec.Command(testproc.LookTool(t, "pgrep"), "-x", "pidfile").Output()
	if err != nil || !strings.Contains("\n"+string(out), "\n"+strconv.Itoa(sup.pid)+"\n") {
		t.Errorf("pgrep -x pidfile found %q, not the supervisor %d", out, sup.pid)
	}
}

// status tells a crash-looping service from a running one: the supervisor
// runs, CMD does not (it was killed, and restarts in an hour); status says
// when CMD starts again and how the last ended, exits 150, and -json says so
// under "service".
func TestStatusOfACrashLoop(t *testing.T) {
	dir := t.TempDir()
	path, runs := filepath.Join(dir, "d.pid"), filepath.Join(dir, "runs")
	mark := marker()
	sup := supervised(t, path, mark, []string{"-restart", "always", "-restart-delay", "1h"},
		"sh", "-c", `echo $$ >> "$1"; exec sleep 3600 "$0"`, mark, runs)
	syscall.Kill(pidsIn(t, runs, 1)[0], syscall.SIGKILL)
	var r result
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		if r = pidfileCmd(t, "status", path); r.code == exitServiceDown {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status: exit %d, %q; want %d while CMD waits to restart", r.code, r.stdout, exitServiceDown)
		}
	}
	want := fmt.Sprintf("%d\npidfile status: %s: supervisor %d runs; CMD is restarting in ", sup.pid, path, sup.pid)
	if !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, "the last CMD was killed by signal KILL; 1 restarts in a row") {
		t.Errorf("status said %q; want %q, when and how the last CMD ended", r.stdout, want)
	}
	r = pidfileCmd(t, "status", "-json", path)
	var got state
	must(t, json.Unmarshal([]byte(r.stdout), &got))
	if got.State != "running" || got.PID != sup.pid || got.Child != 0 || got.Service == nil || got.Service.State != "restarting" ||
		got.Service.LastExit != "CMD was killed by signal KILL" || got.Service.Restarts != 1 || time.Until(got.Service.NextStart) < 59*time.Minute {
		t.Errorf("status -json: %s; want the supervisor running, the service restarting in an hour", r.stdout)
	}
	if r.code != exitServiceDown {
		t.Errorf("status -json: exit %d, want %d", r.code, exitServiceDown)
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
