//go:build !unix

package main

import (
	"errors"
	"syscall"
)

// processGroup: no process groups here; SignalGroup refuses first.
type processGroup struct{ pgid int }

func pinGroup(int) (*processGroup, error) { return nil, errors.ErrUnsupported }

func (*processGroup) send(syscall.Signal) error { return errors.ErrUnsupported }
func (*processGroup) leaderAlive() bool         { return false }
func (*processGroup) close()                    {}
