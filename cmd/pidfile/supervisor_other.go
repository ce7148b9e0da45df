//go:build !linux && !freebsd

package main

import "errors"

// superviseSupported: these systems cannot make the kernel end CMD when its
// supervisor dies (macOS, OpenBSD, NetBSD, DragonFly have no parent-death
// signal), so two generations could run side by side; run -supervise is
// refused.
const superviseSupported = false

func (launch) supervise(reporter) int { return exitUnknown }
func keepDeathSignal(int) error       { return errors.ErrUnsupported }
