//go:build !unix

package ready

import (
	"errors"
	"time"
)

// Socket is nothing here: run is refused before -ready is looked at.
type Socket struct{}

// NewSocket fails: there is nothing to listen on here.
func NewSocket(string, int) (*Socket, error) { return nil, errors.ErrUnsupported }

// Address is empty.
func (*Socket) Address() string { return "" }

// Receive fails.
func (*Socket) Receive(func(int) bool) ([]byte, error) { return nil, errors.ErrUnsupported }

// Close does nothing.
func (*Socket) Close() {}

// SetDeadline does nothing.
func (*Socket) SetDeadline(time.Time) {}
