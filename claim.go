package pidfile

// Claim: lock first, then write the PID.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"
)

// writeWindow bounds how long a reader waits for a new holder to write its
// PID, between the holder's flock and its write. A healthy writer needs
// microseconds; this leaves room for a loaded machine without making a
// supervisor hang on a holder that never writes (like flock(1)).
const writeWindow = 50 * time.Millisecond

// Test hooks, nil outside tests.
var (
	testHookWriteWindow func() // Claim: lock held, PID not yet written
	testHookRetry       func() // a reader is about to wait for the write window
	testHookWaitRound   func() // Wait found the lock held and is about to wait
	testHookBusy        func() // a lock test found the lock held
)

// Claim makes the calling process the holder of the pidfile at path. It is
// Claimer{}.Claim: a new file gets mode 0644, less the umask.
//
// It creates the file if it is missing, takes an exclusive, non-blocking
// flock(2) on it, and only then replaces the content with the caller's PID
// and a newline. The lock lasts until the Guard is closed or the process
// exits; dropping the Guard does not release it. Where only readers hold the
// file (their shared locks last microseconds), Claim waits for them, up to a
// second, rather than fail.
//
// On Unix the lock is taken on a read-only open file description of the
// file, and the PID written through a second, writable one that is closed
// before Claim returns: the Guard holds no descriptor that can change the
// content (see KeepOnExec).
//
// If another process holds the lock, Claim returns a *LockedError (matching
// ErrLocked) that names the holder as Read would, and the file is left
// exactly as it was. If writing the PID fails, the lock is released and the
// error returned; what was written may stay in the file, where, with nobody
// holding the lock, it means nothing. Claim never removes the file.
//
// Claim refuses (ErrUnsafeFile), before it locks or writes anything, a path
// whose final component is a symbolic link, a directory, a FIFO, a device, a
// socket or a hard-linked file, and an existing file whose content Read would
// not believe: one owned by a user other than the caller and root, or
// writable by its group or by others.
//
// A process that inherited the lock (Unix) adopts it: if the environment
// variable InheritedLockEnv (PIDFILE_FD) names a descriptor that is an open
// file description of this very file (device and inode compared) and holds
// its exclusive lock, Claim takes no new lock, writes the caller's PID, and
// returns a Guard for that description; the variable is removed from the
// environment and the descriptor made close-on-exec. cmd/pidfile's run sets
// it for the command it executes; a predecessor's Guard.Handoff for its
// successor; an init script that takes the lock with flock(1) sets it
// itself (exec 9</run/d.pid; flock -n 9 || exit 1; PIDFILE_FD=9 exec d).
// A descriptor that fails the check is ignored, and Claim goes on as if
// the variable were not set.
func Claim(path string) (*Guard, error) {
	return Claimer{}.Claim(path)
}

// ClaimContext is Claimer{}.ClaimContext.
func ClaimContext(ctx context.Context, path string) (*Guard, error) {
	return Claimer{}.ClaimContext(ctx, path)
}

// A Claimer claims pidfiles with options. Its zero value is what Claim and
// ClaimContext use.
type Claimer struct {
	// Perm is the permission bits that Claim gives a file it creates, less
	// the umask; an existing file keeps its own (on Windows a new file gets
	// the access control list of its folder instead). Zero means 0644. It
	// must grant the owner read and write access, so that the owner can claim
	// the file again, and may grant others read access (0644, 0640, 0600) but
	// nothing more: nobody but the owner may write a pidfile, and nobody may
	// execute it.
	//
	// Anyone who may read the file may also lock it, since flock needs only
	// an open descriptor: with 0644, any local user can hold a stopped
	// daemon's pidfile and keep the daemon from starting. 0600 or 0640
	// closes that door, at a price: a user who may not read the file cannot
	// learn the holder (Read fails with a permission error), so a status
	// check must then run as root, as the owner or, with 0640, in the group.
	Perm fs.FileMode
}

// defaultPerm is the mode of a new pidfile when Claimer.Perm is zero.
const defaultPerm = 0o644

// Claim is the package's Claim, creating a missing file with c.Perm.
func (c Claimer) Claim(path string) (*Guard, error) {
	g, err := c.claim(path)
	if err != nil {
		return nil, failure(opClaim, path, err)
	}
	return g, nil
}

func (c Claimer) claim(path string) (*Guard, error) {
	perm := c.Perm
	if perm == 0 {
		perm = defaultPerm
	}
	if perm&^defaultPerm != 0 || perm&0o600 != 0o600 {
		return nil, fmt.Errorf("%w: Claimer.Perm %v: want read and write for the owner (who must reopen the file to claim it again), and at most read access for others",
			os.ErrInvalid, perm)
	}
	f, err := openFile(path, uint32(perm))
	if err != nil {
		return nil, explainDenied(path, err)
	}
	if err := claimable(f); err != nil {
		f.close()
		return nil, err
	}
	if !adoptInherited(&f) {
		holder, err := lockOrFindHolder(&f, true, askFast)
		if err != nil {
			f.close()
			return nil, err
		}
		if holder != nil {
			f.close()
			return nil, &heldError{pid: holder.PID}
		}
	}
	if testHookWriteWindow != nil {
		testHookWriteWindow()
	}
	if err := writePID(&f); err != nil {
		f.close()
		return nil, fmt.Errorf("write PID: %w", err)
	}
	if err := f.dropWriter(); err != nil {
		f.close()
		return nil, fmt.Errorf("close the writable descriptor: %w", err)
	}
	return newGuard(f, path, true), nil
}

// ClaimContext is Claim that waits while another process holds the lock: for
// a restarted daemon whose old instance is still shutting down. It tries
// again as soon as the holder exits (on Linux, where it sleeps on a pidfd of
// the holder, and on Windows, on a handle of it) or after a backoff of up to
// a quarter second.
//
// When ctx is done first, it returns a *LockedError whose Err is ctx's error,
// so the error matches both ErrLocked and ctx.Err(). It never blocks in
// flock, so nothing is left waiting for the lock after it returns.
func (c Claimer) ClaimContext(ctx context.Context, path string) (*Guard, error) {
	delay := firstDelay
	for {
		g, err := c.Claim(path)
		var le *LockedError
		if !errors.As(err, &le) {
			return g, err
		}
		if err := waitTurn(ctx, le.PID, delay); err != nil {
			le.Err = err
			return nil, le
		}
		delay = min(2*delay, maxDelay)
	}
}

// selfPID is this process's PID. os.Getpid is a system call each time, and a
// Go process never forks without exec, so once is enough.
var selfPID = os.Getpid()

// writePID replaces f's content with this process's PID and a newline.
func writePID(f *file) error {
	var buf [len("2147483647\n")]byte
	b := strconv.AppendInt(buf[:0], int64(selfPID), 10)
	return f.replace(append(b, '\n'))
}
