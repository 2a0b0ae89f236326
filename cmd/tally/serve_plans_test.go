package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/logtest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/rightsizing"
)

// TestScheduledPlansUseTheCommandsDefaults: what tally serve refreshes
// every day is what tally forecast run, tally rightsize and tally
// commitments recommend store when run without flags.
func TestScheduledPlansUseTheCommandsDefaults(t *testing.T) {
	var c cli
	p, err := kong.New(&c)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"forecast", "run"}, {"rightsize", "recommend"}, {"commitments", "recommend"}} {
		if _, err := p.Parse(args); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	now := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)

	f, fo := c.Forecast.Scopes, scheduledForecast(now)
	if len(f.Scope) != 0 || fo.Scopes != nil || fo.Horizon != f.Horizon || fo.History != f.History || fo.Lag != f.Lag || string(fo.Basis) != f.Basis {
		t.Errorf("forecast: scheduled %+v, tally forecast run's defaults %+v", fo, f)
	}

	r := c.Rightsize.Recommend
	ro, err := scheduledRightsize(now)
	if err != nil {
		t.Fatal(err)
	}
	profile, _ := rightsizing.ProfileByName(r.Profile)
	fallback, err := r.priceFlags.prices()
	if err != nil {
		t.Fatal(err)
	}
	if ro.Window.Duration() != time.Duration(r.History) || !ro.Window.End.Equal(now) || !reflect.DeepEqual(ro.Profile, profile) ||
		ro.Nodes != r.Nodes || !reflect.DeepEqual(ro.Fallback, fallback) || ro.Cluster != "" || ro.Namespace != "" || ro.HPAs != nil || ro.MinNodes != nil {
		t.Errorf("right-sizing: scheduled %+v, tally rightsize's defaults %+v", ro, r)
	}

	m, mo := c.Commit.Recommend, scheduledCommitments(now)
	want := commitments.Risk{MinUtilization: m.MinUtilization, MaxProbability: m.MaxProbability, LockInPenalty: m.LockInPenalty, Paths: m.Paths}
	pools := commitments.PoolOptions{TermMonths: 12, Payment: m.Payment, EC2Instance: true, Compute: true, Reserved: m.Reserved, GCPFlexible: true}
	w, err := tally.ParseWindow(m.History, now)
	if err != nil {
		t.Fatal(err)
	}
	if mo.Risk != want || mo.Pools != pools || m.Term != "1y" || mo.Seed != m.Seed || mo.Account != "" || mo.NoStore ||
		max(mo.History, 400*24*time.Hour) != w.Duration() || !mo.Now.Equal(now) {
		t.Errorf("commitments: scheduled %+v, tally commitments recommend's defaults %+v", mo, m)
	}
}

// TestServeRefreshesPlans: tally serve's daily plans store forecasts and
// commitment recommendations from the bill when none were ever stored,
// record when, and leave them alone at the next start the same day.
func TestServeRefreshesPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests a bill")
	}
	url := pgtest.NewURL(t, true)
	dir := filepath.Join(t.TempDir(), "acme")
	if code, _, errOut := runTally("--log-level", "warn", "demo-generate", "--out", dir, "--days", "30"); code != 0 {
		t.Fatalf("demo-generate: %s", errOut)
	}
	gcp, _ := filepath.Glob(filepath.Join(dir, "gcp", "gcp_billing_export_resource_v1_*"))
	if len(gcp) != 1 {
		t.Fatalf("GCP export: %v", gcp)
	}
	mustTally(t, "--database-url", url, "--log-level", "warn")("ingest", "gcp-billing", gcp[0])
	ctx := context.Background()
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// At 23:59 UTC the last scheduled time is at most a day old whenever
	// the test runs.
	at := plansAt{After: 23*time.Hour + 59*time.Minute}
	logs := runPlansUntil(t, db, at, "refreshed forecasts and recommendations")
	if strings.Contains(logs, "level=ERROR") {
		t.Fatalf("the refresh failed:\n%s", logs)
	}
	var refreshed time.Time
	if found, err := db.Setting(ctx, settingPlansRefreshed, &refreshed); err != nil || !found || time.Since(refreshed) > time.Minute {
		t.Fatalf("refresh recorded at %v (found %v, %v); want now", refreshed, found, err)
	}
	recs, err := db.Recommendations(ctx, tally.RecommendCommitment)
	if err != nil || len(recs) == 0 {
		t.Fatalf("commitment recommendations after the refresh: %d, %v", len(recs), err)
	}
	if fs, err := db.LatestForecasts(ctx, "spend/"); err != nil || len(fs) == 0 {
		t.Fatalf("spend forecasts after the refresh: %d, %v", len(fs), err)
	}

	// Started again (another replica, or a restart), before the next
	// scheduled time: nothing to do.
	runPlansUntil(t, db, at, "daily plans are current")
	again, err := db.Recommendations(ctx, tally.RecommendCommitment)
	if err != nil || len(again) != len(recs) || !again[0].CreatedAt.Equal(recs[0].CreatedAt) {
		t.Errorf("a second start replaced the recommendations: %d then %d, %v", len(recs), len(again), err)
	}
}

// runPlansUntil runs tally serve's plans scheduler until it logs want, and
// returns its log.
func runPlansUntil(t *testing.T, db *postgres.DB, at plansAt, want string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs logtest.Buffer
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.schedulePlans(ctx, db, at)
	}()
	for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(logs.String(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("no %q logged in 2 minutes:\n%s", want, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	return logs.String()
}

// TestPlansAtFlag: --plans-at takes a UTC time of day or off, and its
// latest scheduled time is today's once passed, else yesterday's.
func TestPlansAtFlag(t *testing.T) {
	var p plansAt
	if err := p.UnmarshalText([]byte("03:30")); err != nil || p != (plansAt{After: 3*time.Hour + 30*time.Minute}) {
		t.Errorf("03:30: %+v, %v", p, err)
	}
	if err := p.UnmarshalText([]byte("off")); err != nil || !p.Off {
		t.Errorf("off: %+v, %v", p, err)
	}
	for _, bad := range []string{"3", "25:00", "03:00:00", "noon", ""} {
		if err := p.UnmarshalText([]byte(bad)); err == nil || !strings.Contains(err.Error(), "03:00, or off") {
			t.Errorf("%q: %v; want an error naming the forms", bad, err)
		}
	}
	at := plansAt{After: 3 * time.Hour}
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for now, want := range map[time.Time]time.Time{
		day.Add(2 * time.Hour):  day.Add(-21 * time.Hour),
		day.Add(3 * time.Hour):  day.Add(3 * time.Hour),
		day.Add(20 * time.Hour): day.Add(3 * time.Hour),
	} {
		if got := at.lastDue(now); !got.Equal(want) {
			t.Errorf("at 03:00, now %v: last due %v, want %v", now, got, want)
		}
	}
	code, _, errOut := runTally("serve", "--plans-at", "7pm")
	if code != exitUsage || !strings.Contains(errOut, "--plans-at") || !strings.Contains(errOut, "03:00, or off") {
		t.Errorf("serve --plans-at 7pm: exit %d, %s", code, errOut)
	}
}
