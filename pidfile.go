package pidfile

// The API's home: what Claim and Read answer. Claim is claim.go, the Guard
// it returns guard.go, Read and ReadExact read.go, Signal and Wait
// supervise.go, the errors errors.go.

import "strconv"

// Result is what Read found: NotExist, NotHeld or LockedBy. The set is closed;
// a type switch over the three is exhaustive.
type Result interface{ result() }

// NotExist is the Result for a path where no file exists. Read created none.
type NotExist struct{}

// NotHeld is the Result for a pidfile that no process held. To find that out,
// Read took a shared lock itself: the caller now holds it and must Close
// Guard. Until then, Claim by anyone else fails (after waiting up to a second
// for the lock to go); other readers may hold such a lock at the same time.
// The content is untouched. From Status, Guard is nil: Status let go of the
// lock before it returned.
type NotHeld struct{ Guard *Guard }

// LockedBy is the Result for a pidfile that another process holds.
//
// The PID may stop naming the holder at any moment: the holder can exit and
// its PID be reused. Act on it with Signal, which checks, rather than with a
// plain kill.
type LockedBy struct {
	// PID is the holder's PID in the reader's PID namespace: >= 1, except
	// from Status, where 0 (with Source Unknown) is a holder that cannot
	// be named.
	PID int
	// Source says where PID came from.
	Source Source
}

// Source says where a PID in a LockedBy came from.
type Source int

const (
	// FromContent: the pidfile's content named a live process, and the
	// content is believed: nobody but the reader and root could have
	// written it, or the one other user who could have runs that process
	// (see "Whom to believe" in the package documentation).
	FromContent Source = iota
	// FromKernel: the kernel's lock table named the process that took the
	// lock (Linux). Read asks it when the content names no live process
	// that it believes: the holder had not written yet, it writes no PID
	// (flock(1)), it died mid-write, or another user could have written the
	// content. ReadExact asks it always.
	FromKernel
	// Unknown: the lock is held, and no process can be named as its holder
	// (Status only; Read and ReadExact return a *LockedError that says
	// why).
	Unknown
)

// String returns "content", "kernel" or "unknown", as cmd/pidfile's -json
// prints it.
func (s Source) String() string {
	switch s {
	case FromContent:
		return "content"
	case FromKernel:
		return "kernel"
	case Unknown:
		return "unknown"
	}
	return "Source(" + strconv.Itoa(int(s)) + ")"
}

func (NotExist) result() {}
func (NotHeld) result()  {}
func (LockedBy) result() {}
