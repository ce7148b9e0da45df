package pidfile

// Watch: Verify, called for the daemon that would otherwise write the loop.

import (
	"context"
	"time"
)

// defaultWatch is Watch's interval when the caller gives none.
const defaultWatch = time.Second

// Watch checks the Guard with Verify every interval (a second if interval
// <= 0), and on Linux also at once whenever an entry of the pidfile's
// directory is removed, renamed or created, or the file's link count
// changes (inotify), until a check fails or ctx is done. A failed check's
// error (matching ErrReplaced when the path no longer names the locked
// file, os.ErrClosed once the Guard is closed) is sent on the returned
// channel, which is then closed; when ctx is done first, the channel is
// closed with nothing sent. Watch runs one goroutine (two on Linux), which
// ends when the channel is closed; the channel has room for the error, so
// nothing waits for a reader.
//
//	for err := range guard.Watch(ctx, time.Minute) {
//		log.Printf("stopping: %v", err) // another instance may start
//		stop()
//	}
func (g *Guard) Watch(ctx context.Context, interval time.Duration) <-chan error {
	if interval <= 0 {
		interval = defaultWatch
	}
	c := make(chan error, 1)
	changed, stop := watchPath(g.Path())
	go func() {
		defer close(c)
		defer stop()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if err := g.Verify(); err != nil {
				c <- err
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-changed:
			}
		}
	}()
	return c
}
