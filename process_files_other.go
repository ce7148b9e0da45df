//go:build !linux || pidfile_portable

package pidfile

// Outside Linux nothing tells which files a process has open, or when it
// started.

func processHoldsLock(int, fileID) (bool, bool) { return false, false }
func processStartedAt(int) (int64, bool)        { return 0, false }

// initialPIDNamespace: without a lock table, the question does not arise.
func initialPIDNamespace() bool { return true }
