//go:build !linux || pidfile_portable

package pidfile

// Outside Linux there is no lock table to ask.

import "errors"

var errNoTable = errors.New("this system has no lock table")

func tableHolders(*file) (int, []int, error) { return 0, nil, errNoTable }
