package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/ingest/focus/focustest"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/internal/smtptest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/report"
	"github.com/tallyhq/tally/web"
)

const weeklyConfigYAML = `
dashboard_url: https://tally.example.com
from: Tally <tally@example.com>
audiences:
  - name: org
    title: Example Corp
    recipients: [finops@example.com]
    budget: 6500 USD
  - name: payments
    title: Payments team
    filter: label[team]:"payments"
    recipients: [payments@example.com]
`

// TestReportWeekly runs tally report weekly on the fixture organization:
// text, preview, .eml, and the dashboard's preview endpoint.
func TestReportWeekly(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fixture.WeeklyOrg(t, db)
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "report.yaml")
	if err := os.WriteFile(cfgFile, []byte(weeklyConfigYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	eml, page := filepath.Join(dir, "weekly.eml"), filepath.Join(dir, "weekly.html")
	code, out, errOut := runTally("--database-url", url, "report", "weekly", "--report-config", cfgFile, "--week", "2026-W42",
		"--text", "-", "--eml", eml, "--preview", page)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, "TALLY WEEKLY COST REPORT - Example Corp") || !strings.Contains(out, "payments/ledger") {
		t.Errorf("text:\n%s", out)
	}
	raw, err := os.ReadFile(eml)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg.Header.Get("Content-Type"), "multipart/related") || msg.Header.Get("To") != "<finops@example.com>" {
		t.Errorf("eml headers %v", msg.Header)
	}
	if html, _ := os.ReadFile(page); !bytes.Contains(html, []byte("data:image/png;base64,")) {
		t.Error("the preview has no inline charts")
	}
	if code, _, errOut := runTally("--database-url", url, "report", "weekly", "--report-config", cfgFile, "--audience", "nope"); code == 0 || !strings.Contains(errOut, `audience "nope"`) {
		t.Errorf("unknown audience: exit %d %s", code, errOut)
	}

	// --send goes through the delivery log: a second --send sends nothing.
	srv := smtptest.Start(t, smtptest.Options{TLS: "none"})
	for i := 0; i < 2; i++ {
		code, _, errOut := runTally("--database-url", url, "report", "weekly", "--report-config", cfgFile, "--week", "2026-W42",
			"--audience", "payments", "--send", "--yes", "--smtp-host", "127.0.0.1", "--smtp-port", itoa(srv.Port), "--smtp-tls", "none")
		want := []string{"sent 1, failed 0", "sent 0, failed 0"}[i]
		if code != 0 || !strings.Contains(errOut, want) {
			t.Errorf("send #%d: exit %d %s, want %q", i+1, code, errOut, want)
		}
	}
	// A week before the bill: nothing to send or show, and it says so, as
	// the dashboard's preview does. It printed a report of $0.00, "vs
	// 4-week average $0.00 (new)", with a warning that the bill did not
	// cover the week "yet".
	const before = `week "2020-W10": no costs that week: the first week with costs is 2026-W35`
	code, _, errOut = runTally("--database-url", url, "report", "weekly", "--report-config", cfgFile, "--week", "2020-W10",
		"--audience", "payments", "--send", "--yes", "--smtp-host", "127.0.0.1", "--smtp-port", itoa(srv.Port), "--smtp-tls", "none")
	if code != 2 || !strings.Contains(errOut, before) {
		t.Errorf("send of a week without a bill: exit %d %s", code, errOut)
	}
	code, out, errOut = runTally("--database-url", url, "report", "weekly", "--report-config", cfgFile, "--week", "2020-W10")
	if code != 2 || out != "" || !strings.Contains(errOut, before) {
		t.Errorf("a week before the bill: exit %d %s\n%s", code, errOut, out)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].To[0] != "payments@example.com" {
		t.Errorf("the server got %d messages", len(msgs))
	}
	code, out, _ = runTally("--database-url", url, "report", "deliveries", "--weeks", "1000")
	if code != 0 || !strings.Contains(out, "2026-W42  payments  payments@example.com  sent") {
		t.Errorf("deliveries:\n%s", out)
	}

	// The dashboard's preview, as serve wires it.
	cfg, err := report.ParseConfig(cfgFile, []byte(weeklyConfigYAML))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(web.NewServer(web.Config{Reports: &reportPreviewer{cfg: cfg, db: db}, Auth: db}))
	defer ts.Close()
	secret, tok := web.NewToken()
	tok.Kind, tok.Role, tok.Name = tally.TokenAPI, tally.RoleViewer, "test"
	if _, err := db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, ctype, want string
		status            int
	}{
		{"/api/v1/reports/weekly/preview?audience=payments&week=2026-W42", "text/html", "Payments team", 200},
		{"/api/v1/reports/weekly/preview?week=2026-10-14&format=text", "text/plain", "Example Corp", 200},
		{"/api/v1/reports/weekly/preview?audience=nope", "application/json", "not_found", 404},
		{"/api/v1/reports/weekly/preview?week=soon", "application/json", "invalid", 400},
		// A week out of range names week, the value and the form wanted.
		{"/api/v1/reports/weekly/preview?week=2026-W60", "application/json", `week \"2026-W60\": 2026 has no week 60; want an ISO week such as 2026-W47`, 400},
		{"/api/v1/reports/weekly/preview?week=0000-12-31&format=text", "application/json", `week \"0000-12-31\": before 0001-W01; want an ISO week such as 2026-W47`, 400},
		// A week before the organization's first costs is no report of
		// $0.00 (nor an error about pruned data naming no week): there are
		// no costs that week, and the first week with costs is named.
		{"/api/v1/reports/weekly/preview?week=0001-01-01", "application/json", `week \"0001-01-01\" (0001-W01): no costs that week: the first week with costs is 2026-W`, 404},
		{"/api/v1/reports/weekly?week=0001-01-01", "application/json", `no costs that week`, 404}, // the subject's too
		{"/api/v1/reports/weekly/preview?week=2020-W10&audience=payments", "application/json", `week \"2020-W10\": no costs that week`, 404},
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+c.path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %s %.200s", c.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}

// TestHelperServe is the child process of TestServeRestart.
func TestHelperServe(t *testing.T) {
	if os.Getenv("TALLY_TEST_SERVE") != "1" {
		t.Skip("helper process")
	}
	os.Exit(run(strings.Split(os.Getenv("TALLY_TEST_ARGS"), "\x1f"), os.Stdout, os.Stderr))
}

// TestServeRestart kills `tally serve` while the mail server is receiving
// the second of three scheduled reports — after the message reached the
// server, before serve could log it — and restarts it: every recipient gets
// the report exactly once, and the interrupted delivery is marked unknown.
func TestServeRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts tally serve twice")
	}
	url := pgtest.NewURL(t, true)
	// A bill for the month of the week serve reports on: a report without
	// any cost is not sent.
	bill := filepath.Join(t.TempDir(), "focus.csv")
	f, err := os.Create(bill)
	if err != nil {
		t.Fatal(err)
	}
	week := time.Now().UTC().AddDate(0, 0, -7)
	if err := focustest.Write(f, 24*28, "999999999999", time.Date(week.Year(), week.Month(), 1, 0, 0, 0, 0, time.UTC), 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if code, _, errOut := runTally("--database-url", url, "--log-level", "warn", "ingest", "focus", bill); code != 0 {
		t.Fatalf("ingest: exit %d %s", code, errOut)
	}
	var mu sync.Mutex
	var child *exec.Cmd
	killed := make(chan struct{})
	var once sync.Once
	srv := smtptest.Start(t, smtptest.Options{TLS: "starttls", Username: "tally", Password: "pw", OnData: func(m smtptest.Message) error {
		if m.To[0] == "b@example.com" {
			once.Do(func() {
				mu.Lock()
				_ = child.Process.Signal(syscall.SIGKILL)
				mu.Unlock()
				close(killed)
				time.Sleep(200 * time.Millisecond) // the client is gone before it hears 250
			})
		}
		return nil
	}})
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	cfgFile := filepath.Join(dir, "report.yaml")
	if err := os.WriteFile(ca, srv.CAPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	// Every minute, so a scheduled time has always just passed.
	if err := os.WriteFile(cfgFile, []byte(`
schedule: "* * * * *"
from: Tally <tally@example.com>
smtp: {host: 127.0.0.1, tls: starttls, username: tally}
audiences:
  - name: org
    recipients: [a@example.com, b@example.com, c@example.com]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--database-url", url, "--log-format", "text", "serve", "--addr", "127.0.0.1:0", "--report-config", cfgFile,
		"--smtp-port", itoa(srv.Port), "--smtp-ca-file", ca, "--report-poll", "500ms"}
	var firstLogs *bytes.Buffer
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
		cmd.Env = append(os.Environ(), "TALLY_TEST_SERVE=1", "TALLY_TEST_ARGS="+strings.Join(args, "\x1f"), "TALLY_SMTP_PASSWORD=pw")
		var logs bytes.Buffer
		if firstLogs == nil {
			firstLogs = &logs
		}
		cmd.Stdout, cmd.Stderr = &logs, &logs
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("serve log:\n%s", logs.String())
			}
		})
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	mu.Lock()
	child = start()
	mu.Unlock()
	select {
	case <-killed:
	case <-time.After(3 * time.Minute):
		_ = child.Process.Kill()
		t.Fatal("serve sent nothing within 3 minutes")
	}
	_ = child.Wait()
	if !strings.Contains(firstLogs.String(), "no one can sign in yet: create the first admin with tally user create --admin EMAIL") {
		t.Error("serve without users does not say how to create the first admin")
	}
	first := perTo(srv.Wait(2, 10*time.Second))
	if first["a@example.com"] != 1 || first["b@example.com"] != 1 || first["c@example.com"] != 0 {
		t.Fatalf("before the kill the server had %v", first)
	}

	second := start()
	msgs := srv.Wait(3, 2*time.Minute)
	time.Sleep(3 * time.Second) // several more polls: nothing else may go out
	_ = second.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- second.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = second.Process.Kill()
		t.Error("serve did not stop on SIGTERM")
	}
	msgs = srv.Messages()
	n := perTo(msgs)
	if len(msgs) != 3 || n["a@example.com"] != 1 || n["b@example.com"] != 1 || n["c@example.com"] != 1 {
		t.Fatalf("messages per recipient %v (%d in all): want each exactly once", n, len(msgs))
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ds, err := db.Deliveries(context.Background(), time.Now().AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range ds {
		got[d.Recipient] = d.Status
	}
	if got["a@example.com"] != "sent" || got["b@example.com"] != "unknown" || got["c@example.com"] != "sent" {
		t.Errorf("delivery log %v: want a and c sent, b unknown", got)
	}
}

func perTo(msgs []smtptest.Message) map[string]int {
	n := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			n[to]++
		}
	}
	return n
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(b[n:])
}

// TestReportWeeklyUnknownAudience: an --audience the configuration lacks is
// bad input, exit 2 naming the flag, like a bad --week.
func TestReportWeeklyUnknownAudience(t *testing.T) {
	for _, args := range [][]string{{"--audience", "nope"}, {"--week", "someday"}} {
		code, _, errOut := runTally(append([]string{"--database-url", "postgres://x@127.0.0.1:1/x", "report", "weekly"}, args...)...)
		if code != exitUsage || !strings.Contains(errOut, args[0]) && !strings.Contains(errOut, args[1]) {
			t.Errorf("report weekly %v: exit %d, %q: want exit %d naming it", args, code, errOut, exitUsage)
		}
	}
}

// TestSMTPFlagsChecked: --smtp-tls and --smtp-port out of range are bad
// input naming the flag (kong's enum listed "" among --smtp-tls's values).
func TestSMTPFlagsChecked(t *testing.T) {
	for _, tc := range []struct {
		f    reportFlags
		want string
	}{
		{reportFlags{SMTPTLS: "ssl"}, `--smtp-tls "ssl": want starttls, tls or none`},
		{reportFlags{SMTPPort: 70000}, "--smtp-port 70000: want 1–65535"},
		{reportFlags{SMTPPort: -1}, "--smtp-port -1: want 1–65535"},
	} {
		_, err := tc.f.load(attribution.Aliases{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("%+v: %v, want EInvalid saying %q", tc.f, err, tc.want)
		}
	}
	cfg, err := (&reportFlags{SMTPTLS: "tls"}).load(attribution.Aliases{})
	if err != nil || cfg.SMTP.TLS != "tls" || cfg.SMTP.Port != 0 {
		t.Errorf("--smtp-tls tls: %+v, %v", cfg.SMTP, err)
	}
}
