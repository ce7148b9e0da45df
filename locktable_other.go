//go:build !linux || pidfile_portable

package pidfile

// Outside Linux there is no lock table to ask, and nothing tells which
// files a process has open or when it started.

import "errors"

var errNoTable = errors.New("this system has no lock table")

func tableHolders(*file) (int, []int, error)  { return 0, nil, errNoTable }
func processHasFile(int, fileID) (bool, bool) { return false, false }
func processStartedAt(int) (int64, bool)      { return 0, false }
