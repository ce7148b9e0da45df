package main

import (
	"fmt"
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

// An -env-file sets CMD's environment (LD_PRELOAD, PATH): root's run reads
// only one that nobody else could have written, a regular file not reached
// through a symbolic link, and refuses a FIFO without waiting on it.
func TestRunEnvFileTrust(t *testing.T) {
	testproc.RequireRoot(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.env")
	must(t, os.WriteFile(good, []byte("FOO=1\n"), 0o600))
	writable := filepath.Join(dir, "writable.env")
	must(t, os.WriteFile(writable, []byte("FOO=1\n"), 0o600))
	must(t, os.Chmod(writable, 0o666))
	others := filepath.Join(dir, "others.env")
	must(t, os.WriteFile(others, []byte("LD_PRELOAD=/tmp/x.so\n"), 0o600))
	must(t, os.Chown(others, 65534, 65534)) // nobody
	link := filepath.Join(dir, "link.env")
	must(t, os.Symlink(good, link))
	fifo := filepath.Join(dir, "fifo.env")
	must(t, syscall.Mkfifo(fifo, 0o600))
	for file, says := range map[string]string{
		writable: "is writable by others (mode 0666)",
		others:   "owned by user",
		link:     "symbolic links",
		fifo:     "not a regular file",
	} {
		path := filepath.Join(dir, "d.pid")
		mark := marker()
		r := pidfileCmd(t, "run", "-env-file", file, path, "--", "sleep", mark)
		if r.code != 4 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, says) || !strings.Contains(r.stderr, file) {
			t.Errorf("-env-file %s: exit %d, stderr %q; want 4 and one line naming it and saying %q", file, r.code, r.stderr, says)
		}
		checkNothingLeft(t, mark, path)
	}
}

// The -env-file is read once, by root before it becomes -user's user: a
// file only root may read still sets the environment of CMD run as nobody.
func TestRunEnvFileReadBeforeUser(t *testing.T) {
	testproc.RequireRoot(t)
	dir := t.TempDir()
	env := filepath.Join(dir, "env")
	must(t, os.WriteFile(env, []byte("FOO=secret\n"), 0o600))
	r := pidfileCmd(t, "run", "-user", "nobody", "-env-file", env, filepath.Join(dir, "d.pid"), "--", "sh", "-c", `echo "$FOO"`)
	if r.code != 0 || r.stdout != "secret\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want FOO from the file", r.code, r.stdout, r.stderr)
	}
}

// A supervisor starts every CMD with the -env-file as it was read when run
// started: a file changed since is not read again at a restart.
func TestSuperviseReadsEnvFileOnce(t *testing.T) {
	dir := t.TempDir()
	env, out := filepath.Join(dir, "env"), filepath.Join(dir, "out")
	must(t, os.WriteFile(env, []byte("FOO=first\n"), 0o600))
	sup := exec.Command(bin, "run", "-supervise", "-restart", "on-failure", "-restart-max", "1", "-restart-delay", "10ms",
		"-env-file", env, filepath.Join(dir, "d.pid"), "--",
		"sh", "-c", `echo "$FOO" >> "$0"; while [ ! -e "$0.go" ]; do sleep 0.01; done; exit 1`, out)
	d := startCmd(t, sup)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		if b, _ := os.ReadFile(out); string(b) == "first\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("CMD never started")
		}
	}
	must(t, os.WriteFile(env, []byte("FOO=changed\n"), 0o600))
	must(t, os.WriteFile(out+".go", nil, 0o600))
	select {
	case <-d.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("the supervisor did not give up after -restart-max 1")
	}
	if b, _ := os.ReadFile(out); string(b) != "first\nfirst\n" {
		t.Errorf("CMD's runs saw FOO as %q; want the first reading twice", b)
	}
}

// Settings reach CMD byte for byte, also through the processes that run
// -detach and a supervisor start: a value that is not UTF-8 among them.
func TestRunEnvironmentKeepsEveryByte(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, "env")
	must(t, os.WriteFile(env, []byte("LATIN=caf\xe9\nEMPTY=\n"), 0o600))
	out := filepath.Join(dir, "out")
	for _, flags := range [][]string{{"-detach"}, {"-supervise", "-detach"}} {
		path := filepath.Join(dir, "d.pid")
		stopAtEnd(t, path)
		args := append(append([]string{"run"}, flags...), "-env-file", env, "-env", "FLAG=\xff", path, "--",
			"sh", "-c", `printf '%s|%s|%s' "$LATIN" "$FLAG" "${EMPTY-unset}" > "$0.new" && mv "$0.new" "$0"; exec sleep 3600`, out)
		r := pidfileCmd(t, args...)
		if r.code != 0 {
			t.Fatalf("run %v: exit %d, %q", flags, r.code, r.stderr)
		}
		said := func() string {
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				if b, err := os.ReadFile(out); err == nil {
					return string(b)
				}
			}
			return ""
		}
		if got := said(); got != "caf\xe9|\xff|" {
			t.Errorf("run %v: CMD saw %q, want %q", flags, got, "caf\xe9|\xff|")
		}
		if r := pidfileCmd(t, "stop", path); r.code != 0 {
			t.Errorf("stop: exit %d, %q", r.code, r.stderr)
		}
		os.Remove(out)
	}
}

// run sets up CMD's execution environment after the claim: working
// directory, umask, niceness, resource limits and environment variables,
// in the foreground and detached.
func TestRunEnvironment(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env")
	must(t, os.WriteFile(envFile, []byte("# comment\n\nFOO=from-file\nBAR=b=c\n"), 0o600))
	flags := []string{"-chdir", dir, "-umask", "027", "-nice", "5", "-limit", "nofile=123:456", "-limit", "core=unlimited",
		"-env-file", envFile, "-env", "FOO=from-flag"}
	script := `pwd; umask; nice; grep -E "^Max (open files|core file size)" /proc/self/limits | tr -s " "; echo "$FOO $BAR"`
	// -nice is relative to the niceness run starts with: this test's.
	out, err := exec.Command("nice").Output()
	must(t, err)
	base, err := strconv.Atoi(strings.TrimSpace(string(out)))
	must(t, err)
	r := pidfileCmd(t, append(append([]string{"run"}, flags...), filepath.Join(dir, "d.pid"), "--", "sh", "-c", script)...)
	want := fmt.Sprintf("%s\n0027\n%d\nMax core file size unlimited unlimited bytes \nMax open files 123 456 files \nfrom-flag b=c\n",
		dir, min(base+5, 19))
	if r.code != 0 || r.stdout != want {
		t.Errorf("run %v: exit %d, stdout %q, stderr %q; want %q", flags, r.code, r.stdout, r.stderr, want)
	}

	// Detached, as /proc tells of the daemon.
	d := detach(t, filepath.Join(dir, "e.pid"), []string{"-chdir", "/", "-nice", "3", "-env", "X=1"}, "sleep", "3600")
	if f := procStat(t, d.pid); f[16] != strconv.Itoa(min(base+3, 19)) {
		t.Errorf("the daemon's niceness is %s, want %d", f[16], min(base+3, 19))
	}
	if cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", d.pid)); cwd != "/" {
		t.Errorf("the daemon's working directory is %q, want /", cwd)
	}
	if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", d.pid)); !strings.Contains("\x00"+string(b), "\x00X=1\x00") {
		t.Errorf("the daemon's environment lacks X=1")
	}
}

// -env names HOME, USER or LOGNAME over what -user sets.
func TestRunEnvironmentOverUser(t *testing.T) {
	testproc.RequireRoot(t)
	dir := t.TempDir()
	r := pidfileCmd(t, "run", "-user", "nobody", "-env", "HOME=/elsewhere", filepath.Join(dir, "d.pid"), "--", "sh", "-c", `echo "$HOME $USER"`)
	if r.code != 0 || r.stdout != "/elsewhere nobody\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want HOME from -env, USER from -user", r.code, r.stdout, r.stderr)
	}
}

// A bad value of the environment's flags is refused in one line, before
// anything starts and with the pidfile free: a usage error (2) for a value
// that does not parse, 4 for one that cannot be applied or read.
func TestRunEnvironmentRefusals(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.env")
	must(t, os.WriteFile(bad, []byte("A=1\nnot a setting\n"), 0o600))
	for _, tc := range []struct {
		flags []string
		code  int
		says  string
	}{
		{[]string{"-limit", "nofile=abc"}, 2, "abc"},
		{[]string{"-limit", "files=10"}, 2, "NAME one of"},
		{[]string{"-limit", "nofile=10:5"}, 2, "above the hard"},
		{[]string{"-nice", "x"}, 2, "-nice"},
		{[]string{"-umask", "999"}, 2, "octal"},
		{[]string{"-env", "NOEQUALS"}, 2, "KEY=VALUE"},
		{[]string{"-chdir", filepath.Join(dir, "missing")}, 4, "-chdir"},
		{[]string{"-env-file", bad}, 4, "line 2"},
		{[]string{"-env-file", filepath.Join(dir, "missing.env")}, 4, "-env-file"},
	} {
		for _, detached := range []bool{false, true} {
			path := filepath.Join(dir, "d.pid")
			args := []string{"run"}
			if detached {
				args = append(args, "-detach")
			}
			mark := marker()
			r := pidfileCmd(t, append(append(args, tc.flags...), path, "--", "sleep", mark)...)
			if r.code != tc.code || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.says) || r.stdout != "" {
				t.Errorf("%v (detached %t): exit %d, stdout %q, stderr %q; want %d and one line saying %q",
					tc.flags, detached, r.code, r.stdout, r.stderr, tc.code, tc.says)
			}
			checkNothingLeft(t, mark, path)
		}
	}
}
