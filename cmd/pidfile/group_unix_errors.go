//go:build unix

package main

import "errors"

// errGroupUnproven: the group's leader has exited, and this system cannot
// tell its group from a new one with the same ID; nothing was signalled.
var errGroupUnproven = errors.New("its leader has exited, and its process group cannot be told from a new one with the same ID; nothing was signalled")

// errNotLeader: the process does not lead its process group.
var errNotLeader = errors.New("the process does not lead its process group")
