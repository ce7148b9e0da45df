//go:build darwin || freebsd || netbsd || openbsd || dragonfly || (linux && pidfile_portable)

package pidfile

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// signalHolder reads the holder's PID and kills it. Between the two the
// holder can exit and its PID be reused: these systems have no way to pin a
// process that this package could use.
func signalHolder(f *file, path string, sig os.Signal) (int, error) {
	s, _ := toSignal(sig)
	pid, err := findHolder(f, path)
	if err != nil {
		return 0, err
	}
	if testHookSignal != nil {
		testHookSignal("found")
	}
	if err := unix.Kill(pid, s); err == unix.ESRCH {
		return 0, errHolderChanged
	} else if err != nil {
		return 0, pathError(opSignal, path, fmt.Errorf("signal process %d: %w", pid, err))
	}
	return pid, nil
}

// waitTurn sleeps for d or until ctx is done: there is no portable way here
// to sleep on another process's exit.
func waitTurn(ctx context.Context, _ int, d time.Duration) error { return sleepContext(ctx, d) }
