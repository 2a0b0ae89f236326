package web

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestAgentLimitLetsAClusterThrough: the default per-token limit never
// refuses a 1,000-node cluster's agents (one token), at the agent's
// default interval (10 s): all starting at once (a rollout), then each
// sending a batch every interval, with jitter, and each also sending a
// batch it buffered through an outage with every new one (catching up at
// twice the steady rate), for ten minutes.
func TestAgentLimitLetsAClusterThrough(t *testing.T) {
	const nodes, interval = 1000, 10 * time.Second
	l := newAgentLimiter(0, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	refused := 0
	// Everyone at once.
	for range nodes {
		if l.take("cluster token", t0) > 0 {
			refused++
		}
	}
	// Then each node at its phase, two batches an interval.
	var sends []time.Time
	for range nodes {
		phase := time.Duration(rng.Int64N(int64(interval)))
		for at := t0.Add(phase); at.Before(t0.Add(10 * time.Minute)); at = at.Add(interval) {
			jitter := time.Duration(rng.Int64N(int64(100 * time.Millisecond)))
			sends = append(sends, at.Add(jitter), at.Add(jitter+50*time.Millisecond))
		}
	}
	slices.SortFunc(sends, time.Time.Compare)
	for _, at := range sends {
		if l.take("cluster token", at) > 0 {
			refused++
		}
	}
	if refused > 0 {
		t.Fatalf("%d of %d batches of a %d-node cluster refused", refused, len(sends)+nodes, nodes)
	}
}
