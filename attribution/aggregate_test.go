package attribution

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

func row(ns, class, kind, cost, cluster string) Row {
	return Row{Start: t0, End: t0.Add(24 * time.Hour), Keys: []string{ns}, Cluster: cluster, Namespace: ns, Class: class,
		CostKind: kind, Cost: usd(cost)}
}

func totals(t *testing.T, gs []Group) map[string]string {
	t.Helper()
	out := map[string]string{}
	var sum tally.Money
	for _, g := range gs {
		out[g.Name] = g.Total.Total.Decimal()
		sum, _ = sum.Add(g.Total.Total)
	}
	out["Σ"] = sum.Decimal()
	return out
}

func TestAggregateIdleAndShared(t *testing.T) {
	rows := []Row{
		row("shop", "", tally.CostCPU, "3", "prod"),
		row("search", "", tally.CostCPU, "1", "prod"),
		row("search", "", tally.CostRAM, "2", "prod"),
		row("", ClassIdle, tally.CostCPU, "2", "prod"),
		row("", ClassIdle, tally.CostRAM, "1", "prod"),
		row("", ClassShared, tally.CostShared, "1", "prod"),
		row("kube-system", "", tally.CostCPU, "0.5", "prod"),
		row("", "", tally.CostExternal, "7", ""),            // external cost without a namespace
		row("", ClassUnallocated, tally.CostOther, "4", ""), // tax
	}
	base := Query{Window: tally.Window{Start: t0, End: t0.Add(24 * time.Hour)}, Aggregate: []Dimension{{Field: "namespace"}}}
	tests := []struct {
		name string
		q    func(Query) Query
		want map[string]string
	}{{
		name: "separate",
		q:    func(q Query) Query { q.Idle, q.Shared = IdleSeparate, SharedSeparate; return q },
		want: map[string]string{"shop": "3", "search": "3", tally.IdleName: "3", tally.SharedName: "1", "kube-system": "0.5",
			tally.UnallocatedName: "11", "Σ": "21.5"},
	}, {
		// CPU idle 2 by CPU cost (shop 3, search 1, kube-system 0.5 of 4.5): 1.3333, 0.4444, 0.2222;
		// RAM idle 1 all to search (the only RAM claimant); shared 1 evenly: 0.3333 each.
		name: "share idle, even shared",
		q: func(q Query) Query {
			q.Idle, q.Shared = IdleShare, SharedEven
			return q
		},
		want: map[string]string{"shop": "4.666666666666", "search": "4.777777777778", "kube-system": "1.055555555556",
			tally.UnallocatedName: "11", "Σ": "21.5"},
	}, {
		name: "shared namespaces weighted",
		q: func(q Query) Query {
			q.Idle, q.Shared, q.ShareNamespaces = IdleSeparate, SharedWeighted, []string{"kube-system"}
			return q
		},
		// shared 1 + kube-system 0.5 = 1.5 spread by cost: shop 3, search 3.
		want: map[string]string{"shop": "3.75", "search": "3.75", tally.IdleName: "3", tally.UnallocatedName: "11", "Σ": "21.5"},
	}, {
		// Kept as a __shared__ row, shared costs take the shared
		// namespaces' with them; kube-system stayed a row of its own.
		name: "shared namespaces separate",
		q: func(q Query) Query {
			q.Idle, q.Shared, q.ShareNamespaces = IdleSeparate, SharedSeparate, []string{"kube-system"}
			return q
		},
		want: map[string]string{"shop": "3", "search": "3", tally.IdleName: "3", tally.SharedName: "1.5", "kube-system": "",
			tally.UnallocatedName: "11", "Σ": "21.5"},
	}, {
		name: "idle hidden",
		q:    func(q Query) Query { q.Idle, q.Shared = IdleHide, SharedSeparate; return q },
		want: map[string]string{"shop": "3", "Σ": "18.5"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs, err := Aggregate(rows, tt.q(base))
			if err != nil {
				t.Fatal(err)
			}
			got := totals(t, gs)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %s, want %s (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}

func TestParseDimension(t *testing.T) {
	for in, want := range map[string]Dimension{
		"namespace": {Field: "namespace"}, "workload": {Field: "controller"}, "label:team": {Field: "label", Key: "team"},
		"label[app.kubernetes.io/name]": {Field: "label", Key: "app.kubernetes.io/name"},
	} {
		got, err := ParseDimension(in)
		if err != nil || got != want {
			t.Errorf("ParseDimension(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "bogus", "label", "namespace:x"} {
		if _, err := ParseDimension(in); tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("ParseDimension(%q): err = %v", in, err)
		}
	}
}

func TestAggregateFilteredKeepsTrueShares(t *testing.T) {
	// Filtered to shop: search's cost still weighs when idle is spread.
	rows := []Row{
		row("shop", "", tally.CostCPU, "3", "prod"),
		{Start: t0, Cluster: "prod", CostKind: tally.CostCPU, Cost: usd("1"), Outside: true, Keys: []string{""}},
		row("", ClassIdle, tally.CostCPU, "2", "prod"),
	}
	q := Query{Window: tally.Window{Start: t0, End: t0.Add(24 * time.Hour)}, Aggregate: []Dimension{{Field: "namespace"}}, Idle: IdleShare}
	gs, err := Aggregate(rows, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 || gs[0].Name != "shop" || gs[0].Total.Total.Decimal() != "4.5" {
		t.Fatalf("groups = %+v; want shop alone with 3 + 2 × 3/4", gs)
	}
}

// TestAggregateFilterIgnoresOtherCurrencies: rows a filter leaves out only
// weigh in the spreading of their cluster's idle and shared costs, so their
// currency is not the result's. An organization billed in USD (AWS) and EUR
// (GCP) filtering on a USD namespace gets its cost, not "allocations are in
// several currencies", which no filter but a cluster one could avoid.
func TestAggregateFilterIgnoresOtherCurrencies(t *testing.T) {
	eur := func(r Row) Row { r.Cost = tally.MustParseMoney(r.Cost.Decimal(), "EUR"); return r }
	out := func(r Row) Row { r.Outside, r.Keys = true, []string{""}; return r }
	rows := []Row{
		row("shop", "", tally.CostCPU, "3", "eks"),
		out(row("search", "", tally.CostCPU, "1", "eks")),
		row("", ClassIdle, tally.CostCPU, "2", "eks"),
		row("", ClassShared, tally.CostShared, "1", "eks"),
		eur(out(row("web", "", tally.CostCPU, "5", "gke"))),
		eur(row("", ClassIdle, tally.CostCPU, "4", "gke")),
		eur(row("", ClassShared, tally.CostShared, "1", "gke")),
		eur(out(row("", "", tally.CostExternal, "7", ""))),
	}
	fs, err := ParseFilter(`namespace:"shop"`)
	if err != nil {
		t.Fatal(err)
	}
	base := Query{Window: tally.Window{Start: t0, End: t0.Add(24 * time.Hour)}, Aggregate: []Dimension{{Field: "namespace"}}, Filters: fs}
	for _, tt := range []struct {
		name   string
		idle   IdleMode
		shared SharedMode
		want   map[string]string
	}{
		// shop takes 3/4 of eks's CPU idle and shared cost.
		{"separate", IdleSeparate, SharedSeparate, map[string]string{"shop": "3", tally.IdleName: "1.5", tally.SharedName: "0.75", "Σ": "5.25"}},
		{"share", IdleShare, SharedWeighted, map[string]string{"shop": "5.25", "Σ": "5.25"}},
	} {
		q := base
		q.Idle, q.Shared = tt.idle, tt.shared
		gs, err := Aggregate(rows, q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := totals(t, gs)
		if len(got) != len(tt.want) {
			t.Errorf("%s: groups %v, want %v", tt.name, got, tt.want)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%s: %s = %s, want %s (all: %v)", tt.name, k, got[k], v, got)
			}
		}
		for _, g := range gs {
			if c := g.Total.Total.Currency(); c != "USD" {
				t.Errorf("%s: %s in %s, want USD", tt.name, g.Name, c)
			}
		}
	}
}

// TestAggregateFilterSeveralCurrencies: allocations a filter keeps in two
// currencies are still refused.
func TestAggregateFilterSeveralCurrencies(t *testing.T) {
	rows := []Row{
		row("shop", "", tally.CostCPU, "3", "eks"),
		row("", ClassIdle, tally.CostCPU, "2", "eks"),
		{Start: t0, Keys: []string{"web"}, Cluster: "gke", Namespace: "web", CostKind: tally.CostCPU, Cost: tally.MustParseMoney("5", "EUR")},
		{Start: t0, Keys: []string{""}, Cluster: "gke", Class: ClassIdle, CostKind: tally.CostCPU, Cost: tally.MustParseMoney("4", "EUR")},
	}
	fs, err := ParseFilter(`namespace:"shop","web"`)
	if err != nil {
		t.Fatal(err)
	}
	for _, idle := range []IdleMode{IdleSeparate, IdleShare} {
		q := Query{Window: tally.Window{Start: t0, End: t0.Add(24 * time.Hour)}, Aggregate: []Dimension{{Field: "namespace"}}, Filters: fs, Idle: idle}
		if _, err := Aggregate(rows, q); tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), "several currencies") {
			t.Errorf("idle %s: err = %v, want several currencies", idle, err)
		}
	}
}

// TestAccumulate: steps summed into the windows that hold their starts
// keep every cost; a step in none of them is an error, not dropped.
func TestAccumulate(t *testing.T) {
	day := 24 * time.Hour
	q := Query{Window: tally.Window{Start: t0, End: t0.Add(3 * day)}, Step: day, Aggregate: []Dimension{{Field: "namespace"}}, Idle: IdleSeparate}
	var rows []Row
	for i, cost := range []string{"1", "2", "4"} {
		r := row("shop", "", tally.CostCPU, cost, "prod")
		r.Start, r.End = t0.Add(time.Duration(i)*day), t0.Add(time.Duration(i+1)*day)
		rows = append(rows, r)
	}
	gs, err := Aggregate(rows, q)
	if err != nil {
		t.Fatal(err)
	}
	windows := []tally.Window{{Start: t0.Add(-day), End: t0.Add(2 * day)}, {Start: t0.Add(2 * day), End: t0.Add(9 * day)}}
	acc, err := Accumulate(gs, windows)
	if err != nil {
		t.Fatal(err)
	}
	if len(acc) != 1 || len(acc[0].Steps) != 2 || acc[0].Steps[0].Total.Decimal() != "3" || acc[0].Steps[1].Total.Decimal() != "4" ||
		acc[0].Total.Total.Decimal() != "7" || acc[0].Steps[1].Window != windows[1] {
		t.Errorf("accumulated %+v", acc)
	}
	if _, err := Accumulate(gs, windows[1:]); err == nil {
		t.Error("steps outside the windows: no error")
	}
}
