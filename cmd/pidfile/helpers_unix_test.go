//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

// The test binary re-executes itself to play processes that no tool here
// plays. TestMain runs the role named by roleEnv and exits.

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/go-pidfile/pidfile"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/ready"
	"github.com/go-pidfile/pidfile/internal/testproc"
)

// notify sends one datagram to $NOTIFY_SOCKET, as sd_notify(3) does.
func notify(msg string) error { return ready.Send(os.Getenv("NOTIFY_SOCKET"), msg) }

// runRole plays role and returns the exit status. Lines for the test go to
// stderr; stdin closing ends the role.
func runRole(role, path, arg string) int {
	switch role {
	case "notify":
		// A daemon that speaks sd_notify: send each datagram of arg
		// ("|" between datagrams, "\\n" for a newline inside one) to
		// $NOTIFY_SOCKET, "pause" waiting 1.5 s instead, "touch:FILE"
		// creating FILE, "other" sending READY=1 from another process,
		// "exit" exiting 7; then live on.
		for _, d := range strings.Split(arg, "|") {
			switch d {
			case "pause":
				time.Sleep(1500 * time.Millisecond)
			case "other":
				other := exec.Command(os.Args[0])
				other.Env = append(os.Environ(), roleEnv+"=notify", argEnv+"=READY=1")
				other.Env = append(other.Env, "PIDFILE_CMD_TEST_ONCE=1")
				if err := other.Run(); err != nil {
					fmt.Fprintln(os.Stderr, "error", err)
				}
			case "exit":
				return 7
			default:
				if file, ok := strings.CutPrefix(d, "touch:"); ok {
					// What the test finds when run has returned.
					if err := os.WriteFile(file, nil, 0o644); err != nil {
						fmt.Fprintln(os.Stderr, "error", err)
						return 1
					}
					continue
				}
				if err := notify(strings.ReplaceAll(d, "\\n", "\n")); err != nil {
					fmt.Fprintln(os.Stderr, "error", err)
					return 1
				}
			}
		}
		if os.Getenv("PIDFILE_CMD_TEST_ONCE") != "" {
			return 0
		}
		for {
			time.Sleep(time.Hour) // until it is stopped
		}
	case "adopt":
		// A daemon that claims path with the library: say "claimed PID"
		// and Verify's answer, or the error; then live on until stdin
		// closes.
		g, err := pidfile.Claim(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "error", err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "claimed %d verify=%v\n", os.Getpid(), g.Verify())
		io.Copy(io.Discard, os.Stdin)
		return 0
	case "joingroup":
		// Try to move into the parent's process group (a supervisor's),
		// out of the reach of a KILL to CMD's group; say how it went,
		// then live on.
		pgid, err := syscall.Getpgid(os.Getppid())
		if err == nil {
			err = syscall.Setpgid(0, pgid)
		}
		fmt.Fprintf(os.Stderr, "setpgid: %v\n", err)
		for {
			time.Sleep(time.Hour) // until it is stopped
		}
	case "notifyrecv":
		// Make a notify socket and say "addr ADDRESS"; at a line on
		// stdin, send "self" to it from this process, then say "got
		// DATAGRAM" for the first datagram that the socket lets through.
		sock, err := ready.NewSocket(path, -1)
		if err != nil {
			fmt.Fprintln(os.Stderr, "error", err)
			return 1
		}
		defer sock.Close()
		fmt.Fprintf(os.Stderr, "addr %s\n", sock.Address())
		var line [1]byte
		os.Stdin.Read(line[:])
		if err := ready.Send(sock.Address(), "self"); err != nil {
			fmt.Fprintln(os.Stderr, "error", err)
			return 1
		}
		b, err := sock.Receive(func(int) bool { return true })
		fmt.Fprintf(os.Stderr, "got %s %v\n", b, err)
		return 0
	case "handoff":
		// Lock path (and with arg "true" write this PID into it), hand the
		// descriptor to a child cat, close it here, say "ready PID CHILD",
		// and live on holding nothing.
		child := exec.Command("cat")
		childIn, err := testproc.HandOff(path, arg == "true", child)
		if err != nil {
			fmt.Fprintln(os.Stderr, "error", err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "ready %d %d\n", os.Getpid(), child.Process.Pid)
		io.Copy(io.Discard, os.Stdin)
		childIn.Close()
		child.Wait()
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown role %q\n", role)
	return 2
}
