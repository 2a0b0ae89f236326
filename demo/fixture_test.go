package demo_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/demo"
)

// The shared fixture: ten days ending in a closed month, so every kind of
// line (fees, tax, credit, in-window commitment purchases, the regression,
// OOM kills) is present.
var (
	fixtureCfg = demo.Config{Seed: 1, Days: 10, End: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), ProfileDays: 5}
	fixtureDir string
	fixtureMan demo.Manifest
	fixtureTr  *demo.Truth
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "^$" {
		return m.Run() // benchmarks only: no fixture needed
	}
	root, err := os.MkdirTemp("", "tally-demo-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(root)
	fixtureDir = filepath.Join(root, "org")
	fixtureMan, err = demo.Generate(context.Background(), fixtureCfg, fixtureDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate fixture:", err)
		return 1
	}
	fixtureTr, err = demo.LoadTruth(fixtureDir, fixtureMan)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load truth:", err)
		return 1
	}
	return m.Run()
}

var (
	batchesOnce sync.Once
	batchesAll  []tally.AgentBatch
	batchesErr  error
)

// agentBatches decodes every agent batch of the fixture once.
func agentBatches(t testing.TB) []tally.AgentBatch {
	t.Helper()
	batchesOnce.Do(func() {
		for _, af := range fixtureMan.Agent {
			var b tally.AgentBatch
			if err := json.Unmarshal(readFile(t, af.Path), &b); err != nil {
				batchesErr = fmt.Errorf("%s: %w", af.Path, err)
				return
			}
			batchesAll = append(batchesAll, b)
		}
	})
	if batchesErr != nil {
		t.Fatal(batchesErr)
	}
	return batchesAll
}

// readFile returns a fixture file, gunzipped when it ends in .gz.
func readFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(rel) == ".gz" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
	}
	return b
}

func money(t testing.TB, s string) tally.Money {
	t.Helper()
	m, err := tally.ParseMoney(s, "USD")
	if err != nil {
		t.Fatalf("money %q: %v", s, err)
	}
	return m
}

func mustAdd(a, b tally.Money) tally.Money {
	s, err := a.Add(b)
	if err != nil {
		panic(err)
	}
	return s
}

// dayIndex returns the day of the fixture window t falls in.
func dayIndex(t time.Time) int { return int(t.Sub(fixtureMan.Start) / (24 * time.Hour)) }

// spread assigns an amount charged over [start, end) to days, evenly by
// hour (the truth's documented rule for multi-hour charge periods).
func spread(start, end time.Time, m tally.Money, fn func(day int, v tally.Money)) {
	d0, d1 := dayIndex(start), dayIndex(end.Add(-time.Nanosecond))
	if d0 == d1 || m.IsZero() {
		fn(d0, m)
		return
	}
	hours := int(end.Sub(start) / time.Hour)
	ws := make([]uint64, hours)
	for i := range ws {
		ws[i] = 1
	}
	parts, err := m.Split(ws)
	if err != nil {
		panic(err)
	}
	byDay := map[int]tally.Money{}
	for i, p := range parts {
		d := dayIndex(start.Add(time.Duration(i) * time.Hour))
		byDay[d] = mustAdd(byDay[d], p)
	}
	for d := d0; d <= d1; d++ {
		if v, ok := byDay[d]; ok {
			fn(d, v)
		}
	}
}

// truthDay returns the truth of one day and billing account.
func truthDay(t testing.TB, day int, acct string) demo.TruthDay {
	t.Helper()
	want := fixtureMan.Start.AddDate(0, 0, day).Format(time.DateOnly)
	for _, d := range fixtureTr.Daily {
		if d.Day == want && d.BillingAccountID == acct {
			return d
		}
	}
	t.Fatalf("no truth for %s %s", want, acct)
	return demo.TruthDay{}
}
