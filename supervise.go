package pidfile

// The supervisor's side: signal the holder, wait for it to go. Both find the
// holder as Read does; the platform files decide how sure the answer is.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// errHolderChanged means the holder changed while Signal checked it; Signal
// starts over.
var errHolderChanged = errors.New("the holder changed while it was being checked")

// signalAttempts bounds how often Signal starts over when the holder changes
// under it: a pidfile whose holder changes this often has no holder to signal.
const signalAttempts = 5

// Signal sends sig to the process that holds the pidfile at path, and returns
// its PID.
//
// On Linux it is race-free: it takes the holder from the kernel's lock table
// (never from the content), opens a pidfd for it, asks the table again that
// the same process still holds the lock (its open file description does), and signals
// through the pidfd, so a process that exited and whose PID was reused is
// never signalled. If the holder changes during the call, Signal starts
// over. If the holder is not visible in this PID namespace, or cannot be
// confirmed (see "Whom to believe"), or /proc belongs to another PID
// namespace than the caller's, Signal fails rather than guess. Without a lock table (/proc not mounted),
// the content's PID is signalled through a pidfd, which still never reaches
// a reused PID but can reach a previous holder that is alive in the
// microseconds after a new one takes the lock.
//
// On Windows it is race-free too: it finds the holder as Read does, opens a
// handle to that process (which pins its PID), checks that the lock is still
// held and the content still names it, and only then acts. Windows has no
// signals: os.Kill terminates the holder (TerminateProcess), and any other
// signal but 0 is an error matching errors.ErrUnsupported.
//
// On macOS and the BSDs Signal reads the holder's PID as Read does and calls
// kill(2): the holder can exit between the two and its PID be reused, a
// window this package cannot close without the kernel's help.
//
// If nobody holds the lock, or there is no file, Signal sends nothing and
// returns an error matching ErrNotRunning. To find that out it takes a shared
// lock for an instant, as Read does, which keeps no claim out. sig must be a
// syscall.Signal (else the error matches errors.ErrUnsupported);
// syscall.Signal(0) checks that the holder exists without signalling it.
func Signal(path string, sig os.Signal) (int, error) {
	pid, err := signalPath(path, sig, false)
	if err != nil {
		return 0, failure(opSignal, path, err)
	}
	return pid, nil
}

// SignalGroup is Signal that sends sig to the process group that the holder
// leads (Unix), so that workers the holder forked get it too; it returns the
// holder's PID, which is the group's ID. The holder is found and pinned as
// Signal does; if it does not lead its process group, nobody is signalled
// and the error says so. On Linux 6.9 and later the group is signalled
// through the holder's pidfd (PIDFD_SIGNAL_PROCESS_GROUP), so a group whose
// ID was reused is never reached; elsewhere with kill(2) to the group's ID,
// just after the holder was seen to lead it. On Windows it returns an error
// matching errors.ErrUnsupported.
func SignalGroup(path string, sig os.Signal) (int, error) {
	pid, err := signalPath(path, sig, true)
	if err != nil {
		return 0, failure(opSignal, path, err)
	}
	return pid, nil
}

func signalPath(path string, sig os.Signal, group bool) (int, error) {
	p, pid, err := signalPinned(path, sig, group)
	if err == nil {
		p.release()
	}
	return pid, err
}

// signalPinned is signalPath that keeps the holder pinned: on success the
// caller releases the pin.
func signalPinned(path string, sig os.Signal, group bool) (pinned, int, error) {
	if _, ok := toSignal(sig); !ok {
		return pinned{}, 0, fmt.Errorf("%w: signal %v", errors.ErrUnsupported, sig)
	}
	if group && !processGroups {
		return pinned{}, 0, fmt.Errorf("%w: this system has no process groups to signal", errors.ErrUnsupported)
	}
	for attempt := 1; ; attempt++ {
		f, err := openFile(path, 0)
		if err == errNoFile {
			return pinned{}, 0, notRunningError{"no pidfile"}
		}
		if err != nil {
			return pinned{}, 0, err
		}
		p, pid, err := signalHolder(&f, sig, group)
		f.close()
		if err == errHolderChanged && attempt < signalAttempts {
			continue
		}
		return p, pid, err
	}
}

// signalHolder sends sig to the holder of f's lock, as the verdict names it
// (askSignal), or with group to the process group it leads: it pins the
// process, so that its PID cannot pass to another (a pidfd on Linux, a
// handle on Windows; nothing can on macOS and the BSDs), asks for the
// verdict again, and signals only a process that it still names. On success
// the pin is the caller's to release.
func signalHolder(f *file, sig os.Signal, group bool) (pinned, int, error) {
	holder, err := lockOrFindHolder(f, false, askSignal)
	if err != nil {
		return pinned{}, 0, err
	}
	if holder == nil {
		return pinned{}, 0, notRunningError{"nobody holds the lock"}
	}
	pid := holder.PID
	if testHookSignal != nil {
		testHookSignal("found")
	}
	p, err := pin(pid)
	if err == errGone {
		return pinned{}, 0, errHolderChanged
	}
	if err != nil {
		return pinned{}, 0, fmt.Errorf("pin process %d: %w", pid, err)
	}
	if testHookSignal != nil {
		testHookSignal("pinned")
	}
	if err := signalIfHolder(f, p, pid, sig, group); err != nil {
		p.release()
		return pinned{}, 0, err
	}
	return p, pid, nil
}

// signalIfHolder sends sig to p, process pid, or the group it leads, if the
// verdict on f still names it and it runs; else errHolderChanged.
func signalIfHolder(f *file, p pinned, pid int, sig os.Signal, group bool) error {
	again, err := lockOrFindHolder(f, false, askSignal)
	if err != nil || again == nil || again.PID != pid || !p.running() {
		return errHolderChanged
	}
	if group {
		if !p.leadsGroup() {
			return &notLeaderError{pid}
		}
		err = p.sendGroup(sig)
	} else {
		err = p.send(sig)
	}
	if err == errGone {
		return errHolderChanged
	}
	if err != nil {
		return fmt.Errorf("signal process %d: %w", pid, err)
	}
	return nil
}

// errGone is what pin and send return for a process that has exited.
var errGone = errors.New("the process is gone")

// testHookSignal is called at each step of Signal in tests, nil otherwise.
var testHookSignal func(step string)

// Wait returns nil once no process holds the pidfile at path, or there is no
// file. When ctx is done first, it returns a *LockedError whose Err is ctx's
// error, as ClaimContext does: it matches both ErrLocked and ctx.Err(), and
// names the holder where it can.
//
// On Linux it sleeps on a pidfd of the holder, and on Windows on a handle of
// it, so it wakes the moment the holder exits; elsewhere, for a holder that
// releases the lock without exiting, and for a lock that processes which
// inherited it hold on after the holder exited, it checks again with a
// backoff of up to a quarter second. Like Read, each check takes a shared lock for an
// instant. Wait leaves no lock held
// and no goroutine running when it returns.
func Wait(ctx context.Context, path string) error {
	if err := wait(ctx, path); err != nil {
		return failure(opWait, path, err)
	}
	return nil
}

func wait(ctx context.Context, path string) error {
	delay := firstDelay
	exited := 0 // a holder whose exit a wait saw
	for {
		f, err := openFile(path, 0)
		if err == errNoFile {
			return nil
		}
		if err != nil {
			return err
		}
		locked, err := f.tryLock(false)
		pid := 0
		if err == nil && !locked {
			pid = holderHint(&f)
		}
		f.close()
		if err != nil {
			return fmt.Errorf("flock: %w", err)
		}
		if locked {
			return nil
		}
		if testHookWaitRound != nil {
			testHookWaitRound()
		}
		if pid == exited {
			// Its exit woke the last wait, yet the lock is held on:
			// by processes that inherited its descriptor, or by it
			// still, a zombie that its parent has not reaped. Waiting
			// on it again would return at once, round after round.
			pid = 0
		}
		began := time.Now()
		if err := waitTurn(ctx, pid, delay); err != nil {
			return &heldError{pid: pid, why: err}
		}
		if pid > 0 && time.Since(began) < delay {
			exited = pid
		}
		delay = min(2*delay, maxDelay)
	}
}

// The backoff between checks while waiting for a lock to be released.
const (
	firstDelay = 5 * time.Millisecond
	maxDelay   = 250 * time.Millisecond
)

// sleepContext waits for d or until ctx is done, and returns ctx's error in
// that case.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
