//go:build (linux && !pidfile_portable) || windows

package pidfile

import (
	"context"
	"testing"
	"time"
)

// waitTurn sleeps on the holder's pidfd (Linux) or process handle
// (Windows): it returns when the process exits, long before its hour-long
// backstop.
func TestWaitTurnWakesOnExit(t *testing.T) {
	h := startHelper(t, "idle", "", "")
	done := make(chan error, 1)
	go func() { done <- waitTurn(context.Background(), h.PID(), time.Hour) }()
	h.Kill()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("waitTurn did not wake when the process exited")
	}
}
