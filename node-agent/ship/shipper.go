package ship

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tallyhq/tally"
)

// IngestPath is the backend's agent endpoint.
const IngestPath = "/api/v1/ingest/agent"

// Config configures a Shipper.
type Config struct {
	URL        string                 // the backend's base URL, e.g. https://tally.example.com
	Token      func() (string, error) // the bearer token, read at every attempt (rotation works)
	Buffer     *Buffer                // required
	Client     *http.Client           // default: 30 s timeout
	Logger     *slog.Logger
	MinBackoff time.Duration // first retry delay (default 1 s)
	MaxBackoff time.Duration // longest retry delay (default 30 s)
}

// Stats count deliveries since the shipper started.
type Stats struct {
	Batches   uint64 // delivered
	Bytes     uint64 // delivered, compressed
	Failures  uint64 // attempts that failed and will be retried
	Rejected  uint64 // batches the backend refused as invalid (dropped)
	Dropped   uint64 // batches dropped because the buffer was full
	Pending   int    // batches waiting
	MemBytes  int64
	DiskBytes int64
}

// Shipper buffers and delivers batches.
type Shipper struct {
	cfg   Config
	log   *slog.Logger
	wake  chan struct{}
	mu    sync.Mutex
	stats Stats
}

// New returns a Shipper; call Run to deliver.
func New(cfg Config) *Shipper {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	return &Shipper{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1)}
}

// Encode returns b as gzip-compressed JSON.
func Encode(b *tally.AgentBatch) ([]byte, error) {
	var buf bytes.Buffer
	if err := compress(&buf, func(zw *gzip.Writer) error { return json.NewEncoder(zw).Encode(b) }); err != nil {
		return nil, fmt.Errorf("encode batch: %w", err)
	}
	return buf.Bytes(), nil
}

// Enqueue encodes b and buffers it for delivery. b.Dropped.Intervals is set
// to the number of batches dropped so far (cumulative).
func (s *Shipper) Enqueue(b *tally.AgentBatch) error {
	b.Dropped.Intervals = s.cfg.Buffer.Dropped()
	data, err := Encode(b)
	if err != nil {
		return err
	}
	if err := s.cfg.Buffer.Push(data); err != nil {
		return err
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// Stats returns the delivery counters.
func (s *Shipper) Stats() Stats {
	s.mu.Lock()
	st := s.stats
	s.mu.Unlock()
	st.Dropped = s.cfg.Buffer.Dropped()
	st.Pending = s.cfg.Buffer.Len()
	st.MemBytes, st.DiskBytes = s.cfg.Buffer.Bytes()
	return st
}

// Run delivers buffered batches, oldest first, until ctx ends. Besides
// each failed attempt it logs when deliveries resume after failures, and
// when the batches held back (by an outage, or left in the buffer by a
// previous run) are all delivered.
func (s *Shipper) Run(ctx context.Context) {
	failures := 0
	var back backlog
	if n := s.cfg.Buffer.Len(); n > 0 {
		s.log.Info("delivering the batches a previous run left in the buffer", "pending", n)
		back.held = true
	}
	for {
		seq, item := s.cfg.Buffer.Peek()
		if item == nil {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
				continue
			}
		}
		err := s.send(ctx, item)
		switch {
		case err == nil:
			s.cfg.Buffer.Pop(seq)
			s.mu.Lock()
			s.stats.Batches++
			s.stats.Bytes += uint64(len(item))
			s.mu.Unlock()
			back.delivered(s.log, failures, s.cfg.Buffer.Len())
			failures = 0
			continue
		case isPermanent(err):
			s.log.Warn("backend rejected a batch; dropping it", "err", err)
			s.cfg.Buffer.Pop(seq)
			s.mu.Lock()
			s.stats.Rejected++
			s.mu.Unlock()
			back.settled(s.log, s.cfg.Buffer.Len())
			continue
		}
		s.cfg.Buffer.Release(seq)
		if ctx.Err() != nil {
			return
		}
		failures++
		back.failed(time.Now())
		s.mu.Lock()
		s.stats.Failures++
		s.mu.Unlock()
		delay := Backoff(failures, s.cfg.MinBackoff, s.cfg.MaxBackoff)
		if wait := retryAfter(err); wait > 0 {
			// The backend said when (429: this cluster's agents send
			// faster than its limit): then, spread over a quarter more
			// so that the cluster's agents do not all return at once.
			delay = wait + time.Duration(rand.Int64N(int64(wait/4)+1))
		}
		s.logRetry(err, delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
}

// logRetry says why a delivery failed and when it is tried again.
func (s *Shipper) logRetry(err error, delay time.Duration) {
	in, pending := delay.Round(time.Millisecond), s.cfg.Buffer.Len()
	switch {
	case isAuth(err):
		// Kept and retried (the token may be rotated in), but this is
		// the agent's configuration, not an outage.
		s.log.Warn("backend refused the agent token, or it could not be read; retrying (check --token-file and the token's cluster)",
			"err", err, "in", in, "pending", pending)
	case isNotFound(err):
		// Kept and retried too: fixed, the agent's next start delivers
		// what it kept on disk.
		s.log.Warn("no Tally ingest endpoint at this URL; retrying (check --server: the backend's base URL, without a path)",
			"url", s.cfg.URL+IngestPath, "err", err, "in", in, "pending", pending)
	case isRateLimited(err):
		s.log.Info("backend is limiting this cluster's uploads; retrying", "in", in, "pending", pending)
	default:
		s.log.Info("backend unavailable; retrying", "err", err, "in", in, "pending", pending)
	}
}

// backlog follows the batches Run holds back, to say when it delivers
// again after failed attempts and when it has delivered them all.
type backlog struct {
	since time.Time // the first of the failed attempts in a row, zero if none
	held  bool      // batches were held back and are being delivered
	sent  int       // batches delivered since deliveries resumed
}

// failed notes a failed attempt at now.
func (b *backlog) failed(now time.Time) {
	if b.since.IsZero() {
		b.since = now
	}
}

// delivered notes a delivery after failures failed attempts in a row,
// with pending batches left.
func (b *backlog) delivered(log *slog.Logger, failures, pending int) {
	if failures > 0 {
		log.Info("backend reachable again; delivering the batches buffered meanwhile",
			"down", time.Since(b.since).Round(time.Second), "failedAttempts", failures, "pending", pending)
		b.held, b.since = true, time.Time{}
	}
	if b.held {
		b.sent++
	}
	b.settled(log, pending)
}

// settled says, once pending is 0, that the batches held back are delivered.
func (b *backlog) settled(log *slog.Logger, pending int) {
	if !b.held || pending > 0 {
		return
	}
	log.Info("delivered the buffered batches", "batches", b.sent)
	*b = backlog{}
}

// Stop ends the agent's deliveries once Run has returned: it delivers the
// batches left, oldest first, until the first failure or until ctx ends
// (the agent's stop has a deadline: the pod's grace period), then keeps
// what is still undelivered in the buffer's directory for the next start.
// Without a directory what is left is lost, and Stop says how many.
func (s *Shipper) Stop(ctx context.Context) error {
	for ctx.Err() == nil {
		seq, item := s.cfg.Buffer.Peek()
		if item == nil {
			break
		}
		err := s.send(ctx, item)
		if err != nil && !isPermanent(err) {
			s.cfg.Buffer.Release(seq)
			break
		}
		s.cfg.Buffer.Pop(seq)
		s.mu.Lock()
		if err == nil {
			s.stats.Batches++
			s.stats.Bytes += uint64(len(item))
		} else {
			s.stats.Rejected++
		}
		s.mu.Unlock()
	}
	if err := s.cfg.Buffer.Persist(); err != nil {
		return err
	}
	if mem, _ := s.cfg.Buffer.Bytes(); mem > 0 {
		return fmt.Errorf("%d undelivered batches lost: no --buffer-dir to keep them in", s.cfg.Buffer.Len())
	}
	return nil
}

// Backoff returns the delay before retry n (1-based): exponential from min,
// capped at max, with "equal jitter" (half fixed, half random) so agents
// that lost the backend together do not return together.
func Backoff(n int, min, max time.Duration) time.Duration {
	d := min
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// statusError is a non-2xx answer.
type statusError struct {
	code       int
	body       string
	retryAfter time.Duration // its Retry-After, 0 if none
}

// maxRetryAfter bounds the Retry-After the agent honours: a longer one
// (a misconfigured backend or proxy) would leave its buffer to fill and
// drop batches while it waits.
const maxRetryAfter = 5 * time.Minute

// parseRetryAfter reads a Retry-After header, in seconds or an HTTP date,
// as a wait from now within maxRetryAfter (0: none or unreadable).
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		d = time.Duration(min(max(secs, 0), int64(maxRetryAfter/time.Second))) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = at.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// retryAfter returns the wait the backend asked for with err's answer, or 0.
func retryAfter(err error) time.Duration {
	var se *statusError
	if errors.As(err, &se) {
		return se.retryAfter
	}
	return 0
}

// isNotFound reports a 404 or 405 answer: no agent endpoint at the URL (a
// base URL with a path, or another server at that address).
func isNotFound(err error) bool {
	var se *statusError
	return errors.As(err, &se) && (se.code == http.StatusNotFound || se.code == http.StatusMethodNotAllowed)
}

// isRateLimited reports a 429 answer.
func isRateLimited(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.code == http.StatusTooManyRequests
}

func (e *statusError) Error() string { return fmt.Sprintf("backend answered %d: %s", e.code, e.body) }

// isPermanent reports answers that retrying cannot fix: the batch itself is
// bad, or conflicts with what the backend holds (409: a node whose instance
// another cluster's node has in the same hours, or an interval overlapping
// one stored for the node from another batch; sent again it conflicts
// again, and would hold up every batch behind it).
func isPermanent(err error) bool {
	se, ok := err.(*statusError)
	if !ok {
		return false
	}
	switch se.code {
	case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusUnsupportedMediaType:
		return true
	}
	return false
}

// errToken is a token file that could not be read.
var errToken = errors.New("read token")

// isAuth reports a failure of the agent's credentials: a token file that
// cannot be read, or a 401 or 403 answer.
func isAuth(err error) bool {
	if errors.Is(err, errToken) {
		return true
	}
	var se *statusError
	return errors.As(err, &se) && (se.code == http.StatusUnauthorized || se.code == http.StatusForbidden)
}

func (s *Shipper) send(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL+IngestPath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("User-Agent", "tally-agent/"+tally.Version)
	if s.cfg.Token != nil {
		tok, err := s.cfg.Token()
		if err != nil {
			return fmt.Errorf("%w: %w", errToken, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return &statusError{code: resp.StatusCode, body: string(bytes.TrimSpace(msg)),
			retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	return nil
}
