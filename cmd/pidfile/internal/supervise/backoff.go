package supervise

import "time"

// backoff is the bookkeeping of restarts: the delay before the next one,
// and how many in a row followed runs shorter than steadyRun.
type backoff struct {
	first, delay time.Duration
	max          int // -restart-max; 0 for no limit
	restarts     int
}

func newBackoff(first time.Duration, max int) backoff {
	return backoff{first: first, delay: first, max: max}
}

// after returns how long to wait before restarting a CMD that ran for ran,
// or false if -restart-max restarts in a row have been spent.
func (b *backoff) after(ran time.Duration) (time.Duration, bool) {
	if ran >= steadyRun {
		b.delay, b.restarts = b.first, 0
	}
	if b.max > 0 && b.restarts >= b.max {
		return 0, false
	}
	b.restarts++
	d := b.delay
	b.delay = nextDelay(b.delay)
	return d, true
}

// nextDelay is the restart delay after d: doubled, up to maxDelay (or d
// itself if it was given longer).
func nextDelay(d time.Duration) time.Duration {
	return max(min(2*d, maxDelay), d)
}
