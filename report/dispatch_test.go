package report_test

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/internal/smtptest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/report"
	"github.com/tallyhq/tally/report/smtp"
)

// monday is a scheduled time: Monday Oct 19, 2026 08:00 UTC.
var monday = time.Date(2026, 10, 19, 8, 0, 0, 0, time.UTC)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func dispatcher(t *testing.T, db *postgres.DB, srv *smtptest.Server, c *clock, store report.DeliveryStore) *report.Dispatcher {
	t.Helper()
	cfg, err := report.ParseConfig("d.yaml", []byte(`
from: Tally <tally@example.com>
audiences:
  - name: org
    recipients: [ana@example.com, bo@example.com, cy@example.com]
  - name: shop
    filter: namespace:"shop"
    recipients: [ana@example.com]
`))
	if err != nil {
		t.Fatal(err)
	}
	sender, err := smtp.New(smtp.Config{Host: srv.Host, Port: srv.Port, TLS: "starttls", Username: "u", Password: "p",
		TLSConfig: &tls.Config{RootCAs: srv.Roots}, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sched, _ := report.ParseSchedule(cfg.Schedule, cfg.Location)
	if store == nil {
		store = db
	}
	return &report.Dispatcher{Config: cfg, Schedule: sched, Builder: &report.Builder{Store: db, Config: cfg, Now: c.now},
		Store: store, Sender: sender, Locker: db, Now: c.now}
}

func statuses(t *testing.T, db *postgres.DB) map[string]string {
	t.Helper()
	ds, err := db.Deliveries(context.Background(), monday.AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range ds {
		out[d.Audience+"/"+d.Recipient] = d.Status
	}
	return out
}

func perRecipient(msgs []smtptest.Message) map[string]int {
	n := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			n[to]++
		}
	}
	return n
}

// TestDispatcherSchedule: nothing before the scheduled time; at it, one
// message per audience and recipient; ticking again sends nothing more.
func TestDispatcherSchedule(t *testing.T) {
	db := weeklyDB(t)
	srv := smtptest.Start(t, smtptest.Options{Username: "u", Password: "p"})
	c := &clock{monday.Add(-time.Minute)}
	d := dispatcher(t, db, srv, c, nil)
	ctx := context.Background()
	s, err := d.Tick(ctx)
	if err != nil || !s.Ran || s.Sent != 0 {
		t.Fatalf("before 08:00: %+v %v", s, err)
	}
	c.t = monday.Add(3 * time.Minute)
	if s, err = d.Tick(ctx); err != nil || s.Sent != 4 || len(s.Created) != 2 {
		t.Fatalf("at 08:03: %+v %v", s, err)
	}
	for i := 0; i < 2; i++ {
		c.t = c.t.Add(time.Hour)
		if s, err = d.Tick(ctx); err != nil || s.Sent != 0 || len(s.Created) != 0 {
			t.Fatalf("again: %+v %v", s, err)
		}
	}
	n := perRecipient(srv.Messages())
	if n["ana@example.com"] != 2 || n["bo@example.com"] != 1 || n["cy@example.com"] != 1 {
		t.Errorf("messages per recipient %v", n)
	}
	for _, m := range srv.Messages() {
		if !strings.Contains(string(m.Data), "Oct 12=E2=80=9318, 2026") && !strings.Contains(string(m.Data), "Oct 12–18, 2026") {
			t.Errorf("message does not cover the week of Oct 12")
		}
	}
	for k, st := range statuses(t, db) {
		if st != report.StatusSent {
			t.Errorf("%s: %s", k, st)
		}
	}
	// Another replica holding the lock: the tick does nothing.
	_, err = db.TryLock(ctx, report.LockName, func(ctx context.Context) error {
		s, err := d.Tick(ctx)
		if err != nil || s.Ran {
			t.Errorf("tick under another's lock: %+v %v", s, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDispatcherSkipsRemovedRecipients: a recipient removed from the
// configuration while a report to them is pending gets nothing. The
// scheduler sent every pending delivery, to whoever it was for.
func TestDispatcherSkipsRemovedRecipients(t *testing.T) {
	db := weeklyDB(t)
	srv := smtptest.Start(t, smtptest.Options{Username: "u", Password: "p"})
	c := &clock{monday.Add(3 * time.Minute)}
	d := dispatcher(t, db, srv, c, nil)
	ctx := context.Background()
	org, _ := d.Config.Audience("org")
	wk, _ := report.ParseWeek("2026-W42")
	if _, err := d.Prepare(ctx, org, wk); err != nil {
		t.Fatal(err)
	}
	d.Config.Audiences[0].Recipients = []string{"ana@example.com", "cy@example.com"} // bo@ left
	if _, err := d.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n := perRecipient(srv.Messages()); n["bo@example.com"] != 0 || n["ana@example.com"] != 2 || n["cy@example.com"] != 1 {
		t.Errorf("messages per recipient %v, want none to bo@, who was removed", n)
	}
}

// TestDispatcherRetries: a temporary failure is retried after its backoff, a
// permanent one is not, and attempts run out.
func TestDispatcherRetries(t *testing.T) {
	db := weeklyDB(t)
	fail := map[string]error{"bo@example.com": tempErr, "cy@example.com": permErr}
	srv := smtptest.Start(t, smtptest.Options{Username: "u", Password: "p", OnData: func(m smtptest.Message) error {
		return fail[m.To[0]]
	}})
	c := &clock{monday.Add(time.Minute)}
	d := dispatcher(t, db, srv, c, nil)
	d.MaxAttempts = 3
	ctx := context.Background()
	s, err := d.Tick(ctx)
	if err != nil || s.Sent != 2 || s.Failed != 2 {
		t.Fatalf("first tick %+v %v", s, err)
	}
	st := statuses(t, db)
	if st["org/bo@example.com"] != report.StatusRetry || st["org/cy@example.com"] != report.StatusFailed {
		t.Fatalf("statuses %v", st)
	}
	c.t = c.t.Add(30 * time.Second) // backoff after attempt 1 is 1 min
	if s, _ = d.Tick(ctx); s.Failed != 0 {
		t.Fatalf("retried before its backoff: %+v", s)
	}
	c.t = c.t.Add(time.Minute)
	if s, _ = d.Tick(ctx); s.Failed != 1 {
		t.Fatalf("second attempt: %+v", s)
	}
	delete(fail, "bo@example.com")
	c.t = c.t.Add(3 * time.Minute) // backoff after attempt 2 is 4 min
	if s, _ = d.Tick(ctx); s.Sent != 0 {
		t.Fatalf("retried before its backoff: %+v", s)
	}
	c.t = c.t.Add(2 * time.Minute)
	if s, _ = d.Tick(ctx); s.Sent != 1 {
		t.Fatalf("third attempt: %+v", s)
	}
	if st := statuses(t, db); st["org/bo@example.com"] != report.StatusSent {
		t.Fatalf("statuses %v", st)
	}
	evs, err := db.DeliveryEvents(ctx, report.DeliveryKey(report.WeekOf(monday).Prev(), "org", "bo@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for _, e := range evs {
		log = append(log, e.Status)
	}
	want := "pending claimed sending retry claimed sending retry claimed sending sent"
	if strings.Join(log, " ") != want {
		t.Errorf("delivery log %q, want %q", strings.Join(log, " "), want)
	}
	if n := perRecipient(srv.Messages()); n["bo@example.com"] != 1 || n["cy@example.com"] != 0 {
		t.Errorf("accepted messages %v", n)
	}
}

var (
	tempErr = smtptestErr(451)
	permErr = smtptestErr(550)
)

// crashAfterSend is a store whose MarkSent fails once, as if the process
// died between the server's acceptance and the log.
type crashAfterSend struct {
	*postgres.DB
	crashed bool
}

var errCrash = errors.New("crash between send and log")

func (c *crashAfterSend) MarkSent(ctx context.Context, key string, now time.Time) error {
	if !c.crashed {
		c.crashed = true
		return errCrash
	}
	return c.DB.MarkSent(ctx, key, now)
}

// TestDispatcherCrashBetweenSendAndLog: the message the crash interrupted is
// marked unknown and never sent again; the others are sent once.
func TestDispatcherCrashBetweenSendAndLog(t *testing.T) {
	db := weeklyDB(t)
	srv := smtptest.Start(t, smtptest.Options{Username: "u", Password: "p"})
	c := &clock{monday.Add(time.Minute)}
	ctx := context.Background()
	d := dispatcher(t, db, srv, c, &crashAfterSend{DB: db})
	if _, err := d.Tick(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("tick: %v, want the crash", err)
	}
	// A restarted process: a new dispatcher on the real store.
	d2 := dispatcher(t, db, srv, c, nil)
	for i := 0; i < 3; i++ {
		c.t = c.t.Add(10 * time.Minute)
		s, err := d2.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && s.Unknown != 1 {
			t.Errorf("restart found %d interrupted deliveries, want 1", s.Unknown)
		}
	}
	n := perRecipient(srv.Messages())
	if n["ana@example.com"] != 2 || n["bo@example.com"] != 1 || n["cy@example.com"] != 1 {
		t.Errorf("messages per recipient %v: want each report once", n)
	}
	unknown := 0
	for _, st := range statuses(t, db) {
		if st == report.StatusUnknown {
			unknown++
		}
	}
	if unknown != 1 {
		t.Errorf("statuses %v: want one unknown", statuses(t, db))
	}
}

// TestDispatcherLostReplyIsUnknown: the mail server takes the whole message
// but its reply to the end of DATA comes after the client's timeout. The
// server may have accepted it (here it did), so the delivery is unknown and
// not resent: at most once per key. It was logged retry and sent again
// after the backoff: the recipient got the report twice.
func TestDispatcherLostReplyIsUnknown(t *testing.T) {
	db := weeklyDB(t)
	var stalls atomic.Int32
	srv := smtptest.Start(t, smtptest.Options{Username: "u", Password: "p", OnData: func(m smtptest.Message) error {
		if m.To[0] == "bo@example.com" && stalls.Add(1) == 1 {
			time.Sleep(3 * time.Second) // the reply is late: the client has given up
		}
		return nil // accepted (and recorded by the server)
	}})
	c := &clock{monday.Add(time.Minute)}
	d := dispatcher(t, db, srv, c, nil)
	sender, err := smtp.New(smtp.Config{Host: srv.Host, Port: srv.Port, TLS: "starttls", Username: "u", Password: "p",
		TLSConfig: &tls.Config{RootCAs: srv.Roots}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	d.Sender = sender
	ctx := context.Background()
	s, err := d.Tick(ctx)
	if err != nil || s.Sent != 3 || s.Unknown != 1 || s.Failed != 0 {
		t.Fatalf("first tick: %+v %v; want 3 sent, 1 unknown", s, err)
	}
	if st := statuses(t, db)["org/bo@example.com"]; st != report.StatusUnknown {
		t.Errorf("the delivery whose reply was lost is %s, want %s", st, report.StatusUnknown)
	}
	for range 2 {
		c.t = c.t.Add(10 * time.Minute) // past the first backoffs
		if s, err = d.Tick(ctx); err != nil || s.Sent+s.Failed+s.Unknown != 0 {
			t.Fatalf("later tick: %+v %v; want nothing sent", s, err)
		}
	}
	n := perRecipient(srv.Wait(4, 5*time.Second))
	if n["bo@example.com"] != 1 || n["ana@example.com"] != 2 || n["cy@example.com"] != 1 {
		t.Errorf("messages accepted per recipient %v: want each report once", n)
	}
	evs, err := db.DeliveryEvents(ctx, report.DeliveryKey(report.WeekOf(monday).Prev(), "org", "bo@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for _, e := range evs {
		log = append(log, e.Status)
	}
	if want := "pending claimed sending unknown"; strings.Join(log, " ") != want {
		t.Errorf("delivery log %q, want %q", strings.Join(log, " "), want)
	}
}

// TestDispatcherSkipsAnEmptyBill: with no bill for the report's weeks, the
// scheduled tick sends nothing and says why, once; once a bill is in, the
// next tick sends it.
func TestDispatcherSkipsAnEmptyBill(t *testing.T) {
	db := pgtest.New(t)
	srv := smtptest.Start(t, smtptest.Options{Username: "u", Password: "p"})
	c := &clock{monday.Add(time.Minute)}
	ctx := context.Background()
	var logs strings.Builder
	d := dispatcher(t, db, srv, c, nil)
	d.Log = slog.New(slog.NewTextHandler(&logs, nil))
	for range 2 {
		s, err := d.Tick(ctx)
		if err != nil || len(s.Created) > 0 || s.Sent > 0 {
			t.Fatalf("tick on an empty bill: %+v, %v", s, err)
		}
		c.t = c.t.Add(30 * time.Second)
	}
	if n := strings.Count(logs.String(), "weekly report not sent yet: no cost in the bill"); n != 2 { // one per audience, once
		t.Errorf("%d warnings, want 2:\n%s", n, logs.String())
	}
	r, err := d.Builder.Build(ctx, d.Config.Audiences[0], report.LastCompleteWeek(monday))
	if err != nil {
		t.Fatal(err)
	}
	if r.HasCost() {
		t.Error("a report on an empty bill has cost")
	}
	if out, err := report.Render(r); err != nil || !strings.Contains(out.Text, "not available yet") {
		t.Errorf("without a stored forecast the preview does not say it is not available yet (%v)", err)
	}
	aud, _ := d.Config.Audience("org")
	if _, err := d.Prepare(ctx, aud, report.LastCompleteWeek(monday)); !errors.Is(err, report.ErrNoCost) {
		t.Errorf("prepare on an empty bill: %v, want ErrNoCost", err)
	}

	fixture.WeeklyOrg(t, db)
	c.t = c.t.Add(30 * time.Second)
	s, err := d.Tick(ctx)
	if err != nil || len(s.Created) != 2 || s.Sent != 4 {
		t.Fatalf("tick with the bill in: %+v, %v", s, err)
	}
}

// TestDispatcherEastOfUTC: Monday 08:00 in Tokyo is Sunday 23:00 UTC,
// before the report week ends; the report of that week goes out when it
// has (09:00 in Tokyo), not the week before last at 08:00.
func TestDispatcherEastOfUTC(t *testing.T) {
	db := weeklyDB(t)
	srv := smtptest.Start(t, smtptest.Options{Username: "u", Password: "p"})
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{time.Date(2026, 10, 19, 8, 3, 0, 0, tokyo)}
	d := dispatcher(t, db, srv, c, nil)
	d.Config.Location = tokyo
	if d.Schedule, err = report.ParseSchedule("0 8 * * 1", tokyo); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if s, err := d.Tick(ctx); err != nil || s.Sent != 0 || len(s.Created) != 0 {
		t.Fatalf("at 08:03 Tokyo, before the week ends in UTC: %+v %v", s, err)
	}
	c.t = time.Date(2026, 10, 19, 9, 0, 30, 0, tokyo)
	if s, err := d.Tick(ctx); err != nil || s.Sent != 4 {
		t.Fatalf("at 09:00 Tokyo: %+v %v", s, err)
	}
	for _, m := range srv.Messages() {
		if !strings.Contains(string(m.Data), "Oct 12=E2=80=9318, 2026") && !strings.Contains(string(m.Data), "Oct 12–18, 2026") {
			t.Errorf("message does not cover the week of Oct 12")
		}
	}
}
