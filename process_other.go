//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package pidfile

import (
	"context"
	"syscall"
	"time"
)

func processAlive(int) bool { return false }

func signalHolder(file, string, syscall.Signal) (int, error) { return 0, errUnsupported }

func waitTurn(ctx context.Context, _ int, d time.Duration) error { return sleepContext(ctx, d) }
