// Package filerule is the one rule, for the library and the command alike,
// of who may have written a file: a pidfile whose content is believed, a log
// that root appends to, an -env-file that sets a daemon's environment. A
// file passes if nobody but root and the caller's user could have written
// it: owned by one of the two, and writable by neither its group nor
// others. A POSIX ACL that grants write access to anyone beyond the owner
// shows in the group write bit (it holds the ACL's mask), so the bits are
// enough. This is the rule of Debian's start-stop-daemon for pidfiles.
package filerule

import "strconv"

// Untrusted says who, besides root and the caller's user, could write a
// file with owner uid and permission bits perm, or "" if nobody:
// "is writable by others (mode 0666)", "is writable by its group (mode
// 0664)", or "is owned by user 1000, not by root or by this process's user
// 0". euid gives the caller's effective UID; it is asked only for a file
// that root does not own.
func Untrusted(uid, perm uint32, euid func() uint32) string {
	switch {
	case perm&0o002 != 0:
		return "is writable by others (mode " + Mode(perm) + ")"
	case perm&0o020 != 0:
		return "is writable by its group (mode " + Mode(perm) + ")"
	case uid != 0:
		if e := euid(); uid != e {
			return "is owned by user " + strconv.FormatUint(uint64(uid), 10) +
				", not by root or by this process's user " + strconv.FormatUint(uint64(e), 10)
		}
	}
	return ""
}

// Mode is perm's permission bits in octal, as chmod takes them: 0644.
func Mode(perm uint32) string { return "0" + strconv.FormatUint(uint64(perm&0o7777), 8) }
