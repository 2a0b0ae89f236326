package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/demo"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// TestDemoLoadMatchesTruth loads a generated organization the way `tally
// demo` does — bills through the ingest readers, agent batches over HTTP
// with agent tokens — and checks the result against the generator's truth:
// every billed day reconciles to the cent and every day's node cost per
// cluster and namespace (and idle) is within 1%.
func TestDemoLoadMatchesTruth(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "org")
	m, err := demo.Generate(ctx, demo.Config{Seed: 2, Days: 4, End: time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)}, dir)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := demo.LoadTruth(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	db := pgtest.New(t)
	var logs bytes.Buffer
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&logs, nil))}
	srv := httptest.NewServer(web.NewServer(a.webConfig(db, demoReportConfig(truth, "http://example.test"))))
	defer srv.Close()
	l := &demoLoader{app: a, db: db, dir: dir, m: &m, truth: truth, url: srv.URL}
	if err := l.run(ctx); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("the load warned:\n%s", logs.String())
	}
	c, err := l.checkTruth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", c)
	if c.Days == 0 || c.Mismatches > 0 {
		t.Errorf("%d of %d billed days off the bill by more than a cent (largest difference %s)", c.Mismatches, c.Days, c.MaxDifference)
	}
	if c.Owners == 0 || c.WorstRelative > 0.01 {
		t.Errorf("%d namespace-days compared; worst %.3f%%: %s", c.Owners, 100*c.WorstRelative, c.Worst)
	}
}
