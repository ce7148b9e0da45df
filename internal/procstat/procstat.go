// Package procstat reads the fields of a Linux /proc/PID/stat text that the
// library and the command use, in one place: the command name, field 2, is
// in parentheses and may hold spaces and parentheses of its own, so fields
// are counted from the last ')'.
package procstat

import (
	"bytes"
	"strconv"
)

// Stat is what a /proc/PID/stat text says of a process.
type Stat struct {
	State     byte   // field 3: R, S, D, Z (zombie), X (dead), ...
	PPID      int    // field 4
	PGRP      int    // field 5: its process group
	StartTime uint64 // field 22: clock ticks after boot
}

// Running reports whether the process has not exited: neither a zombie nor
// dead.
func (s Stat) Running() bool { return s.State != 'Z' && s.State != 'X' }

// Parse reads a /proc/PID/stat text; false if it is not one.
func Parse(stat []byte) (Stat, bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return Stat{}, false
	}
	// Fields 3 onwards follow the name; walked without allocating.
	var s Stat
	rest := stat[i+1:]
	for n := 3; n <= 22; n++ {
		rest = bytes.TrimLeft(rest, " ")
		end := bytes.IndexByte(rest, ' ')
		if end < 0 {
			end = len(rest)
		}
		field := bytes.TrimRight(rest[:end], "\n")
		rest = rest[end:]
		if len(field) == 0 {
			return Stat{}, false
		}
		var err error
		switch n {
		case 3:
			if len(field) != 1 {
				return Stat{}, false
			}
			s.State = field[0]
		case 4:
			s.PPID, err = strconv.Atoi(string(field))
		case 5:
			s.PGRP, err = strconv.Atoi(string(field))
		case 22:
			s.StartTime, err = strconv.ParseUint(string(field), 10, 64)
		}
		if err != nil {
			return Stat{}, false
		}
	}
	return s, true
}
