package web

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tallyhq/tally"
)

// Agent ingest rate limit, per agent token (Config.AgentRate, AgentBurst).
// A cluster's agents, one per node, share its token and each sends one
// batch an interval (10 s by default), so a cluster sends its node count
// over the interval a second: 100 a second for 1,000 nodes. The default
// leaves twice that, so agents catch up on what they buffered through an
// outage as fast as they send anew, and a burst of ten seconds of it, so a
// cluster's agents all starting at once are not refused. A larger
// cluster, or a shorter --interval, needs a higher rate (tally serve
// --agent-rate): twice its nodes over its interval. A leaked token can make
// the database store no more than one cluster of that size does.
const (
	DefaultAgentRate  = 200  // batches a second
	DefaultAgentBurst = 2000 // batches
)

// agentLimiter is the per-token token bucket of the agent ingest endpoint,
// in memory (per process). Its keys are the ids of agent tokens that
// authenticated, so it holds at most one entry per agent token; entries
// unused for agentLimiterIdle are swept.
type agentLimiter struct {
	rate  rate.Limit
	burst int

	mu    sync.Mutex
	byTok map[string]*tokenBucket
	swept time.Time
}

// tokenBucket is one token's limiter and when it was last used.
type tokenBucket struct {
	lim  *rate.Limiter
	used time.Time
}

// agentLimiterIdle is how long a token's bucket is kept unused; by then it
// is full again, so forgetting it changes nothing.
const agentLimiterIdle = 10 * time.Minute

func newAgentLimiter(perSecond float64, burst int) *agentLimiter {
	if perSecond <= 0 {
		perSecond = DefaultAgentRate
	}
	if burst <= 0 {
		burst = max(DefaultAgentBurst, int(perSecond*10))
	}
	return &agentLimiter{rate: rate.Limit(perSecond), burst: burst, byTok: map[string]*tokenBucket{}}
}

// take takes one batch from token's bucket at now, or returns how long
// until one can be taken (and takes nothing).
func (l *agentLimiter) take(token string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) >= agentLimiterIdle {
		for k, b := range l.byTok {
			if now.Sub(b.used) >= agentLimiterIdle {
				delete(l.byTok, k)
			}
		}
		l.swept = now
	}
	b := l.byTok[token]
	if b == nil {
		b = &tokenBucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.byTok[token] = b
	}
	b.used = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// limitAgent refuses an agent token's batch beyond its rate with 429 and
// Retry-After (whole seconds, at least 1), before the body is read. It runs
// after requireAgent, which admitted an agent token.
func (s *Server) limitAgent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		if wait := s.agentLimit.take(p.TokenID, time.Now()); wait > 0 {
			secs := int((wait + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			s.error(w, r, tally.Errorf(tally.ERateLimited, "agent token %s (cluster %s) sent more than %s batches a second: retry in %d s",
				p.TokenID, p.Cluster, formatRate(float64(s.agentLimit.rate)), secs))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// formatRate writes a rate without needless decimals.
func formatRate(f float64) string { return fmt.Sprintf("%g", f) }
