//go:build linux || darwin || freebsd || netbsd || dragonfly

package main

import "golang.org/x/sys/unix"

// The address-space limit, which OpenBSD does not have.
func init() {
	limitNames = append(limitNames, "as")
	limitResources["as"] = unix.RLIMIT_AS
}
