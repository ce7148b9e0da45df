package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-pidfile/pidfile/internal/testproc"
	"golang.org/x/sys/unix"
)

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

// -log-stderr takes CMD's standard error apart from -log, under run -detach
// and under a supervisor; a refused one starts nothing.
func TestRunLogStderr(t *testing.T) {
	dir := t.TempDir()
	script := `echo "out $$"; echo "err $$" >&2; exec sleep 3600`
	for _, flags := range [][]string{{"-detach"}, {"-detach", "-supervise"}} {
		name := strings.Join(flags, " ")
		path := filepath.Join(dir, strconv.Itoa(len(flags))+".pid")
		out, errs := path+".out", path+".err"
		mark := marker()
		detach(t, path, append(flags[1:], "-log", out, "-log-stderr", errs), "sh", "-c", script, mark)
		t.Cleanup(func() { pidfileCmd(t, "stop", path) })
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
			o, e := string(mustRead(t, out)), string(mustRead(t, errs))
			if regexp.MustCompile(`(?m)^out \d+$`).MatchString(o) && regexp.MustCompile(`(?m)^err \d+$`).MatchString(e) {
				if strings.Contains(o, "err ") || strings.Contains(e, "out ") {
					t.Errorf("%s: -log %q, -log-stderr %q; want each stream in its own file", name, o, e)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: -log %q, -log-stderr %q; want out in one, err in the other", name, o, e)
			}
		}
	}
	path := filepath.Join(dir, "refused.pid")
	mark := marker()
	for _, errLog := range []string{path + ".child", filepath.Join(dir, "nodir", "e.log")} {
		r := pidfileCmd(t, "run", "-detach", "-log", path+".log", "-log-stderr", errLog, path, "--", "sleep", "3600", mark)
		if r.code != 4 || !strings.Contains(r.stderr, "-log-stderr") || startedWith(t, mark) {
			t.Errorf("-log-stderr %s: exit %d, stderr %q; want 4 naming -log-stderr, nothing started", errLog, r.code, r.stderr)
		}
	}
}
