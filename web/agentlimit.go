package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

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

// AgentBuckets keeps each agent token's rate limit where every serve
// process of the database sees it, so that a token sends no more behind a
// load balancer over several than to one.
type AgentBuckets interface {
	// TakeAgentBatch takes one batch from the bucket of agent token
	// tokenID, which holds burst batches and refills at perSecond. It
	// returns 0 if it took one, and otherwise how long until there is one
	// (and takes nothing).
	TakeAgentBatch(ctx context.Context, tokenID string, perSecond float64, burst int) (time.Duration, error)
}

// agentLimit is the rate and burst of every agent token's bucket.
type agentLimit struct {
	perSecond float64
	burst     int
}

// newAgentLimit fills in the defaults of Config.AgentRate and AgentBurst.
func newAgentLimit(perSecond float64, burst int) agentLimit {
	if perSecond <= 0 {
		perSecond = DefaultAgentRate
	}
	if burst <= 0 {
		burst = max(DefaultAgentBurst, int(perSecond*10))
	}
	return agentLimit{perSecond: perSecond, burst: burst}
}

// limitAgent refuses an agent token's batch beyond its rate with 429 and
// Retry-After (whole seconds, rounded up), before the body is read. It runs
// after requireAgent, which admitted an agent token.
func (s *Server) limitAgent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		wait, err := s.agents.TakeAgentBatch(r.Context(), p.TokenID, s.agentLimit.perSecond, s.agentLimit.burst)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if wait > 0 {
			secs := retryAfter(w, wait)
			s.error(w, r, tally.Errorf(tally.ERateLimited, "agent token %s (cluster %s) sent more than %s batches a second: retry in %d s",
				p.TokenID, p.Cluster, formatRate(s.agentLimit.perSecond), secs))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// formatRate writes a rate without needless decimals.
func formatRate(f float64) string { return fmt.Sprintf("%g", f) }
