package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/internal/smtptest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/report"
)

// TestReportSendGuards: --send refuses weeks the bill does not cover or
// that have not ended (exit 2, nothing sent, nothing logged), and sends
// only after the typed confirmation, or with --yes off a terminal.
func TestReportSendGuards(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fixture.WeeklyOrg(t, db) // billed through Sunday Oct 18, 2026 (2026-W42)
	cfgFile := filepath.Join(t.TempDir(), "report.yaml")
	if err := os.WriteFile(cfgFile, []byte(weeklyConfigYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t, smtptest.Options{TLS: "none"})
	terminal := false
	origTerminal, origInput := stdinIsTerminal, confirmInput
	defer func() { stdinIsTerminal, confirmInput = origTerminal, origInput }()
	stdinIsTerminal = func() bool { return terminal }
	send := func(week, audience, typed string, extra ...string) (int, string) {
		confirmInput = strings.NewReader(typed)
		args := append([]string{"--database-url", url, "--log-level", "error", "report", "weekly", "--report-config", cfgFile,
			"--week", week, "--audience", audience, "--send", "--smtp-host", "127.0.0.1", "--smtp-port", itoa(srv.Port), "--smtp-tls", "none"}, extra...)
		code, _, errOut := runTally(args...)
		return code, errOut
	}
	now := report.WeekOf(time.Now())
	for _, tc := range []struct {
		name, week, audience, want string
	}{
		{"the week after the bill", "2026-W43", "org", "no cost in the bill for most days of the report week"},
		{"a team, the week after the bill", "2026-W43", "payments", "no cost in the bill for most days of the report week"},
		{"the current week", now.Label(), "org", "has not ended yet"},
		{"next week", now.End().Format(time.DateOnly), "org", "has not ended yet"},
	} {
		if code, errOut := send(tc.week, tc.audience, "", "--yes"); code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d %s; want exit 2, %q", tc.name, code, errOut, tc.want)
		}
	}
	// Off a terminal, without --yes: refused before anything is built.
	if code, errOut := send("2026-W42", "org", "send\n"); code != 2 || !strings.Contains(errOut, "--yes") {
		t.Errorf("no terminal, no --yes: exit %d %s", code, errOut)
	}
	// --to names the recipient of --eml only: with --send it was ignored,
	// and the report went to the audience's recipients, not to the one
	// address given. Without --eml it did nothing.
	if code, errOut := send("2026-W42", "org", "", "--yes", "--to", "me@example.com"); code != 2 ||
		!strings.Contains(errOut, `--to me@example.com: --send sends to the audience's recipients (finops@example.com)`) {
		t.Errorf("--send --to: exit %d %s", code, errOut)
	}
	if code, _, errOut := runTally("--database-url", url, "--log-level", "error", "report", "weekly", "--report-config", cfgFile,
		"--week", "2026-W42", "--to", "me@example.com"); code != 2 || !strings.Contains(errOut, "--to me@example.com: names the recipient of --eml, which is not given") {
		t.Errorf("--to without --eml: exit %d %s", code, errOut)
	}
	// --yes without --send confirmed nothing, silently.
	if code, _, errOut := runTally("--database-url", url, "--log-level", "error", "report", "weekly", "--report-config", cfgFile,
		"--week", "2026-W42", "--yes"); code != 2 || !strings.Contains(errOut, "--yes: confirms --send, which is not given") {
		t.Errorf("--yes without --send: exit %d %s", code, errOut)
	}
	// On a terminal: the recipients are listed, and a wrong answer sends nothing.
	terminal = true
	if code, errOut := send("2026-W42", "org", "y\n"); code == 0 || !strings.Contains(errOut, "finops@example.com") ||
		!strings.Contains(errOut, `Type "send" to confirm`) || !strings.Contains(errOut, "nothing sent") {
		t.Errorf("wrong confirmation: exit %d %s", code, errOut)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages sent before a confirmation", n)
	}
	if ds, err := db.Deliveries(context.Background(), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || len(ds) != 0 {
		t.Fatalf("deliveries logged before a confirmation: %v %v", ds, err)
	}
	if code, errOut := send("2026-W42", "org", "send\n"); code != 0 || !strings.Contains(errOut, "sent 1, failed 0") {
		t.Errorf("confirmed: exit %d %s", code, errOut)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].To[0] != "finops@example.com" {
		t.Errorf("the server got %d messages", len(msgs))
	}
}

// TestReportSendOnlyItsDeliveries: `report weekly --audience payments
// --week 2026-W42 --send` sends that report to the recipients it lists and
// nothing else. It sent every due delivery in the log: here the
// organization's report of the same week and payments' of the week before,
// which the schedule had prepared and not sent yet (its mail server was
// down, say), went to recipients the operator was neither shown nor asked
// about.
func TestReportSendOnlyItsDeliveries(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fixture.WeeklyOrg(t, db)
	cfgFile := filepath.Join(t.TempDir(), "report.yaml")
	if err := os.WriteFile(cfgFile, []byte(weeklyConfigYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := report.ParseConfig(cfgFile, []byte(weeklyConfigYAML))
	if err != nil {
		t.Fatal(err)
	}
	// What serve's schedule does first: reports prepared, pending.
	d := &report.Dispatcher{Config: cfg, Builder: &report.Builder{Store: db, Config: cfg}, Store: db}
	w42, _ := report.ParseWeek("2026-W42")
	for _, p := range []struct {
		audience string
		wk       report.Week
	}{{"org", w42}, {"payments", w42.Prev()}} {
		aud, _ := cfg.Audience(p.audience)
		if _, err := d.Prepare(context.Background(), aud, p.wk); err != nil {
			t.Fatalf("prepare %s %s: %v", p.audience, p.wk.Label(), err)
		}
	}
	srv := smtptest.Start(t, smtptest.Options{TLS: "none"})
	code, _, errOut := runTally("--database-url", url, "--log-level", "error", "report", "weekly", "--report-config", cfgFile,
		"--week", "2026-W42", "--audience", "payments", "--send", "--yes", "--smtp-host", "127.0.0.1", "--smtp-port", itoa(srv.Port), "--smtp-tls", "none")
	if code != 0 || !strings.Contains(errOut, "sent 1, failed 0") {
		t.Errorf("exit %d %s; want sent 1", code, errOut)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || strings.Join(msgs[0].To, ",") != "payments@example.com" ||
		!strings.Contains(string(msgs[0].Data), "X-Tally-Report: weekly 2026-W42 payments") {
		for _, m := range msgs {
			t.Logf("sent to %v", m.To)
		}
		t.Fatalf("the mail server got %d messages; want payments' report of 2026-W42 to payments@example.com only", len(msgs))
	}
	ds, err := db.Deliveries(context.Background(), w42.Prev().Start)
	if err != nil {
		t.Fatal(err)
	}
	for _, del := range ds {
		if want := report.StatusPending; del.Key != report.DeliveryKey(w42, "payments", "payments@example.com") && del.Status != want {
			t.Errorf("%s: %s, want %s (left to the schedule)", del.Key, del.Status, want)
		}
	}
}

// TestReportSendNewRecipient: the organization's report of 2026-W42 went to
// finops@; then cto@ is added to the audience and the operator sends again:
// cto@ gets it, finops@ not a second time. Prepare returned as soon as the
// week's run existed, so no delivery was logged for a recipient added after
// it: the command listed cto@ and said "sent 0", and neither it nor the
// schedule ever sent the week's report to cto@.
func TestReportSendNewRecipient(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fixture.WeeklyOrg(t, db)
	dir := t.TempDir()
	srv := smtptest.Start(t, smtptest.Options{TLS: "none"})
	send := func(recipients string) (int, string) {
		cfgFile := filepath.Join(dir, "report.yaml")
		yaml := "from: Tally <tally@example.com>\naudiences:\n  - name: org\n    recipients: [" + recipients + "]\n"
		if err := os.WriteFile(cfgFile, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := runTally("--database-url", url, "--log-level", "error", "report", "weekly", "--report-config", cfgFile,
			"--week", "2026-W42", "--send", "--yes", "--smtp-host", "127.0.0.1", "--smtp-port", itoa(srv.Port), "--smtp-tls", "none")
		return code, errOut
	}
	if code, errOut := send("finops@example.com"); code != 0 || !strings.Contains(errOut, "sent 1, failed 0") {
		t.Fatalf("first send: exit %d %s", code, errOut)
	}
	if code, errOut := send("finops@example.com, CTO@example.com"); code != 0 || !strings.Contains(errOut, "sent 1, failed 0") {
		t.Errorf("after adding cto@: exit %d %s; want sent 1", code, errOut)
	}
	if code, errOut := send("finops@example.com, cto@example.com"); code != 0 || !strings.Contains(errOut, "sent 0, failed 0") {
		t.Errorf("again: exit %d %s; want sent 0", code, errOut)
	}
	got := map[string]int{}
	for _, m := range srv.Messages() {
		for _, to := range m.To {
			got[strings.ToLower(to)]++
		}
	}
	if got["cto@example.com"] != 1 || got["finops@example.com"] != 1 || len(got) != 2 {
		t.Errorf("messages per recipient %v; want one each to finops@ and cto@", got)
	}
}
