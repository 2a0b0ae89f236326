package report_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/report"
)

// TestBenchReport is `make bench-report`: on the fixture organization, the
// median time to build the organization's report (every query and
// computation) and to render it (two PNG charts, HTML, text), each against
// a baseline measured in the same run: one query of the week's costs by
// workload, the least any weekly report needs.
func TestBenchReport(t *testing.T) {
	if os.Getenv("TALLY_BENCH") != "report" {
		t.Skip("set TALLY_BENCH=report (make bench-report)")
	}
	ctx := context.Background()
	db := weeklyDB(t)
	cfg := weeklyConfig(t)
	aud, _ := cfg.Audience("org")
	wk := report.WeekOf(fixture.WeeklyReport)
	builder := &report.Builder{Store: db, Config: cfg, Now: func() time.Time { return fixture.WeeklyNow }}
	q := attribution.Query{Window: tally.Window{Start: wk.Start, End: wk.End()}, Aggregate: []attribution.Dimension{{Field: "controller"}}}
	var r *report.Report
	measure := func(name string, fn func() error) time.Duration {
		var ds []time.Duration
		for i := 0; i < 9; i++ {
			t0 := time.Now()
			if err := fn(); err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(t0))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		fmt.Printf("%-28s median %8.2f ms (min %.2f, max %.2f; 9 runs)\n", name, ms(ds[4]), ms(ds[0]), ms(ds[8]))
		return ds[4]
	}
	base := measure("baseline: one week query", func() error { _, err := db.AllocationRows(ctx, q); return err })
	build := measure("build (org report)", func() error {
		var err error
		r, err = builder.Build(ctx, aud, wk)
		return err
	})
	render := measure("render (charts, HTML, text)", func() error { _, err := report.Render(r); return err })
	fmt.Printf("ratio build/baseline %.1f, render/baseline %.1f\n", float64(build)/float64(base), float64(render)/float64(base))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
