//go:build !linux

package pidfile

import "testing"

// withoutKernelTable does nothing: only Linux has a lock table to hide.
func withoutKernelTable(*testing.T) {}
