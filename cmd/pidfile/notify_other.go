//go:build !unix

package main

import (
	"errors"
	"time"
)

// notifySocket: run is refused here before -ready is looked at.
type notifySocket struct{}

func newNotifySocket(string, int) (*notifySocket, error)     { return nil, errors.ErrUnsupported }
func (*notifySocket) address() string                        { return "" }
func (*notifySocket) receive(func(int) bool) ([]byte, error) { return nil, errors.ErrUnsupported }
func (*notifySocket) close()                                 {}
func (*notifySocket) setDeadline(time.Time)                  {}
