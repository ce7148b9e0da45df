// Package logfile is the supervisor's log and the rule for which files the
// command appends to. Open says which files root may append to for a
// daemon (-log): nobody else may have written or linked them there. A File
// is run -supervise's -log: CMD's output reaches it through a pipe that a
// Copier copies, so that the log can change under CMD without CMD knowing:
// when FILE is renamed or removed from outside (logrotate's create mode),
// the next writes go to a fresh FILE; with -log-size the File rotates
// itself. Whole lines are written, so that no line shorter than -log-size
// is split between two files.
package logfile
