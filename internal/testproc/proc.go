//go:build unix || windows

package testproc

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary re-executes itself to play other processes. The role it
// plays, and the path and argument the role acts on, come in these
// environment variables; each test package's TestMain calls Play first.
const (
	RoleEnv = "PIDFILE_TEST_ROLE"
	PathEnv = "PIDFILE_TEST_PATH"
	ArgEnv  = "PIDFILE_TEST_ARG"
)

// Play runs the role that the environment names, if it names one, and exits
// with the status that roles returns; otherwise it returns.
func Play(roles func(role, path, arg string) int) {
	if role := os.Getenv(RoleEnv); role != "" {
		os.Exit(roles(role, os.Getenv(PathEnv), os.Getenv(ArgEnv)))
	}
}

// Command returns the test binary as a command that plays role on path with
// arg. Its environment is this process's, without any role of its own, plus
// env.
func Command(role, path, arg string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(Environ(), env...), RoleEnv+"="+role, PathEnv+"="+path, ArgEnv+"="+arg)
	return cmd
}

// Environ is this process's environment without the variables of a role
// (every PIDFILE_TEST_ one), and with the race detector's second of sleep at
// exit turned off: a helper need not wait for reports nobody reads.
func Environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIDFILE_TEST_") {
			env = append(env, kv)
		}
	}
	return append(env, "GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE"))
}

// Stream names the output of a Proc that the test reads in lines.
type Stream int

const (
	Stdout Stream = iota
	Stderr
)

// Proc is a process that a test started: its stdin is a pipe from the test,
// one of its outputs comes back in lines, and it is killed and reaped, with
// what it started in its process group, when the test ends.
type Proc struct {
	t     testing.TB
	Cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	done  chan struct{}
}

// patience only turns a stuck process into a failure instead of a hung test;
// it orders nothing.
const patience = 60 * time.Second

// Start starts cmd and reads the output from in lines. Unless cmd says where
// it goes, the other output goes to the test's stderr (Stdout) or nowhere
// (Stderr).
func Start(t testing.TB, cmd *exec.Cmd, from Stream) *Proc {
	t.Helper()
	Isolate(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	// A pipe of our own rather than cmd's: lines that the process wrote
	// before it exited stay readable after Wait, and Wait need not wait
	// for a descendant that keeps the pipe open.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	if from == Stdout {
		cmd.Stdout = w
		if cmd.Stderr == nil {
			cmd.Stderr = os.Stderr
		}
	} else {
		cmd.Stderr = w
	}
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	p := &Proc{t: t, Cmd: cmd, stdin: stdin, lines: make(chan string, 64), done: make(chan struct{})}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	go func() {
		cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-p.done:
		default:
			KillGroup(cmd)
			<-p.done
		}
		ReapGroup(cmd.Process.Pid)
		r.Close()
	})
	return p
}

// PID is the process's ID.
func (p *Proc) PID() int { return p.Cmd.Process.Pid }

// Line returns the next line the process wrote.
func (p *Proc) Line() string {
	p.t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.t.Fatalf("%v (PID %d) ended without the expected line", p.Cmd.Args, p.PID())
		}
		return l
	case <-time.After(patience):
		p.t.Fatalf("%v (PID %d) said nothing for %v", p.Cmd.Args, p.PID(), patience)
	}
	return ""
}

// Expect reads the next line and fails unless it starts with prefix.
func (p *Proc) Expect(prefix string) string {
	p.t.Helper()
	l := p.Line()
	if !strings.HasPrefix(l, prefix) {
		p.t.Fatalf("%v said %q, want a line starting with %q", p.Cmd.Args, l, prefix)
	}
	return l
}

// Send writes a line to the process's stdin.
func (p *Proc) Send(s string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, s+"\n"); err != nil {
		p.t.Fatal(err)
	}
}

// Answers sends "ping" and reports whether the next line is "pong": a role
// that a signal has ended cannot answer.
func (p *Proc) Answers() bool {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, "ping\n"); err != nil {
		return false
	}
	select {
	case l, ok := <-p.lines:
		return ok && l == "pong"
	case <-time.After(patience):
		p.t.Fatalf("%v (PID %d) said nothing for %v", p.Cmd.Args, p.PID(), patience)
	}
	return false
}

// CloseStdin closes the process's stdin, which ends the roles that read it.
func (p *Proc) CloseStdin() { p.stdin.Close() }

// Done is closed once the process has exited and been reaped.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Wait waits until the process has exited and returns how it ended.
func (p *Proc) Wait() *os.ProcessState {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(patience):
		p.t.Fatalf("%v (PID %d) did not exit in %v", p.Cmd.Args, p.PID(), patience)
	}
	return p.Cmd.ProcessState
}

// Stop closes the process's stdin and waits for it to exit.
func (p *Proc) Stop() *os.ProcessState {
	p.t.Helper()
	p.CloseStdin()
	return p.Wait()
}

// Exit closes the process's stdin, waits for it to exit, and fails unless it
// exited with status 0.
func (p *Proc) Exit() {
	p.t.Helper()
	if st := p.Stop(); !st.Success() {
		p.t.Fatalf("%v (PID %d): %v", p.Cmd.Args, p.PID(), st)
	}
}

// Kill kills the process and what it started in its group, and waits until
// the process is reaped; the rest is reaped when the test ends.
func (p *Proc) Kill() {
	p.t.Helper()
	KillGroup(p.Cmd)
	p.Wait()
}

// Signaled waits for the process to exit and returns the signal that ended
// it, or 0 if it exited by itself.
func (p *Proc) Signaled() syscall.Signal {
	p.t.Helper()
	ws := p.Wait().Sys().(syscall.WaitStatus)
	if !ws.Signaled() {
		return 0
	}
	return ws.Signal()
}

// Exited reports, without waiting, whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Lines is the channel of the process's lines, for a test that waits on
// several processes at once; it is closed when the output ends.
func (p *Proc) Lines() <-chan string { return p.lines }
