package pidfile

// Read and ReadExact: who holds a pidfile, as a supervisor asks; Status and
// StatusExact, the same question that keeps nothing.

import "errors"

// Read tells whether a process holds the pidfile at path, and which. It is
// the fast answer, for a daemon or supervisor that reads its own pidfiles;
// ReadExact is the exact one, for tools that report on anyone's.
//
// Read never creates a file: a missing path is NotExist. Otherwise it tries
// to take a shared lock without waiting: if it gets it, nobody holds the
// pidfile, the result is NotHeld and the caller holds the shared lock until
// it closes the Guard; if a claim holds the exclusive lock, the result is
// LockedBy with the holder's PID.
//
// The PID is the content's if the content names a live process and is
// believed (see "Whom to believe" in the package documentation): then Read
// makes six system calls and never reads the kernel's lock table, whose cost
// grows with every lock on the host. Otherwise, on Linux, the lock table
// names the holder. Where it cannot (no table, or a holder in another PID
// namespace), Read waits a few tens of milliseconds for a new holder to write
// its PID, then returns a *LockedError with PID 0 that says why (matching
// ErrLocked, and also ErrInvalidContent for content that is not a PID,
// ErrUntrustedContent for content it does not believe, or ErrInheritedLock).
// It does not wait where waiting cannot change the answer. So a LockedBy
// always names a process that was alive when Read looked, never a PID < 1.
//
// Content that names the caller itself is believed only while the caller
// holds a Guard on the file; otherwise it is left over from a Guard the caller
// has closed, and the new holder has not written yet.
//
// Two corners remain where believed content can name a process that no
// longer holds the lock, for a reader that does not ask the table: for
// microseconds after a new holder takes the lock, the previous holder, if it
// is still alive; and a process that wrote its PID, then handed its
// descriptor to a child and closed its own (or exited, and its PID was
// reused). ReadExact and Signal ask the kernel and are not fooled.
//
// Read needs only read permission on the file. It refuses the same kinds of
// file as Claim (ErrUnsafeFile), but reads a file that other users could
// write, believing its content only as described.
func Read(path string) (Result, error) {
	return read(path, askFast)
}

// ReadExact is Read that takes the holder from the kernel's lock table
// wherever the system has one (Linux, with /proc mounted), never from the
// content alone: a LockedBy then has Source FromKernel and names the process
// that /proc/locks and lslocks(8) name, once it is confirmed (see "Whom to
// believe"; a process that handed its descriptor on and closed its own is not
// named, see ErrInheritedLock). A holder that the table names but that cannot
// be confirmed is never named, nor is any where /proc belongs to another PID
// namespace, nor where the table names no holder visible from here (a holder
// outside the caller's PID namespace, seen from a child namespace with its
// own /proc): the content's PID, of its writer's namespace, may name another
// process here. Where there is no table, ReadExact answers as Read does.
//
// Use ReadExact to show a PID to a person or to another program, and
// wherever the content may be older or less trustworthy than the lock (a
// holder such as flock(1) that writes no PID, a file other users could
// write); cmd/pidfile's status and pid use it. It costs a read of the lock
// table, whose length is every lock on the host (see the README's figures).
// Use Read on a hot path for pidfiles of your own. To signal the holder, use
// Signal, which checks again just before it signals.
func ReadExact(path string) (Result, error) {
	return read(path, askExact)
}

// Status is Read that keeps nothing: a pidfile that nobody holds is NotHeld
// with a nil Guard (the shared lock that told it so is let go of before
// Status returns), and a held lock whose holder cannot be named is
// LockedBy{PID: 0, Source: Unknown}, not an error. So "running" is always a
// LockedBy, and an error is a failure (an unsafe path, a permission). A
// status check that uses it can never keep a Claim out for longer than the
// instant its look takes. StatusExact is the same for ReadExact.
//
// Which to use:
//
//	Status, StatusExact  is it running, and as whom? (a check, a report)
//	Read                 check, then start: NotHeld's Guard keeps every
//	                     Claim out until the caller closes it
//	ReadExact            Read's answer from the kernel's lock table
//	Claim                become the holder
func Status(path string) (Result, error) {
	return status(path, askFast)
}

// StatusExact is Status with ReadExact's rules: the holder is taken from the
// kernel's lock table wherever there is one.
func StatusExact(path string) (Result, error) {
	return status(path, askExact)
}

func status(path string, ask asking) (Result, error) {
	r, err := read(path, ask)
	var le *LockedError
	switch {
	case errors.As(err, &le) && le.PID == 0:
		return LockedBy{PID: 0, Source: Unknown}, nil
	case err != nil:
		return nil, err
	}
	if nh, ok := r.(NotHeld); ok {
		nh.Guard.Close()
		return NotHeld{}, nil
	}
	return r, nil
}

func read(path string, ask asking) (Result, error) {
	f, err := openFile(path, 0)
	if err == errNoFile {
		return NotExist{}, nil
	}
	if err != nil {
		return nil, failure(opRead, path, err)
	}
	holder, err := lockOrFindHolder(&f, false, ask)
	if err != nil {
		f.close()
		return nil, failure(opRead, path, err)
	}
	if holder != nil {
		f.close()
		return *holder, nil
	}
	return NotHeld{newGuard(f, path, false)}, nil
}
