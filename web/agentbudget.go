package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/tallyhq/tally"
)

// Agent batches decoded and stored at once (Config.AgentDecodeBudget,
// AgentDecodeWait). Each request may hold its body, its decompressed JSON
// and profiles and what they decode to, up to some hundreds of MiB for a
// megabyte of gzip (MaxAgentBody, MaxAgentDecoded, MaxAgentValues): the
// rate limit bounds how many a token sends, this how much memory those in
// flight hold together. A node's batch of tens of kilobytes weighs some
// MiB, so hundreds of them fit the default at once.
const (
	DefaultAgentDecodeBudget = 512 << 20
	DefaultAgentDecodeWait   = 10 * time.Second
)

// decodeBudget bounds the memory of the agent batches in flight by their
// weight (batchWeight).
type decodeBudget struct {
	sem      *semaphore.Weighted
	size     int64
	patience time.Duration
}

func newDecodeBudget(size int64, wait time.Duration) *decodeBudget {
	if size <= 0 {
		size = DefaultAgentDecodeBudget
	}
	if wait <= 0 {
		wait = DefaultAgentDecodeWait
	}
	return &decodeBudget{sem: semaphore.NewWeighted(size), size: size, patience: wait}
}

// batchWeight bounds what a request's batch may take to decode: its body
// and the JSON it may decompress to (decodedBound, as decodeAgentBatch
// bounds it; MaxAgentBody and MaxAgentDecoded when it does not say its
// length).
func batchWeight(r *http.Request) int64 {
	if n := r.ContentLength; n >= 0 && n <= MaxAgentBody {
		return n + decodedBound(n, MaxAgentDecoded)
	}
	return MaxAgentBody + MaxAgentDecoded
}

// budgetAgent holds a batch's weight of the decode budget while it is
// decoded and stored; a batch that waits beyond the budget's patience is
// answered 429 with Retry-After.
func (s *Server) budgetAgent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		weight := min(batchWeight(r), s.decoding.size)
		ctx, cancel := context.WithTimeout(r.Context(), s.decoding.patience)
		err := s.decoding.sem.Acquire(ctx, weight)
		cancel()
		if err != nil {
			if errors.Is(r.Context().Err(), context.Canceled) {
				return // the agent went away
			}
			w.Header().Set("Retry-After", "1")
			s.error(w, r, tally.Errorf(tally.ERateLimited, "the server is decoding and storing other agent batches, %d MiB of them at most: retry in 1 s",
				s.decoding.size>>20))
			return
		}
		defer s.decoding.sem.Release(weight)
		next.ServeHTTP(w, r)
	})
}
