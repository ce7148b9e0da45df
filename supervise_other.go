//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package pidfile

// The supervisor's side where nothing is supported: openFile refuses every
// path first, so none of this is reached.

import (
	"context"
	"os"
	"time"
)

// processGroups: none here.
const processGroups = false

type pinned struct{}

func pin(int) (pinned, error)                                    { return pinned{}, errUnsupported }
func (pinned) running() bool                                     { return false }
func (pinned) send(os.Signal) error                              { return errUnsupported }
func (pinned) release()                                          {}
func (pinned) leadsGroup() bool                                  { return false }
func (pinned) sendGroup(os.Signal) error                         { return errUnsupported }
func waitTurn(ctx context.Context, _ int, d time.Duration) error { return sleepContext(ctx, d) }
