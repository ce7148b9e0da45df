package pidfile

// Stop: signal the holder, wait for it to let go, escalate, wait again;
// every signal after the first only to the very process the first reached.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// StopStep is one step of StopSteps: a signal, and how long to wait after it
// for the holder to let go of the lock before the next step.
type StopStep struct {
	Signal os.Signal
	Wait   time.Duration
}

// StopEvent tells StopSteps's caller that a step's signal was sent: Step is
// its index, PID the process it reached.
type StopEvent struct {
	Step int
	PID  int
}

// Stopped is what Stop and StopSteps did.
type Stopped struct {
	// PID is the holder that the first signal reached; 0 if nobody held
	// the pidfile (or there was none), and nothing was signalled.
	PID int
	// Signals is how many steps' signals were sent.
	Signals int
}

// killWait is how long Stop waits after KILL: the kernel ends the process at
// once, but its exit can take a moment on a loaded machine.
const killWait = 5 * time.Second

// Stop stops the process that holds the pidfile at path: it sends sig (as
// Signal does), waits up to killAfter for the lock to be let go (as Wait
// does), then sends KILL and waits up to 5 s more. It is StopSteps with the
// steps {sig, killAfter} and {os.Kill, 5s}; see there for what it returns.
func Stop(ctx context.Context, path string, sig os.Signal, killAfter time.Duration) (Stopped, error) {
	return StopSteps(ctx, path, []StopStep{{sig, killAfter}, {os.Kill, killWait}}, nil)
}

// StopSteps sends each step's signal to the holder of the pidfile at path and
// waits up to the step's Wait for the lock to be let go, until it is, as
// start-stop-daemon's --retry schedule does (TERM/10/KILL/5). It returns nil
// once nobody holds the lock; Stopped says whom it signalled, and how often.
//
// The first signal goes where Signal would send it, with Signal's
// guarantees. Every later one goes only to that same process, pinned since
// the first (on Linux a pidfd, on Windows a handle; on macOS and the BSDs
// its PID), and only while the kernel's lock table (or, without one, the
// content, as Read believes it) still names it as the holder: a process
// that started and claimed the pidfile meanwhile is never signalled, and
// the error says who holds it now. If nobody holds the pidfile, StopSteps
// signals nobody and returns a zero Stopped and nil.
//
// When the last step's wait ends with the lock held, or ctx is done first,
// the error is a *LockedError (matching ErrLocked, and
// context.DeadlineExceeded or ctx's error) naming the holder where it can.
// notify, if not nil, is called after each signal is sent.
func StopSteps(ctx context.Context, path string, steps []StopStep, notify func(StopEvent)) (Stopped, error) {
	st, err := stopSteps(ctx, path, steps, notify)
	if err != nil {
		return st, failure(opStop, path, err)
	}
	return st, nil
}

func stopSteps(ctx context.Context, path string, steps []StopStep, notify func(StopEvent)) (Stopped, error) {
	var st Stopped
	if len(steps) == 0 {
		return st, fmt.Errorf("%w: no steps", os.ErrInvalid)
	}
	for _, s := range steps {
		if _, ok := toSignal(s.Signal); !ok {
			return st, fmt.Errorf("%w: signal %v", errors.ErrUnsupported, s.Signal)
		}
	}
	p, pid, err := signalPinned(path, steps[0].Signal, false)
	if errors.Is(err, ErrNotRunning) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	defer p.release()
	st.PID, st.Signals = pid, 1
	for i, step := range steps {
		sent := i == 0
		if i > 0 {
			var done bool
			var err error
			done, sent, err = signalSame(path, p, pid, step.Signal)
			if done || err != nil {
				return st, err
			}
			if sent {
				st.Signals++
			}
		}
		if notify != nil && sent {
			notify(StopEvent{Step: i, PID: pid})
		}
		wctx, cancel := context.WithTimeout(ctx, max(step.Wait, 0))
		err := wait(wctx, path)
		cancel()
		if err == nil {
			return st, nil
		}
		if ctx.Err() != nil || i == len(steps)-1 {
			return st, err
		}
	}
	return st, nil // not reached: the last step returns
}

// signalSame sends sig to p, process pid, if it still holds path's lock;
// done says that nobody holds it any more, sent that sig was sent.
func signalSame(path string, p pinned, pid int, sig os.Signal) (done, sent bool, err error) {
	f, err := openFile(path, 0)
	if err == errNoFile {
		return true, false, nil
	}
	if err != nil {
		return false, false, err
	}
	defer f.close()
	switch err := signalIfHolder(&f, p, pid, sig, false); {
	case err == nil:
		return false, true, nil
	case err != errHolderChanged:
		return false, false, err
	}
	// Not signalled: say whether nobody holds the lock now, or who does.
	holder, err := lockOrFindHolder(&f, false, askSignal)
	switch {
	case err != nil:
		return false, false, err
	case holder == nil:
		return true, false, nil
	case holder.PID != pid:
		return false, false, &heldError{pid: holder.PID, why: fmt.Errorf("process %d, not process %d that was signalled first, holds it now; it was not signalled", holder.PID, pid)}
	}
	// It let go, or exited, between the two looks: the next wait tells.
	return false, false, nil
}
