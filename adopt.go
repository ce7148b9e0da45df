package pidfile

// Adopting an inherited lock: a process started with the lock already held
// through a descriptor it inherited (cmd/pidfile's run, an init script's
// flock(1), a predecessor's Handoff) gets a Guard for that lock from Claim,
// instead of being told that an unknown process holds it.

import (
	"os"
	"strconv"
)

// InheritedLockEnv is the environment variable that names, as a decimal
// descriptor number, the descriptor through which a process inherited the
// lock on its pidfile: PIDFILE_FD=3. Claim and ClaimContext look at it
// (see Claim); Guard.ExecEnv and Guard.Handoff set it.
const InheritedLockEnv = "PIDFILE_FD"

// inheritedFD returns the descriptor that InheritedLockEnv names, if it
// names one (>= 0; 0 to 2 are refused, as they are the standard streams).
func inheritedFD() (int, bool) {
	s, ok := os.LookupEnv(InheritedLockEnv)
	if !ok {
		return 0, false
	}
	fd, err := strconv.Atoi(s)
	if err != nil || fd < 3 || strconv.Itoa(fd) != s {
		return 0, false
	}
	return fd, true
}

// adoptInherited makes f, freshly opened on path for a claim, use the
// inherited descriptor instead, if InheritedLockEnv names one that is an
// open description of the same file through which this process holds (or
// can take, because nobody holds it) the exclusive lock. It reports whether
// it did; then the variable is removed from the environment, so that the
// processes this one starts do not take the lock for theirs, and the
// descriptor becomes close-on-exec like every descriptor of this package.
// Anything less than that proof is no adoption, and Claim goes on as
// usual.
func adoptInherited(f *file) bool {
	fd, ok := inheritedFD()
	// A Guard of this process on the file may own that very descriptor:
	// a second Guard on it would close it under the first.
	if !ok || holdsGuard(f.id) || !sameFileLocked(fd, f.id) {
		return false
	}
	f.replaceLockFD(fd)
	os.Unsetenv(InheritedLockEnv)
	return true
}
