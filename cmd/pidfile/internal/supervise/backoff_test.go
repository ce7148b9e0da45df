package supervise

import (
	"testing"
	"time"
)

// The restart delay doubles up to a minute (or stays at a first delay
// given longer); a run of a minute starts it, and the count of quick
// restarts, from the beginning; -restart-max counts restarts in a row.
func TestBackoff(t *testing.T) {
	quick, steady := time.Second, steadyRun
	for _, tc := range []struct {
		first time.Duration
		max   int
		ran   []time.Duration
		want  string
	}{
		{time.Second, 0, []time.Duration{quick, quick, quick, quick, quick, quick, quick, quick},
			"1s 2s 4s 8s 16s 32s 1m0s 1m0s"},
		{90 * time.Second, 0, []time.Duration{quick, quick}, "1m30s 1m30s"},
		{time.Second, 0, []time.Duration{quick, quick, quick, steady, quick}, "1s 2s 4s 1s 2s"},
		{time.Second, 3, []time.Duration{quick, quick, quick, quick}, "1s 2s 4s gave-up"},
		{time.Second, 2, []time.Duration{quick, quick, steady, quick, quick}, "1s 2s 1s 2s gave-up"},
	} {
		b := newBackoff(tc.first, tc.max)
		got := ""
		for _, ran := range tc.ran {
			d, ok := b.after(ran)
			if !ok {
				got += " gave-up"
				break
			}
			got += " " + d.String()
		}
		if got[1:] != tc.want {
			t.Errorf("first %v, max %d, runs %v: %s; want %s", tc.first, tc.max, tc.ran, got[1:], tc.want)
		}
	}
}
