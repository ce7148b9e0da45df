package pidfile

// The helper roles and witnesses on Windows: the lock is LockFileEx on the
// byte at lockOffset, taken here through a handle of the test's own, as a
// program that does not use this package would.
//
// Under wine (how .ci/run tests Windows on Linux; see .ci/wine/README.md),
// processes see each other's locks only within one wineserver, PIDs are
// small and restart at 32 with each new wineserver, and a process's Windows
// PID differs from its Linux one. The tests rely on none of that.

import (
	"bufio"
	"errors"
	"testing"

	"golang.org/x/sys/windows"
)

// runPlatformHelper: every Windows role is a portable one (helpers_test.go).
func runPlatformHelper(role, _, _ string, _ *bufio.Reader, say func(string, ...any)) int {
	say("unknown role %q", role)
	return 2
}

func setuid(string) error     { return errors.ErrUnsupported }
func setRealUID(string) error { return errors.ErrUnsupported }

// openForeign opens path through a new handle, as another program would.
func openForeign(t *testing.T, path string) windows.Handle {
	t.Helper()
	name, err := windows.UTF16PtrFromString(path)
	must(t, err)
	h, err := windows.CreateFile(name, windows.GENERIC_READ, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil,
		windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	must(t, err)
	return h
}

// lockedElsewhere reports whether some handle holds the lock on path, by
// trying a lock of our own through a new one.
func lockedElsewhere(t *testing.T, path string) bool {
	t.Helper()
	h := openForeign(t, path)
	defer windows.CloseHandle(h)
	switch err := windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, at(lockOffset)); err {
	case nil:
		windows.UnlockFileEx(h, 0, 1, 0, at(lockOffset))
		return false
	case windows.ERROR_LOCK_VIOLATION:
		return true
	default:
		t.Fatal(err)
	}
	return false
}

// holdForeignLock locks path through a new handle of this process and
// returns the function that releases it.
func holdForeignLock(t *testing.T, path string) func() {
	t.Helper()
	h := openForeign(t, path)
	must(t, windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, at(lockOffset)))
	released := false
	release := func() {
		if !released {
			released = true
			windows.UnlockFileEx(h, 0, 1, 0, at(lockOffset))
			windows.CloseHandle(h)
		}
	}
	t.Cleanup(release)
	return release
}

// waitExitedUnreaped returns once process pid, a child, has exited; the
// caller's handle keeps its object.
func waitExitedUnreaped(t *testing.T, pid int) {
	t.Helper()
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	if _, err := windows.WaitForSingleObject(h, windows.INFINITE); err != nil {
		t.Fatal(err)
	}
}
