package postgres_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestAllocationRowsTimeout: an allocation query running past its statement
// timeout (here waiting for a lock) is cancelled and reported as
// unavailable, with what to do about it.
func TestAllocationRowsTimeout(t *testing.T) {
	db := pgtest.New(t)
	db.SetQueryTimeout(200 * time.Millisecond)
	db.LockAllocations(t)
	day := mustTime(t, "2026-10-05T00:00:00Z")
	q := attribution.Query{Window: tally.Window{Start: day, End: day.Add(24 * time.Hour)}, Aggregate: []attribution.Dimension{{Field: "pod"}}}
	start := time.Now()
	_, err := db.AllocationRows(ctx, q)
	if tally.ErrorCode(err) != tally.EUnavailable || !strings.Contains(err.Error(), "narrow the window") {
		t.Fatalf("AllocationRows = %v (code %s), want EUnavailable saying what to do", err, tally.ErrorCode(err))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v, want about the 200ms timeout", d)
	}
}

// TestAllocationRowsValidates: the store refuses a query Validate refuses,
// whoever built it, before reading anything.
func TestAllocationRowsValidates(t *testing.T) {
	db := pgtest.New(t)
	end := mustTime(t, "2026-10-05T00:00:00Z")
	q := attribution.Query{Window: tally.Window{Start: end.AddDate(-100, 0, 0), End: end}, Aggregate: []attribution.Dimension{{Field: "pod"}}}
	if _, err := db.AllocationRows(ctx, q); tally.ErrorCode(err) != tally.EInvalid {
		t.Fatalf("a century of pods: %v, want EInvalid", err)
	}
}

// TestAllocationRowsLabelFilter: rows without the filtered label (idle,
// unallocated, unlabelled containers) are outside the filter, not a NULL
// the query cannot scan.
func TestAllocationRowsLabelFilter(t *testing.T) {
	db := pgtest.New(t)
	org := fixture.Org{Start: fixture.Day1, Days: 2, Scale: 1}
	if err := org.Store(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	for _, filter := range []string{`label:team:payments`, `cluster:prod+label:team:payments`} {
		fs, err := attribution.ParseFilter(filter)
		if err != nil {
			t.Fatal(err)
		}
		q := attribution.Query{Window: tally.Window{Start: org.Start, End: org.End()}, Aggregate: []attribution.Dimension{{Field: "namespace"}}, Filters: fs}
		rows, err := db.AllocationRows(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		if len(rows) == 0 {
			t.Errorf("%s: no rows", filter)
		}
	}
}

// TestAllocationRowsLabelBillingTagKeys: a cost billed outside the cluster
// keeps its bill's tag keys, and CUR spells the tag team as user_team (CUR
// 2.0) or user:team (legacy CUR), where FOCUS and GCP say team. Grouping
// and filtering by label:team finds the team whatever the spelling, so a
// NAT gateway tagged team=platform in a CUR is platform's, as it would be in
// a FOCUS export (it was "" and fell into __unallocated__ of the label).
func TestAllocationRowsLabelBillingTagKeys(t *testing.T) {
	db := pgtest.New(t)
	h := tally.HourOf(mustTime(t, "2026-10-05T07:00:00Z"))
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	ext := func(cost string, labels map[string]string) tally.Allocation {
		return tally.Allocation{BillingAccountID: "111", Hour: h, CostKind: tally.CostExternal, Service: "Amazon Elastic Compute Cloud",
			ResourceID: "nat-" + cost, Labels: labels, EffectiveCost: usd(cost), BilledCost: usd(cost), ListCost: usd(cost)}
	}
	allocs := []tally.Allocation{
		ext("1", map[string]string{"team": "platform"}),                                // FOCUS, GCP
		ext("2", map[string]string{"user_team": "platform"}),                           // CUR 2.0
		ext("4", map[string]string{"user:team": "platform"}),                           // legacy CUR
		ext("8", map[string]string{"user_cost_center": "cc-7", "user_team": "search"}), // another team
		ext("16", map[string]string{"env": "prod"}),                                    // no team
	}
	if err := db.ReplaceAllocations(ctx, h.Window(), allocs); err != nil {
		t.Fatal(err)
	}
	w := tally.Window{Start: h.Start(), End: h.Start().Add(24 * time.Hour)}
	for _, tc := range []struct {
		filter string
		want   map[string]string
	}{
		{"", map[string]string{"platform": "7", "search": "8", "": "16"}},
		{`label[team]:"platform"`, map[string]string{"platform": "7"}},
	} {
		fs, err := attribution.ParseFilter(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		q := attribution.Query{Window: w, Aggregate: []attribution.Dimension{{Field: "label", Key: "team"}}, Filters: fs}
		rows, err := db.AllocationRows(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		sums := map[string]tally.Money{}
		for _, r := range rows {
			if r.Outside {
				continue
			}
			sum, ok := sums[r.Keys[0]]
			if !ok {
				sum = tally.Zero("USD")
			}
			if sums[r.Keys[0]], err = sum.Add(r.Cost); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]string{}
		for k, m := range sums {
			got[k] = m.Decimal()
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("filter %q: cost by label:team = %v, want %v", tc.filter, got, tc.want)
		}
	}
}

// TestAllocationRowsFilterOperators: the SQL of every operator of
// OpenCost's filter language, of groups and of filters on a label's keys
// runs on the daily rollups and on the hourly allocations.
func TestAllocationRowsFilterOperators(t *testing.T) {
	db := pgtest.New(t)
	org := fixture.Org{Start: fixture.Day1, Days: 2, Scale: 1}
	if err := org.Store(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	for _, filter := range []string{
		`namespace!:"a","b"`, `namespace~:"o"`, `namespace!~:"o"`, `namespace<~:"s"`, `namespace!<~:"s"`, `namespace~>:"p"`, `namespace!~>:"p"`,
		`controllerName<~:"a"+controllerKind~:"deploy"`, `container~>:"i"`, `label[team]!:"payments"`, `label:"team"`, `label!:"team"`,
		`label<~:"te"`, `label!~>:"am"`, `namespace:"__unallocated__"|(cluster:"prod"+label[team]:"")`, `pod~:"-"`, `annotation<~:"x"`,
		`annotation:"x"`, `team:"payments"`, `team!:"payments"`, `product<~:"a"`, `environment:"__unallocated__"`, `nodeLabel[pool]:"gpu"`,
		`nodeLabel:"pool"`, `nodeLabel<~:"node_"`, `nodeLabel[node_kubernetes_io_instance_type]!~:"m5"`, `provider~:"i-"`, `provider!:""`,
	} {
		fs, err := attribution.ParseFilter(filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []tally.Window{{Start: org.Start, End: org.End()}, {Start: org.Start.Add(time.Hour), End: org.End()}} {
			q := attribution.Query{Window: w, Aggregate: []attribution.Dimension{{Field: "namespace"}}, Filters: fs}
			if _, err := db.AllocationRows(ctx, q); err != nil {
				t.Errorf("%s over %v: %v", filter, w, err)
			}
		}
	}
}
