package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/report"
)

// TestNamespacesAccountForTheChange checks that the organization's
// namespaces, all of them listed, add up to its change, as on the
// dashboard's namespace view: a cloud cost whose tags name a team but no
// namespace (the fixture's S3 bucket, +$30.24) is the namespace
// __unallocated__ there. The report left it out of every namespace, so
// its __unallocated__ showed less than the page it links to.
func TestNamespacesAccountForTheChange(t *testing.T) {
	db := weeklyDB(t)
	cfg := weeklyConfig(t)
	aud, err := cfg.Audience("org")
	if err != nil {
		t.Fatal(err)
	}
	b := &report.Builder{Store: db, Config: cfg, Now: func() time.Time { return fixture.WeeklyNow }, Top: 100}
	r, err := b.Build(context.Background(), aud, report.WeekOf(fixture.WeeklyReport))
	if err != nil {
		t.Fatal(err)
	}
	sum := tally.Zero(r.Currency)
	for _, set := range r.Movers {
		if set.Dimension != "namespace" {
			continue
		}
		for _, m := range set.Movers {
			if sum, err = sum.Add(m.Delta); err != nil {
				t.Fatal(err)
			}
		}
	}
	gap, err := sum.Sub(r.Spend.VsLastWeek.Delta)
	if err != nil {
		t.Fatal(err)
	}
	// Namespaces that changed by less than half a cent are not listed.
	if gap.Abs().Float64() > 0.05 {
		t.Errorf("the namespaces change by %s in all, the organization by %s", sum.Decimal(), r.Spend.VsLastWeek.Delta.Decimal())
	}
}
