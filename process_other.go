//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package pidfile

import (
	"context"
	"os"
	"time"
)

func processAlive(int) bool { return false }

func signalHolder(*file, string, os.Signal) (int, error) { return 0, errUnsupported }

func toSignal(os.Signal) (int, bool) { return 0, true }

func waitTurn(ctx context.Context, _ int, d time.Duration) error { return sleepContext(ctx, d) }

func effectiveUID() uint32 { return 0 }

func processRunsAs(int, uint32) (bool, bool) { return false, false }
