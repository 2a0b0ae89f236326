package attribution

import (
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
