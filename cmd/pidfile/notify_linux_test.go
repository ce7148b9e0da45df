package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// The notify socket lets no datagram through from a sender whose PID the
// kernel cannot give (0): one in another PID namespace, here the test seen
// from a socket made in a child namespace. Such a sender is never CMD.
func TestNotifySocketIgnoresUnseenSenders(t *testing.T) {
	testproc.RequireRoot(t)
	cmd := exec.Command(testproc.LookTool(t, "unshare"), "-p", "-f", "--kill-child", os.Args[0])
	cmd.Env = append(os.Environ(), roleEnv+"=notifyrecv")
	d := startCmd(t, cmd)
	addr, ok := strings.CutPrefix(d.stderrLine(t), "addr ")
	if !ok {
		t.Fatalf("the helper said %q", addr)
	}
	must(t, sendNotify(addr, "READY=1"))
	_, err := d.stdin.Write([]byte("\n"))
	must(t, err)
	if l := d.stderrLine(t); l != "got self <nil>" {
		t.Errorf("the socket in the namespace let through %q; want only its own process's datagram", l)
	}
}
