//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import "errors"

// errNoEnvironment is apply's error where the system cannot set it up.
var errNoEnvironment = errors.New("not supported here")

// limitNames: elsewhere no limit is known, and nothing can be set up.
var limitNames = []string{}

func knownLimit(string) bool { return false }

// apply fails for anything asked: run here can execute CMD, if at all, only
// as it is.
func (e *environment) apply() error {
	if e.dir != "" || e.umask >= 0 || e.niceSet || len(e.limits) > 0 {
		return errNoEnvironment
	}
	return nil
}
