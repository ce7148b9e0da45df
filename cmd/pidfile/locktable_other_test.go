//go:build unix && !linux

package main

// lockTable: there is no lock table to ask here.
const lockTable = false

// buildTags are the tags the command under test is built with.
const buildTags = ""
