package collector

import (
	"testing"
	"time"
)

// TestRateLimit: a burst's worth at once, then the rate.
func TestRateLimit(t *testing.T) {
	now := time.Unix(0, 0)
	b := newRateLimit(50, 2, now)
	n := 0
	for b.take(now) {
		n++
	}
	if n != 100 {
		t.Fatalf("%d taken at once, want 100 (2 s at 50/s)", n)
	}
	n = 0
	for i := range 1000 { // a second, in milliseconds
		if b.take(now.Add(time.Duration(i+1) * time.Millisecond)) {
			n++
		}
	}
	if n != 50 {
		t.Fatalf("%d taken over the next second, want 50", n)
	}
	if !b.take(now.Add(time.Hour)) {
		t.Fatal("none after an hour")
	}
	n = 0
	for b.take(now.Add(time.Hour)) {
		n++
	}
	if n != 99 {
		t.Fatalf("%d more after an hour, want 99: the bucket holds 2 s", n)
	}
}
