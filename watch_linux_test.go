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

// On Linux, Watch hears of a removal at once (inotify), not at its
// interval: an hour here, which no test waits for.
func TestGuardWatchWakesOnChange(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, change := range []string{"remove", "replace", "rename"} {
		t.Run(change, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			g, err := Claim(path)
			must(t, err)
			defer g.Close()
			c := g.Watch(context.Background(), time.Hour)
			switch change {
			case "remove":
				must(t, os.Remove(path))
			case "replace":
				writeFile(t, path+".new", "1\n")
				must(t, os.Rename(path+".new", path))
			case "rename":
				must(t, os.Rename(path, path+".old"))
			}
			select {
			case err := <-c:
				if !errors.Is(err, ErrReplaced) {
					t.Errorf("Watch sent %v, want ErrReplaced", err)
				}
			case <-time.After(60 * time.Second): // a hang turned into a failure
				t.Fatal("Watch said nothing of the change")
			}
		})
	}
	if !goroutinesSettle(before) {
		t.Errorf("%d goroutines left, %d before", runtime.NumGoroutine(), before)
	}
}
