package main

import (
	"os"
	"os/exec"
	"path/filepath"
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
	case <-d.done:
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
