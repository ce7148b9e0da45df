// Package pidfile makes "only one instance of this daemon runs" and "which
// process is the live instance?" exact on Unix and Windows.
//
// A daemon calls Claim at startup and keeps the returned Guard for its whole
// life (Guard.Watch tells it if its pidfile is removed or replaced). A
// supervisor calls Status to learn whether an instance runs and which
// process it is, Read to check and then start one, and Signal, Wait or Stop
// to act on it.
//
// A process can pass its lock on: to the program it executes in its place
// (KeepOnExec, ExecEnv), or to a successor it starts (Guard.Handoff), whose
// Claim adopts the inherited lock (InheritedLockEnv) so that the lock is
// never free between the two.
//
// # The lock decides, not the file
//
// Claim takes an exclusive flock(2) on the pidfile and only then writes the
// caller's PID into it. The lock is the truth: the kernel releases it when the
// holder exits, however it exits, so a pidfile left behind by a crash is never
// mistaken for a running daemon, and no PID is ever guessed to be stale with
// kill(pid, 0). The content is only a label that names the holder. Readers
// (Read, Signal, Wait) test the lock with a shared flock, which keeps claims
// out but never other readers: a reader is never taken for the holder.
//
// # Pidfiles are never removed
//
// This package never unlinks a pidfile, and callers must not either. Removing
// it looks tidy but lets two "single" instances run at once:
//
//  1. Daemon A holds the lock on x.pid and is shutting down.
//  2. Daemon B starts, opens x.pid and waits for the lock.
//  3. A removes x.pid, then exits; its lock goes away and B gets it.
//  4. B now holds a lock on a file that has no name any more.
//  5. Daemon C starts, creates a new x.pid, locks it (nobody holds this new
//     file) and runs beside B.
//
// A pidfile that stays in place costs a few bytes; after the holder exits,
// Read reports NotHeld and the next Claim reuses the file. Guard.Verify lets a
// running daemon notice that someone else removed or replaced its pidfile.
//
// # Whom to believe
//
// A PID in a file that someone else could have written is a claim, not a
// fact: a user who owns a pidfile that root reads could write "1" into it and
// wait for root to signal init. So the content is believed only if nobody but
// the reader and root could have written it: the file is owned by the
// reader's effective user or by root, and grants no write access to its
// group or to others. In a file owned by another user (and writable by that
// user alone), a PID is believed where the system can show that the named
// process runs as that user (Linux, macOS): the user can then point at most
// at its own processes. A PID that names the reader itself is believed only
// while the reader holds a Guard on the file.
//
// Otherwise the kernel's lock table names the holder (Linux): the process
// that took the lock, if it is seen to hold it still (a descriptor of the
// file whose open file description holds the lock: having the file open is
// not enough), or, where a
// reader may not see its descriptors, if it started before the content of a
// file that nobody else could have written last changed (a PID reused since
// names a process that started later); never the reader itself, unless it
// holds a Guard. Where there is no table, or /proc belongs to another PID
// namespace than the reader's, or the table names no holder visible from
// here, the holder stays unnamed: a *LockedError with PID 0 that matches
// ErrUntrustedContent. Claim refuses to claim a file that it would not
// believe. Debian's
// start-stop-daemon applies the same rule to pidfiles, and systemd believes a
// PID from a file that an unprivileged user could write only for a process in
// the service's own cgroup.
//
// # No fsync
//
// The content matters only while its writer holds the lock, and the lock dies
// with the process or the machine. After a crash nobody holds the lock and the
// content is ignored, so Claim never flushes it to disk: a claim costs a few
// system calls, not a disk round trip.
//
// # Limits
//
// The lock is advisory: it binds only programs that take it (this package,
// flock(1), and other flock users). A PID names a process only in the PID
// namespace of whoever wrote it; readers in other namespaces should not act on
// it. On NFS, flock is emulated with byte-range locks and is only as good as
// the server's lock manager. PIDs are reused after a process exits, so a PID
// read now may name another process later; Signal closes that race on Linux
// and Windows.
//
// Supported systems are Linux, macOS, FreeBSD, NetBSD, OpenBSD, DragonFly BSD
// and Windows. Elsewhere every function returns an error matching
// errors.ErrUnsupported.
//
// # Windows
//
// The lock is LockFileEx on one byte far past the content, so that the PID
// stays readable while the lock is held. The file is opened without
// FILE_SHARE_DELETE: while anyone has it open, nobody can remove or rename
// it, so the race above cannot start. A crashed holder's lock goes with its
// process, and a PID is pinned by a process handle before Signal acts on it.
// Windows has no signals: Signal terminates the holder for os.Kill, checks it
// for syscall.Signal(0), and refuses anything else; there is no exec, so
// KeepOnExec is unsupported. The owner and access control list of a pidfile
// are not examined: its content is believed whoever could have written it,
// so keep pidfiles in a folder that only the daemon's account may write.
package pidfile
