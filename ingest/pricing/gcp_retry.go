package pricing

import (
	"cmp"
	"fmt"
	"log/slog"
	"time"

	"github.com/googleapis/gax-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// gcpPageTimeout bounds one page of ListSkus, its retries included: ten
// attempts with waits of up to DefaultMaxBackoff fit in it. The client's
// default, 60 s, would end the retries early.
const gcpPageTimeout = 10 * time.Minute

// pageRetryer retries a ListSkus page the Catalog API refused for quota
// (RESOURCE_EXHAUSTED) or while briefly unavailable (UNAVAILABLE), up to
// maxAttempts tries with exponential, jittered waits, each retry logged.
// The client's defaults retry nothing, and a sync reads tens of pages.
type pageRetryer struct {
	backoff  gax.Backoff
	attempts int  // tries that failed so far
	page     *int // the page being read, for the log
	log      *slog.Logger
}

// newPageRetryer returns the gax.WithRetry option of a ListSkus call whose
// page number is *page.
func newPageRetryer(page *int, maxBackoff time.Duration, log *slog.Logger) gax.CallOption {
	return gax.WithRetry(func() gax.Retryer {
		return &pageRetryer{
			backoff: gax.Backoff{Initial: 500 * time.Millisecond, Max: cmp.Or(maxBackoff, DefaultMaxBackoff), Multiplier: 2},
			page:    page, log: log,
		}
	})
}

// Retry reports whether to try the page again after err, and after how long.
func (r *pageRetryer) Retry(err error) (time.Duration, bool) {
	if !retryable(err) {
		return 0, false
	}
	r.attempts++
	if r.attempts >= maxAttempts {
		return 0, false
	}
	wait := r.backoff.Pause()
	r.log.Warn("gcp catalog refused a page; retrying", "page", *r.page, "attempt", r.attempts, "of", maxAttempts,
		"wait", wait.Round(time.Millisecond), "error", err)
	return wait, true
}

// retryable reports whether err is one pageRetryer retries.
func retryable(err error) bool {
	switch status.Code(err) {
	case codes.ResourceExhausted, codes.Unavailable:
		return true
	}
	return false
}

// listSkusError is the error of reading page of ListSkus: how many times
// it was refused when pageRetryer gave up on it.
func listSkusError(page int, err error) error {
	if retryable(err) {
		return fmt.Errorf("gcp catalog: list skus: page %d: refused %d times, the last: %w", page, maxAttempts, err)
	}
	return fmt.Errorf("gcp catalog: list skus: page %d: %w", page, err)
}
