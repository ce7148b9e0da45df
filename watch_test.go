//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows

package pidfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Watch reports the file moved away, and a closed Guard; a done context
// closes the channel with nothing sent. Its goroutine ends each time.
func TestGuardWatch(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	g, err := Claim(path)
	must(t, err)
	defer g.Close()

	ctx, cancel := context.WithCancel(context.Background())
	c := g.Watch(ctx, time.Millisecond)
	cancel()
	select {
	case err, ok := <-c:
		if ok {
			t.Errorf("after cancel Watch sent %v; want the channel closed", err)
		}
	case <-time.After(60 * time.Second): // a hang turned into a failure
		t.Fatal("Watch's channel stayed open after cancel")
	}

	c = g.Watch(context.Background(), time.Millisecond)
	if runtime.GOOS == "windows" {
		// A held file cannot be renamed there: closing is what ends it.
		must(t, g.Close())
		if err := receive(t, c); !errors.Is(err, os.ErrClosed) {
			t.Errorf("Watch after Close sent %v, want os.ErrClosed", err)
		}
	} else {
		must(t, os.Rename(path, path+".old"))
		if err := receive(t, c); !errors.Is(err, ErrReplaced) {
			t.Errorf("Watch after the file moved sent %v, want ErrReplaced", err)
		}
	}
	select {
	case _, ok := <-c:
		if ok {
			t.Error("Watch sent a second error")
		}
	case <-time.After(60 * time.Second):
		t.Error("the channel stayed open after the error")
	}
	if !goroutinesSettle(before) {
		t.Errorf("%d goroutines left, %d before", runtime.NumGoroutine(), before)
	}
}

// receive returns what c sends, failing the test (not hanging it) if
// nothing comes.
func receive(t *testing.T, c <-chan error) error {
	t.Helper()
	select {
	case err := <-c:
		return err
	case <-time.After(60 * time.Second):
		t.Fatal("Watch sent nothing")
	}
	return nil
}
