//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

// The test binary re-executes itself to play processes that no tool here
// plays. TestMain runs the role named by roleEnv and exits.

import (
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// runRole plays role and returns the exit status. Lines for the test go to
// stderr; stdin closing ends the role.
func runRole(role, path, arg string) int {
	switch role {
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
