package pidfile

// Finding the holder: take the lock, or name who has it, and wait out a new
// holder's write window where that could change the answer. Whom to name is
// judge's verdict (trust.go).

import (
	"fmt"
	"time"
)

// lockOrFindHolder tries to lock f: exclusively for a claim, shared for a
// reader. It returns nil if this process now holds the lock, and otherwise
// the holder, as judge names it for ask. While nobody is named it retries
// the lock, the content and the table until writeWindow has passed, for a
// holder that has just locked and not yet written; but not where waiting
// cannot change the answer.
//
// Its errors are bare (failure makes them the call's): a *heldError where
// the holder cannot be named.
func lockOrFindHolder(f *file, claim bool, ask asking) (*LockedBy, error) {
	var buf [maxContent]byte
	var start time.Time
	rechecked := false
	wait := time.Millisecond
	for {
		var locked bool
		var err error
		if claim {
			locked, err = lockExclusive(f)
		} else {
			locked, err = f.tryLock(false)
		}
		if err == errReadersHold {
			return nil, &heldError{why: err}
		}
		if err != nil {
			return nil, fmt.Errorf("flock: %w", err)
		}
		if locked {
			return nil, nil
		}
		if testHookBusy != nil {
			testHookBusy()
		}
		n, err := f.readHead(buf[:])
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		v := judge(f, buf[:n], ask)
		if v.pid > 0 {
			return &LockedBy{PID: v.pid, Source: v.source}, nil
		}
		if !v.wait || !start.IsZero() && time.Since(start) >= writeWindow {
			if !rechecked {
				// The holder may have let go between the lock test and
				// the table's read, which then lists nobody: that is
				// "not held", which the lock says once more.
				rechecked = true
				continue
			}
			return nil, &heldError{why: v.why}
		}
		if start.IsZero() {
			start = time.Now()
		}
		if testHookRetry != nil {
			testHookRetry()
		}
		time.Sleep(wait)
		wait = min(2*wait, 10*time.Millisecond)
	}
}

// holderHint returns a live process that holds f's lock, or 0, by the same
// verdict but without waiting out the write window: Wait and ClaimContext
// only use it to sleep on, and check the lock again anyway.
func holderHint(f *file) int {
	var buf [maxContent]byte
	n, err := f.readHead(buf[:])
	if err != nil {
		return 0
	}
	return judge(f, buf[:n], askFast).pid
}
