//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Stop sends the signal, and KILL only to a holder that did not let go.
func TestStop(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gone.pid")
	if st, err := Stop(context.Background(), path, syscall.SIGTERM, time.Second); st != (Stopped{}) || err != nil {
		t.Errorf("Stop with no pidfile = %+v, %v; want nothing signalled, nil", st, err)
	}

	h := startHolder(t, path)
	st, err := Stop(context.Background(), path, syscall.SIGTERM, time.Hour)
	if st != (Stopped{PID: h.PID(), Signals: 1}) || err != nil {
		t.Errorf("Stop = %+v, %v; want %d stopped by TERM alone", st, err, h.PID())
	}
	if sig := h.Signaled(); sig != syscall.SIGTERM {
		t.Errorf("the holder ended by signal %d, want TERM", sig)
	}
	if st, err := Stop(context.Background(), path, syscall.SIGTERM, time.Second); st != (Stopped{}) || err != nil {
		t.Errorf("Stop with nobody holding = %+v, %v; want nothing signalled, nil", st, err)
	}

	// A holder that survives TERM gets KILL after killAfter.
	path = filepath.Join(dir, "stubborn.pid")
	h = startHelper(t, "hold", path, "notify")
	h.Expect("ready ")
	var events []StopEvent
	st, err = StopSteps(context.Background(), path, []StopStep{{syscall.SIGTERM, 50 * time.Millisecond}, {syscall.SIGKILL, time.Minute}},
		func(e StopEvent) { events = append(events, e) })
	if st != (Stopped{PID: h.PID(), Signals: 2}) || err != nil {
		t.Errorf("StopSteps = %+v, %v; want TERM and KILL to %d", st, err, h.PID())
	}
	if want := []StopEvent{{0, h.PID()}, {1, h.PID()}}; len(events) != 2 || events[0] != want[0] || events[1] != want[1] {
		t.Errorf("events %v, want %v", events, want)
	}
	if sig := h.Signaled(); sig != syscall.SIGKILL {
		t.Errorf("the holder ended by signal %d, want KILL", sig)
	}

	// The last wait runs out: the error says who holds it.
	path = filepath.Join(dir, "held.pid")
	h = startHelper(t, "hold", path, "notify")
	h.Expect("ready ")
	st, err = StopSteps(context.Background(), path, []StopStep{{syscall.SIGTERM, 10 * time.Millisecond}}, nil)
	var le *LockedError
	if st != (Stopped{PID: h.PID(), Signals: 1}) || !errors.As(err, &le) || le.PID != h.PID() || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("StopSteps = %+v, %v; want the holder %d named, still holding", st, err, h.PID())
	}
	h.Expect("signal")
	if !h.Answers() {
		t.Error("the holder did not survive TERM")
	}
}

// A process that claims the pidfile after the first signal, when the first
// holder has let go, never gets the later signals: Stop names it instead.
func TestStopNeverEscalatesToANewHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	old := startHelper(t, "hold", path, "notify")
	old.Expect("ready ")
	var next *helper
	st, err := StopSteps(context.Background(), path, []StopStep{{syscall.SIGTERM, 0}, {syscall.SIGKILL, time.Hour}},
		func(e StopEvent) {
			if e.Step == 0 {
				old.Expect("signal")
				old.Send("release")
				old.Expect("released")
				next = startHolder(t, path)
			}
		})
	var le *LockedError
	if st != (Stopped{PID: old.PID(), Signals: 1}) || !errors.As(err, &le) || le.PID != next.PID() ||
		!strings.Contains(err.Error(), "not process "+strconv.Itoa(old.PID())) {
		t.Errorf("StopSteps = %+v, %v; want the new holder %d named and not signalled", st, err, next.PID())
	}
	if !next.Answers() || !old.Answers() {
		t.Error("a holder was killed")
	}
}
