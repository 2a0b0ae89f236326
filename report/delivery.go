package report

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Delivery states. A delivery moves pending → claimed → sending → sent, or
// back to retry (with a later NextAttempt) or to failed, or from sending to
// unknown when the mail server's reply to the message was lost (it may have
// accepted it, so it is not retried). What a crash leaves
// behind is resolved by the next run under the lock: claimed means nothing
// was handed to the mail server yet, so it is retried; sending means the
// server may have accepted the message, so it becomes unknown and is never
// sent again automatically (at most once: a report is never sent twice).
const (
	StatusPending = "pending"
	StatusClaimed = "claimed"
	StatusSending = "sending"
	StatusSent    = "sent"
	StatusRetry   = "retry"
	StatusFailed  = "failed"
	StatusUnknown = "unknown"
)

// Run is one audience's report for one week, rendered once so every
// recipient and every retry gets the same message.
type Run struct {
	Week      Week
	Audience  string
	CreatedAt time.Time
	Rendered  *Rendered
}

// Delivery is one report to one recipient, keyed by DeliveryKey.
type Delivery struct {
	Key         string    `json:"key"`
	Week        Week      `json:"week"`
	Audience    string    `json:"audience"`
	Recipient   string    `json:"recipient"`
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"nextAttempt"`
	MessageID   string    `json:"messageId"`
	LastError   string    `json:"lastError,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	SentAt      time.Time `json:"sentAt,omitzero"`
}

// DeliveryStore keeps runs and the delivery log. postgres.DB implements it;
// the idempotency key is a unique key there.
type DeliveryStore interface {
	// HasRun reports whether the run of wk and audience exists.
	HasRun(ctx context.Context, wk Week, audience string) (bool, error)
	// CreateRun stores a run and its deliveries in one transaction, unless
	// the run exists (then it changes nothing and returns false).
	CreateRun(ctx context.Context, run Run, deliveries []Delivery) (bool, error)
	// AddDeliveries logs the deliveries of an existing run whose keys are
	// not logged yet, and returns how many it added.
	AddDeliveries(ctx context.Context, deliveries []Delivery) (int, error)
	// RecoverOrphans resolves what a crashed sender left: claimed deliveries
	// go back to retry, sending ones become unknown. It returns how many of each.
	RecoverOrphans(ctx context.Context, now time.Time) (retried, unknown int, err error)
	// ClaimDue marks the oldest due pending or retry delivery that f
	// selects claimed, counting an attempt, and returns it with its run; ok
	// is false when none is due.
	ClaimDue(ctx context.Context, now time.Time, f DueFilter) (d Delivery, run Run, ok bool, err error)
	// MarkSending records that the message is being handed to the mail server.
	MarkSending(ctx context.Context, key string, now time.Time) error
	// MarkSent records the server's acceptance.
	MarkSent(ctx context.Context, key string, now time.Time) error
	// MarkFailed records a failed attempt: retry at next, or failed for good when final.
	MarkFailed(ctx context.Context, key string, now time.Time, reason string, next time.Time, final bool) error
	// MarkUnknown records that the message was handed to the mail server
	// but its answer was lost: the server may have accepted it, so it is
	// not retried.
	MarkUnknown(ctx context.Context, key string, now time.Time, reason string) error
}

// DueFilter selects the deliveries SendDue sends; its zero value selects
// all of them.
type DueFilter struct {
	Week     Week   // zero: every week
	Audience string // "": every audience
	// Recipients, when not nil, are the only recipients sent to.
	Recipients []string
}

// Sender hands an email to a mail server. It calls transmit once connected
// (and authenticated), right before the message is handed over; when
// transmit fails nothing is sent. Errors wrapping ErrPermanent are not
// retried; errors wrapping ErrMaybeSent (the server may have accepted the
// message) are not retried either, and the delivery becomes unknown.
type Sender interface {
	Send(ctx context.Context, e *Email, transmit func() error) error
}

// ErrNoCost is what Prepare returns for a report whose week the bill does
// not cover yet (see Report.HasCost): it is not sent, and the scheduler
// builds it again at the next poll.
var ErrNoCost = errors.New("no cost in the bill for most days of the report week")

// ErrPermanent marks a send failure retrying cannot fix (a rejected
// recipient, a message the server refuses).
var ErrPermanent = errors.New("permanent failure")

// ErrMaybeSent marks a send failure after the whole message reached the
// mail server: its reply to the end of the message was lost (a timeout, a
// dropped connection), so the server may have accepted it. Retrying could
// deliver the report twice, so the delivery becomes unknown instead (at
// most once per key).
var ErrMaybeSent = errors.New("the mail server's reply to the message was lost: it may have accepted it")

// Locker runs fn while holding a named lock across replicas; ran is false
// when another replica holds it. postgres.DB's TryLock implements it.
type Locker interface {
	TryLock(ctx context.Context, name string, fn func(context.Context) error) (ran bool, err error)
}

// LockName is the advisory lock the dispatcher works under.
const LockName = "tally-report-weekly"

// Dispatcher runs the weekly schedule: at each scheduled time it builds and
// renders every audience's report once, logs one delivery per recipient,
// and sends them with retries. It works only under the lock, so one
// replica sends, and every delivery's state is in the store before and
// after each step, so a restart resumes without sending anything twice.
type Dispatcher struct {
	Config   Config
	Schedule Schedule
	Builder  *Builder
	Store    DeliveryStore
	Sender   Sender
	Locker   Locker
	Log      *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// MaxAttempts is how often a delivery is tried. Default 6.
	MaxAttempts int
	// Backoff is the wait after the n-th failed attempt. Default
	// 1 min × 4^(n−1), at most 6 h: 1 m, 4 m, 16 m, 64 m, 4 h 16 m.
	Backoff func(n int) time.Duration
	// Grace is how late a missed report is still sent, from when it was due
	// (see Schedule.Week). Default 24 h.
	Grace time.Duration

	noCost map[string]bool // week/audience reports found without cost, and said so
}

// DefaultBackoff waits 1 min × 4^(n−1) after the n-th failure, at most 6 h.
func DefaultBackoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 4
	}
	return min(d, 6*time.Hour)
}

// TickSummary says what one tick did.
type TickSummary struct {
	Ran       bool // false: another replica holds the lock
	Created   []string
	Sent      int
	Failed    int
	Retried   int // orphans of a crash put back
	Unknown   int // orphans of a crash, and sends whose reply was lost: they may have been sent
	Scheduled time.Time
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}

// Tick does what is due now, under the lock.
func (d *Dispatcher) Tick(ctx context.Context) (TickSummary, error) {
	var s TickSummary
	ran, err := d.Locker.TryLock(ctx, LockName, func(ctx context.Context) error {
		var err error
		s, err = d.tick(ctx)
		return err
	})
	s.Ran = ran
	return s, err
}

func (d *Dispatcher) tick(ctx context.Context) (TickSummary, error) {
	var s TickSummary
	now := d.now()
	var err error
	if s.Retried, s.Unknown, err = d.Store.RecoverOrphans(ctx, now); err != nil {
		return s, err
	}
	if s.Unknown > 0 {
		d.log().Warn("report deliveries interrupted while sending are marked unknown and not resent", "count", s.Unknown)
	}
	grace := d.Grace
	if grace == 0 {
		grace = 24 * time.Hour
	}
	if slot, wk, ok := d.Schedule.Due(now, grace); ok {
		s.Scheduled = slot
		for _, aud := range d.Config.Audiences {
			if len(aud.Recipients) == 0 {
				continue
			}
			created, err := d.Prepare(ctx, aud, wk)
			if errors.Is(err, ErrNoCost) {
				// Built again at the next poll (the bill may land), said once.
				if key := wk.Label() + "/" + aud.Name; !d.noCost[key] {
					d.log().Warn("weekly report not sent yet: no cost in the bill for most days of its week", "audience", aud.Name, "week", wk.Label())
					if d.noCost == nil {
						d.noCost = map[string]bool{}
					}
					d.noCost[key] = true
				}
				continue
			}
			if err != nil {
				return s, fmt.Errorf("prepare %s report of %s: %w", aud.Name, wk.Label(), err)
			}
			if created {
				s.Created = append(s.Created, aud.Name)
			}
		}
	}
	// Each audience's deliveries to its recipients now: one removed from
	// the configuration gets no report still pending for it.
	for _, aud := range d.Config.Audiences {
		sum, err := d.SendDue(ctx, DueFilter{Audience: aud.Name, Recipients: append([]string{}, aud.Recipients...)})
		s.Sent, s.Failed, s.Unknown = s.Sent+sum.Sent, s.Failed+sum.Failed, s.Unknown+sum.Unknown
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// Prepare builds, renders and stores aud's report of wk with one pending
// delivery per recipient, unless it exists. It reports whether it created it.
// When it exists, the recipients added to aud since it was created get a
// pending delivery of it (those logged already are left as they are).
func (d *Dispatcher) Prepare(ctx context.Context, aud Audience, wk Week) (bool, error) {
	ok, err := d.Store.HasRun(ctx, wk, aud.Name)
	if err != nil {
		return false, err
	}
	if ok {
		added, err := d.Store.AddDeliveries(ctx, d.deliveries(aud, wk, d.now()))
		if err != nil {
			return false, fmt.Errorf("log deliveries to new recipients: %w", err)
		}
		if added > 0 {
			d.log().Info("weekly report prepared for new recipients", "audience", aud.Name, "week", wk.Label(), "recipients", added)
		}
		return false, nil
	}
	r, err := d.Builder.Build(ctx, aud, wk)
	if err != nil {
		return false, err
	}
	if !r.HasCost() {
		return false, ErrNoCost
	}
	rendered, err := Render(r)
	if err != nil {
		return false, err
	}
	now := d.now()
	run := Run{Week: wk, Audience: aud.Name, CreatedAt: now, Rendered: rendered}
	ds := d.deliveries(aud, wk, now)
	created, err := d.Store.CreateRun(ctx, run, ds)
	if created {
		d.log().Info("weekly report prepared", "audience", aud.Name, "week", wk.Label(), "recipients", len(ds))
	}
	return created, err
}

// deliveries are the pending deliveries of aud's report of wk, one per
// recipient, due now.
func (d *Dispatcher) deliveries(aud Audience, wk Week, now time.Time) []Delivery {
	var ds []Delivery
	seen := map[string]bool{}
	for _, rcpt := range aud.Recipients {
		key := DeliveryKey(wk, aud.Name, rcpt)
		if seen[key] {
			continue
		}
		seen[key] = true
		ds = append(ds, Delivery{Key: key, Week: wk, Audience: aud.Name, Recipient: rcpt, Status: StatusPending,
			NextAttempt: now, MessageID: MessageID(key, d.Config.From), CreatedAt: now})
	}
	return ds
}

// SendSummary counts what SendDue did.
type SendSummary struct {
	Sent    int // accepted by the mail server
	Failed  int // to retry, or failed for good
	Unknown int // the server's reply was lost: it may have accepted them; not retried
}

// SendDue sends every delivery that is due and f selects, one at a time.
func (d *Dispatcher) SendDue(ctx context.Context, f DueFilter) (SendSummary, error) {
	var sum SendSummary
	maxAttempts := d.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 6
	}
	backoff := d.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	for ctx.Err() == nil {
		del, run, ok, err := d.Store.ClaimDue(ctx, d.now(), f)
		if err != nil || !ok {
			return sum, err
		}
		e := NewEmail(run.Rendered, d.Config.From, del.Recipient, del.Key, del.Week, del.Audience, d.now().In(d.location()))
		serr := d.Sender.Send(ctx, e, func() error { return d.Store.MarkSending(ctx, del.Key, d.now()) })
		// Record the outcome even when ctx was cancelled meanwhile.
		rec := context.WithoutCancel(ctx)
		if serr == nil {
			if err := d.Store.MarkSent(rec, del.Key, d.now()); err != nil {
				return sum, err
			}
			sum.Sent++
			d.log().Info("weekly report sent", "key", del.Key, "messageId", e.MessageID)
			continue
		}
		if errors.Is(serr, ErrMaybeSent) {
			sum.Unknown++
			d.log().Warn("weekly report may have been sent: marked unknown and not resent", "key", del.Key, "attempt", del.Attempts, "err", serr)
			if err := d.Store.MarkUnknown(rec, del.Key, d.now(), serr.Error()); err != nil {
				return sum, err
			}
			continue
		}
		sum.Failed++
		final := errors.Is(serr, ErrPermanent) || del.Attempts >= maxAttempts
		next := d.now().Add(backoff(del.Attempts))
		d.log().Warn("weekly report not sent", "key", del.Key, "attempt", del.Attempts, "final", final, "err", serr)
		if err := d.Store.MarkFailed(rec, del.Key, d.now(), serr.Error(), next, final); err != nil {
			return sum, err
		}
	}
	return sum, ctx.Err()
}

func (d *Dispatcher) location() *time.Location {
	if d.Config.Location != nil {
		return d.Config.Location
	}
	return time.UTC
}

// Run ticks at start and then every poll until ctx ends, logging errors.
func (d *Dispatcher) Run(ctx context.Context, poll time.Duration) {
	for {
		s, err := d.Tick(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			d.log().Error("weekly report", "err", err)
		case !s.Ran:
			d.log().Debug("weekly report runs on another replica")
		case s.Sent+s.Failed+s.Unknown > 0 || len(s.Created) > 0:
			d.log().Info("weekly report tick", "created", s.Created, "sent", s.Sent, "failed", s.Failed, "unknown", s.Unknown)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}

// DeliveryEvent is one line of the delivery log.
type DeliveryEvent struct {
	At      time.Time `json:"at"`
	Status  string    `json:"status"`
	Attempt int       `json:"attempt"`
	Detail  string    `json:"detail,omitempty"`
}
