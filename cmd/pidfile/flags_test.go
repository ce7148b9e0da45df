package main

import (
	"testing"
	"time"
)

// Durations are Go's, or a bare number of seconds, as start-stop-daemon's
// users type them; anything else is refused.
func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"10": 10 * time.Second, "0.5": 500 * time.Millisecond, "0": 0,
		"1m30s": 90 * time.Second, "250ms": 250 * time.Millisecond, "-3": -3 * time.Second,
	} {
		if got, err := parseDuration(in); got != want || err != nil {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ten", "1e3", "NaN", "Inf", "0x10", "1_0", " 10", "10 s", "1e400"} {
		if got, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", in, got)
		}
	}
}

// Sizes take K, M, G in either case, alone or with B or iB.
func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"100": 100, "10K": 10 << 10, "10k": 10 << 10, "10M": 10 << 20, "10m": 10 << 20, "10MB": 10 << 20,
		"10mb": 10 << 20, "10MiB": 10 << 20, "1G": 1 << 30, "2gb": 2 << 30,
	} {
		if got, err := parseSize(in); got != want || err != nil {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1M", "M", "10T", "10 M", "10MBB", "1.5M", "9999999999G"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}
