package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

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
	if _, err := os.Stat(touched); msg != "READY=1" || from != d.PID() || err != nil {
		t.Errorf("systemd heard %q from %d (the supervisor is %d; CMD ready: %v); want READY=1 from the supervisor after CMD's",
			msg, from, d.PID(), err)
	}
	if r := pidfileCmd(t, "stop", path); r.code != 0 {
		t.Errorf("stop: %d %q", r.code, r.stderr)
	}
	if msg, _ := receive(); msg != "STOPPING=1" {
		t.Errorf("systemd heard %q at the stop; want STOPPING=1", msg)
	}
	if sig := d.Signaled(); sig != 0 || d.Cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("the supervisor ended %v", d.Cmd.ProcessState)
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
