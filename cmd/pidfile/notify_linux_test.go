package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/ready"
	"github.com/go-pidfile/pidfile/internal/testproc"
)

// The notify socket lets no datagram through from a sender whose PID the
// kernel cannot give (0): one in another PID namespace, here the test seen
// from a socket made in a child namespace. Such a sender is never CMD.
func TestNotifySocketIgnoresUnseenSenders(t *testing.T) {
	testproc.RequireRoot(t)
	cmd := exec.Command(testproc.LookTool(t, "unshare"), "-p", "-f", "--kill-child", os.Args[0])
	cmd.Env = append(os.Environ(), roleEnv+"=notifyrecv", pathEnv+"="+filepath.Join(t.TempDir(), "d.pid"))
	d := startCmd(t, cmd)
	addr, ok := strings.CutPrefix(d.Line(), "addr ")
	if !ok {
		t.Fatalf("the helper said %q", addr)
	}
	must(t, ready.Send(addr, "READY=1"))
	d.Send("")
	if l := d.Line(); l != "got self <nil>" {
		t.Errorf("the socket in the namespace let through %q; want only its own process's datagram", l)
	}
}

// After run -detach -ready notify has returned, the daemon's NOTIFY_SOCKET
// names a socket that no other process can bind: what the daemon sends
// later (FDSTORE=1 passes descriptors) reaches nobody else.
func TestRunDetachLeavesNoNotifyNameToTake(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	d := detach(t, path, []string{"-ready", "notify", "-env", roleEnv + "=notify", "-env", argEnv + "=READY=1"}, bin)
	b, err := os.ReadFile("/proc/" + strconv.Itoa(d.pid) + "/environ")
	must(t, err)
	addr := ""
	for _, kv := range strings.Split(string(b), "\x00") {
		if v, ok := strings.CutPrefix(kv, "NOTIFY_SOCKET="); ok {
			addr = v
		}
	}
	if addr == "" {
		t.Fatal("the daemon has no NOTIFY_SOCKET")
	}
	if c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"}); err == nil {
		c.Close()
		t.Errorf("after the start, another process could bind the daemon's NOTIFY_SOCKET %s", addr)
	}
}

// A PATH.notify that is not a socket left by an earlier start is refused
// before anything starts.
func TestRunDetachRefusesAForeignNotifyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	must(t, os.WriteFile(path+".notify", []byte("keep me"), 0o644))
	mark := marker()
	r := pidfileCmd(t, "run", "-detach", "-ready", "notify", path, "--", "sleep", mark)
	if r.code != 4 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, path+".notify") {
		t.Errorf("exit %d, stderr %q; want 4 and one line naming %s.notify", r.code, r.stderr, path)
	}
	if b, _ := os.ReadFile(path + ".notify"); string(b) != "keep me" {
		t.Errorf("the file was changed: %q", b)
	}
	checkNothingLeft(t, mark, path)
}
