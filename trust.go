package pidfile

// Who is believed. Everything this package concludes about who holds a
// pidfile is decided in this file, from four witnesses of unequal worth:
//
//   - the content names a PID, but anyone who may write the file could have
//     written it;
//   - the file's owner and permission bits say who may write it;
//   - the process table says whether the named process is alive and whose
//     it is, and this process knows which pidfiles it holds through a Guard;
//   - the kernel's lock table (Linux, locktable_linux.go) names the process
//     that took the lock, whatever the file says.
//
// One function, judge, gives the verdict for every caller that names or
// signals a holder (Read, ReadExact, Claim's error, the hints of Wait and
// ClaimContext, Signal on every system); the lock layer and the lock table
// report facts, and decide nothing.
//
// The content is believed only if nobody but the reader and root could have
// written it, or if the one other user who could have is seen to run the
// process it names: a user can then point at most at its own processes. In
// every other case only the lock table can name the holder. This is the
// rule of Debian's start-stop-daemon, which refuses a pidfile that root does
// not own, and of systemd, which believes a PID from a file that an
// unprivileged user could write only for a process in the service's own
// cgroup.

import (
	"errors"
	"io/fs"
	"strconv"
	"time"

	"github.com/go-pidfile/pidfile/internal/filerule"
)

// untrustedWriters says who, besides root and the calling process's user,
// could write a file with owner uid and permission bits perm, or "" if
// nobody (filerule, the rule the command applies too). It asks the system
// for the caller's effective UID (at the time of the call: a daemon may drop
// privileges after its claim) only for a file that root does not own.
func untrustedWriters(uid, perm uint32) string { return filerule.Untrusted(uid, perm, effectiveUID) }

// claimable refuses, for Claim, a file whose content Read would not believe.
// A file that Claim created always passes: it belongs to the caller, and its
// mode grants nobody else write access (Claimer.Perm cannot).
func claimable(f file) error {
	if what := untrustedWriters(f.uid, f.perm); what != "" {
		return refuse(what)
	}
	return nil
}

// explainDenied explains a claim's open that the system denied: it may be the
// kernel's own refusal of a file that Claim refuses too (Linux's
// fs.protected_regular denies root another user's file in a sticky
// directory). Then the refusal is reported, with the system's error inside;
// otherwise err as it is.
func explainDenied(path string, err error) error {
	if !errors.Is(err, fs.ErrPermission) {
		return err
	}
	uid, perm, ok := pathOwner(path)
	if !ok {
		return err
	}
	if what := untrustedWriters(uid, perm); what != "" {
		return &unsafeError{what: what, cause: errors.Unwrap(err)}
	}
	return err
}

// believe decides whether content, read from f while another open file
// description held its lock, names the holder. It returns the PID that the
// content names (0 if it is not a PID) and nil if that PID is to be believed;
// otherwise why not, and whether the holder writing its PID could still change
// the answer (it cannot when the file's writers are not trusted).
func believe(f file, content []byte) (named int, why error, wait bool) {
	pid, err := parsePID(content, true)
	if err != nil {
		return 0, err, true
	}
	if pid == selfPID {
		// This process is alive, so its PID in the file proves nothing
		// unless this process holds the lock: the content may be left from
		// a Guard it has closed, under a new holder that has not written.
		if holdsGuard(f.id) {
			return pid, nil, false
		}
		return pid, errSelfStale, true
	}
	if f.perm&0o022 != 0 {
		return pid, &untrustedError{pid, "the file " + untrustedWriters(f.uid, f.perm)}, false
	}
	if !processAlive(pid) {
		return pid, &deadHolderError{pid}, true
	}
	if f.uid == 0 || f.uid == effectiveUID() {
		return pid, nil, false
	}
	owner := "the file is owned by user " + strconv.FormatUint(uint64(f.uid), 10)
	switch runs, known := processRunsAs(pid, f.uid); {
	case !known:
		return pid, &untrustedError{pid, owner + ", and this system cannot tell whose process it is"}, false
	case !runs:
		// That user's own holder may still write its PID.
		return pid, &untrustedError{pid, owner + ", and the process does not run as that user"}, true
	}
	return pid, nil, false
}

// kernelState is what the kernel's lock table says of a lock, once judged.
type kernelState int

const (
	kernelNoTable     kernelState = iota // no lock table to ask
	kernelForeign                        // /proc belongs to another PID namespace: its PIDs are not this process's
	kernelUnknown                        // the table lists no holder: it is not visible from this PID namespace
	kernelLive                           // a live process took the lock and still holds it
	kernelStale                          // the process that took the lock is gone, or has let go of the file
	kernelUnconfirmed                    // the table names a live process that may be another one with a reused PID
)

// kernelHolder judges what the lock table says of f's lock. In the host's
// initial PID namespace the table keeps naming the process that took the
// lock after it exited (and its PID may since name another process, even
// this one), or after it handed its descriptor to a child and closed its
// own. So a named process counts only if it is seen to hold the lock
// (kernelLive); one that is gone, or is seen not to have it, is stale; this
// process is the holder only while it holds a Guard. When its descriptors
// cannot be seen (another user's process, for a reader who is not root), it
// counts only if it started before the content of a file that could vouch
// for it last changed (datedByContent): a process that took the lock and
// wrote its PID was running when it wrote, and a PID reused since names a
// process that started later. A holder listed under another device counts
// only if it is seen to hold the lock.
func kernelHolder(f *file) (int, kernelState) {
	pid, others, err := tableHolders(f)
	switch {
	case err == errForeignProc:
		return 0, kernelForeign
	case err != nil:
		return 0, kernelNoTable
	}
	if pid > 0 {
		if pid == selfPID {
			if holdsGuard(f.id) {
				return pid, kernelLive
			}
			return 0, kernelStale
		}
		if !processAlive(pid) {
			return 0, kernelStale
		}
		switch has, known := processHoldsLock(pid, f.id); {
		case known && has:
			return pid, kernelLive
		case known:
			return 0, kernelStale
		case datedByContent(f, pid) && startedBy(pid, f.mtime):
			return pid, kernelLive
		}
		return pid, kernelUnconfirmed
	}
	for _, pid := range others {
		if pid == selfPID && !holdsGuard(f.id) {
			continue
		}
		if has, known := processHoldsLock(pid, f.id); known && has {
			return pid, kernelLive
		}
	}
	return 0, kernelUnknown
}

// datedByContent reports whether the time of f's last change can vouch for
// process pid: nobody but the reader and root could have changed the file,
// or the one other user who could have runs pid, and so could point at its
// own processes anyway (the rule that believe applies to content).
func datedByContent(f *file, pid int) bool {
	if untrustedWriters(f.uid, f.perm) == "" {
		return true
	}
	if f.perm&0o022 != 0 {
		return false
	}
	runs, known := processRunsAs(pid, f.uid)
	return runs && known
}

// startSlack is how much later than the content's last change a process may
// seem to have started and still be taken as its writer: the start time is
// kept in clock ticks (10 ms), and a file's times in the kernel's coarse
// clock.
const startSlack = 20 * time.Millisecond

// startedBy reports whether process pid started no later than mtime (in
// nanoseconds since the epoch).
func startedBy(pid int, mtime int64) bool {
	started, ok := processStartedAt(pid)
	return ok && started <= mtime+int64(startSlack)
}

// asking is who wants to know who holds a lock, which sets what is enough.
type asking int

const (
	// askFast (Read, Claim's error, hints): believed content first; the
	// lock table where the content does not name the holder.
	askFast asking = iota
	// askExact (ReadExact): the lock table first; believed content only
	// where there is no table to ask, or /proc is another namespace's.
	askExact
	// askSignal (Signal): the lock table; content only where there is no
	// table at all, never where the table names nobody visible from here,
	// nor where /proc is another namespace's.
	askSignal
)

// verdict is the one answer to "who holds this lock, and may this process
// name it?": pid, or, where pid is 0, why not and whether the holder
// writing its PID could still change that.
type verdict struct {
	pid    int
	source Source
	why    error
	wait   bool
}

// judge gives the verdict on f's lock, which another open file description
// holds, from content read from the file while it was held. Every caller
// that names or signals a holder asks it, and nothing else decides.
func judge(f *file, content []byte, ask asking) verdict {
	// Read asks the content first, and the table only where the content
	// names nobody it believes; ReadExact and Signal ask the table first,
	// and the content only where the table cannot answer.
	var named int
	var why error
	var mayChange, asked bool
	if ask == askFast {
		named, why, mayChange = believe(*f, content)
		if why == nil {
			return verdict{pid: named, source: FromContent}
		}
		asked = true
	}
	kpid, state := kernelHolder(f)
	switch {
	case state == kernelLive:
		return verdict{pid: kpid, source: FromKernel}
	case state == kernelStale:
		if pid, ok := handedTo(f, content); ok {
			return verdict{pid: pid, source: FromKernel}
		}
		return verdict{why: inheritedError{}, wait: true}
	case state == kernelUnconfirmed:
		// The holder writing its PID makes it confirmable.
		return verdict{why: &unconfirmedError{kpid}, wait: true}
	case state == kernelForeign && ask != askFast:
		return verdict{why: errForeignProc}
	case state == kernelUnknown && (ask == askSignal || ask == askExact && !initialPIDNamespace()):
		// The table is this namespace's and lists no holder. Outside the
		// host's initial namespace the holder may run where this process
		// cannot see it (a reader in a child PID namespace with its own
		// /proc), and the content's PID, of the writer's namespace, may
		// name anyone here. In the initial namespace, which sees every
		// process, the table is hidden: ReadExact answers as where there
		// is none.
		return verdict{why: errNotVisible}
	}
	if !asked {
		named, why, mayChange = believe(*f, content)
	}
	if why == nil {
		return verdict{pid: named, source: FromContent}
	}
	return verdict{why: why, wait: mayChange}
}

// handedTo names the process to which the lock was handed (Guard.Handoff, an
// adopted inherited lock) after the one that took it, which the table still
// names, let go: the content's PID, if that process is seen to hold the
// lock itself (its descriptors show it), or is this process holding a
// Guard. Seeing it hold the lock is the proof; the content only says where
// to look.
func handedTo(f *file, content []byte) (int, bool) {
	pid, err := parsePID(content, true)
	if err != nil {
		return 0, false
	}
	if pid == selfPID {
		return pid, holdsGuard(f.id)
	}
	has, known := processHoldsLock(pid, f.id)
	return pid, has && known
}
