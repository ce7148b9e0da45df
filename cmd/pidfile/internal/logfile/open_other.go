//go:build !unix

package logfile

import (
	"errors"
	"os"
)

// Open fails: run, which logs, is not supported here.
func Open(string, ...string) (*os.File, error) { return nil, errors.ErrUnsupported }
