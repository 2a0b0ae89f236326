package attribution

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

var t0 = time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC)

// simple unit prices: a 2-core 8 GiB node splits 50/50 into CPU and RAM.
var simplePolicy = Policy{UnitPrices: func(string, string, string) UnitPrices {
	return UnitPrices{CPUCoreHour: 1, RAMGiBHour: 0.25, GPUHour: 2}
}}

const gib = 1 << 30

func usd(s string) tally.Money { return tally.MustParseMoney(s, "USD") }

type scenario struct {
	in Input
}

func newScenario() *scenario {
	return &scenario{in: Input{
		Window:   tally.Window{Start: t0, End: t0.Add(time.Hour)},
		Clusters: []tally.Cluster{{ID: "prod", Name: "prod", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"}},
	}}
}

func (s *scenario) node(name, instance string, cores float64, mem int64, gpus int, from, to time.Time) *scenario {
	s.in.Nodes = append(s.in.Nodes, tally.Node{Cluster: "prod", UID: name, Name: name, InstanceID: instance, InstanceType: "m5.large",
		Region: "us-east-1", CPUCores: cores, MemoryBytes: mem, GPUs: gpus, ValidFrom: from, ValidTo: to})
	return s
}

func (s *scenario) pod(ns, name, node string, from, to time.Time, cs ...tally.Container) *scenario {
	s.in.Pods = append(s.in.Pods, tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: ns, Name: name, UID: name},
		NodeName: node, OwnerKind: tally.KindDeployment, OwnerName: ns + "-app", ValidFrom: from, ValidTo: to, Containers: cs})
	return s
}

func (s *scenario) usage(pod, container string, coreSeconds, byteSeconds float64) *scenario {
	s.in.Usage = append(s.in.Usage, HourUsage{Cluster: "prod", PodUID: pod, Container: container, Hour: tally.HourOf(t0),
		CPUCoreSeconds: coreSeconds, MemoryByteSeconds: byteSeconds})
	return s
}

func (s *scenario) line(typ, resource, billed, effective string, start, end time.Time, tags map[string]string) *scenario {
	s.in.Lines = append(s.in.Lines, tally.CostLine{Provider: "aws", BillingAccountID: "111", ChargePeriodStart: start, ChargePeriodEnd: end,
		ChargeCategory: tally.ChargeUsage, ChargeDescription: typ, BilledCost: usd(billed), EffectiveCost: usd(effective), ListCost: usd(billed),
		ResourceID: resource, ServiceName: "Amazon Elastic Compute Cloud", Tags: tags})
	return s
}

func run(t *testing.T, e *Engine, in Input) []tally.Allocation {
	t.Helper()
	var out []tally.Allocation
	if _, err := e.Run(in, func(_ tally.Hour, as []tally.Allocation) error { out = append(out, as...); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// byKey sums effective cost per "container/kind" (and billed cost as "billed:…").
func byKey(allocs []tally.Allocation) map[string]string {
	sums := map[string]tally.Money{}
	for _, a := range allocs {
		for _, k := range []struct {
			key string
			m   tally.Money
		}{{a.Container + "/" + a.CostKind, a.EffectiveCost}, {"billed:" + a.Container + "/" + a.CostKind, a.BilledCost}} {
			v, _ := sums[k.key].Add(k.m)
			sums[k.key] = v
		}
	}
	out := map[string]string{}
	for k, v := range sums {
		out[k] = v.Decimal()
	}
	return out
}

func check(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
}

func cont(name string, cpu float64, mem int64) tally.Container {
	return tally.Container{Name: name, CPURequest: cpu, MemoryRequest: mem}
}

func TestGoldenScenarios(t *testing.T) {
	h := t0.Add(time.Hour)
	tests := []struct {
		name  string
		build func() *scenario
		want  map[string]string
	}{{
		// CPU pool $0.50: A max(0.5, 0.25)=0.5, B max(0.25, 1)=1, idle 0.5 of 2 core-hours.
		// RAM pool $0.50: A max(2, 1)=2, B max(1, 3)=3, idle 3 of 8 GiB-hours.
		name: "request vs usage",
		build: func() *scenario {
			return newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{}).
				pod("a", "pa", "n1", t0.Add(-time.Hour), time.Time{}, cont("app", 0.5, 2*gib)).
				pod("b", "pb", "n1", t0.Add(-time.Hour), time.Time{}, cont("app", 0.25, 1*gib)).
				usage("pa", "app", 900, 1*gib*3600).usage("pb", "app", 3600, 3*gib*3600).
				line("BoxUsage", "i-1", "1", "1", t0, h, nil)
		},
		want: map[string]string{"app/cpu": "0.375", "app/ram": "0.3125", "__idle__/cpu": "0.125", "__idle__/ram": "0.1875"},
	}, {
		// Σ max(request, usage) = 3 cores on a 2-core node: normalized, idle 0 (never negative).
		name: "over-committed node",
		build: func() *scenario {
			return newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{}).
				pod("a", "pa", "n1", t0.Add(-time.Hour), time.Time{}, cont("app", 1.5, 0)).
				pod("b", "pb", "n1", t0.Add(-time.Hour), time.Time{}, cont("app", 0.5, 0)).
				usage("pb", "app", 1.5*3600, 0).
				line("BoxUsage", "i-1", "1", "1", t0, h, nil)
		},
		want: map[string]string{"app/cpu": "0.5", "__idle__/cpu": "0", "__idle__/ram": "0.5"},
	}, {
		// A Savings-Plan-covered node: the covered usage line's effective cost is
		// the SP rate, the negation cancels the on-demand billed amount.
		name: "savings plan covered node",
		build: func() *scenario {
			return newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{}).
				pod("a", "pa", "n1", t0.Add(-time.Hour), time.Time{}, cont("app", 2, 8*gib)).
				line("SavingsPlanCoveredUsage", "i-1", "0.096", "0.06", t0, h, nil).
				line("SavingsPlanNegation", "i-1", "-0.096", "0", t0, h, nil)
		},
		want: map[string]string{"app/cpu": "0.03", "app/ram": "0.03", "billed:app/cpu": "0", "__idle__/cpu": "0"},
	}, {
		// An RI-covered node: DiscountedUsage carries reservation_effective_cost.
		name: "reserved instance covered node",
		build: func() *scenario {
			return newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{}).
				pod("a", "pa", "n1", t0.Add(-time.Hour), time.Time{}, cont("app", 1, 4*gib)).
				line("DiscountedUsage", "i-1", "0", "0.05", t0, h, nil)
		},
		want: map[string]string{"app/cpu": "0.0125", "app/ram": "0.0125", "__idle__/cpu": "0.0125", "billed:app/cpu": "0"},
	}, {
		// A spot node is whatever its spot line says.
		name: "spot node",
		build: func() *scenario {
			s := newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{}).
				pod("a", "pa", "n1", t0.Add(-time.Hour), time.Time{}, cont("app", 2, 0)).
				line("SpotUsage", "i-1", "0.0312", "0.0312", t0, h, nil)
			s.in.Nodes[0].Lifecycle = tally.LifecycleSpot
			return s
		},
		want: map[string]string{"app/cpu": "0.0156", "__idle__/ram": "0.0156"},
	}, {
		// The node lived 20 minutes of the hour and was billed for them; the pod
		// requested 1 of its 2 cores for those 20 minutes: half the CPU pool.
		name: "node dying mid-hour",
		build: func() *scenario {
			return newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), t0.Add(20*time.Minute)).
				pod("a", "pa", "n1", t0.Add(-time.Hour), t0.Add(20*time.Minute), cont("app", 1, 0)).
				line("BoxUsage", "i-1", "0.032", "0.032", t0, t0.Add(20*time.Minute), nil)
		},
		want: map[string]string{"app/cpu": "0.008", "__idle__/cpu": "0.008", "__idle__/ram": "0.016"},
	}, {
		// No requests: the share is usage (0.5 of 2 cores).
		name: "pod without requests",
		build: func() *scenario {
			return newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{}).
				pod("a", "pa", "n1", t0.Add(-time.Hour), time.Time{}, cont("app", 0, 0)).
				usage("pa", "app", 1800, 0).
				line("BoxUsage", "i-1", "1", "1", t0, h, nil)
		},
		want: map[string]string{"app/cpu": "0.125", "__idle__/cpu": "0.375", "__idle__/ram": "0.5"},
	}, {
		// GPU node: weights cpu 2, ram 2, gpu 2 → $3 splits $1 each; the GPU goes
		// by whole-GPU request.
		name: "GPU node",
		build: func() *scenario {
			c := cont("train", 1, 4*gib)
			c.GPURequest = 1
			return newScenario().node("n1", "i-1", 2, 8*gib, 1, t0.Add(-time.Hour), time.Time{}).
				pod("ml", "pt", "n1", t0.Add(-time.Hour), time.Time{}, c).
				line("BoxUsage", "i-1", "3", "3", t0, h, nil)
		},
		want: map[string]string{"train/gpu": "1", "train/cpu": "0.5", "__idle__/gpu": "0", "__idle__/ram": "0.5"},
	}, {
		// A classic init container ran 6 minutes at 1 core and 0.5 GiB
		// before the app started: its request is held only while it runs,
		// so it is charged its usage (0.1 core-hours, 0.05 GiB-hours), not
		// its request for the pod's hour. A native sidecar runs beside the
		// app all the hour and is charged its request like it.
		name: "init container and native sidecar",
		build: func() *scenario {
			return newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{}).
				pod("a", "pa", "n1", t0.Add(-time.Hour), time.Time{}, cont("app", 1, 4*gib),
					tally.Container{Name: "migrate", Kind: tally.ContainerInit, CPURequest: 1, MemoryRequest: 2 * gib},
					tally.Container{Name: "proxy", Kind: tally.ContainerSidecar, CPURequest: 0.5, MemoryRequest: 1 * gib}).
				usage("pa", "migrate", 360, 0.5*gib*360).
				line("BoxUsage", "i-1", "1", "1", t0, h, nil)
		},
		want: map[string]string{"app/cpu": "0.25", "app/ram": "0.25", "migrate/cpu": "0.025", "migrate/ram": "0.003125",
			"proxy/cpu": "0.125", "proxy/ram": "0.0625", "__idle__/cpu": "0.1", "__idle__/ram": "0.184375"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.build()
			check(t, byKey(run(t, NewEngine(simplePolicy), s.in)), tt.want)
		})
	}
}

func TestNonNodeLines(t *testing.T) {
	h := t0.Add(time.Hour)
	s := newScenario().
		line("EBS", "vol-1", "0.01", "0.01", t0, h, map[string]string{"kubernetes.io/created-for/pvc/namespace": "shop"}).
		line("ELB", "arn:aws:elasticloadbalancing:…/app/x", "0.02", "0.02", t0, h, map[string]string{"kubernetes.io/service-name": "shop/web"}).
		line("EKS", "arn:aws:eks:us-east-1:111:cluster/prod", "0.10", "0.10", t0, h, nil).
		line("RDS", "db-1", "0.30", "0.30", t0, h, map[string]string{"team": "payments"}).
		line("Tax", "", "2.40", "2.40", t0.Add(-10*time.Hour), t0.Add(14*time.Hour), nil)
	s.in.Lines[0].ServiceCategory = "Storage"
	got := byKey(run(t, NewEngine(Policy{}), s.in))
	check(t, got, map[string]string{
		"/pv": "0.01", "/load-balancer": "0.02", "__shared__/shared": "0.1", "/external": "0.3",
		"__unallocated__/other": "0.1", // a 24-hour tax line spread over its hours
	})
}

func TestEstimatesOnlyAfterBilledThrough(t *testing.T) {
	s := newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{}).
		pod("a", "pa", "n1", t0.Add(-time.Hour), time.Time{}, cont("app", 1, 4*gib))
	s.in.Prices = []tally.InstancePrice{{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large", PurchaseOption: tally.PurchaseOnDemand,
		HourlyPrice: usd("0.096")}}
	e := NewEngine(simplePolicy)

	s.in.BilledThrough = map[string]time.Time{"111": t0} // the bill ends before the hour
	allocs := run(t, e, s.in)
	if len(allocs) == 0 || !allocs[0].Estimated {
		t.Fatalf("want estimated allocations, got %+v", allocs)
	}
	check(t, byKey(allocs), map[string]string{"app/cpu": "0.024", "app/ram": "0.024", "__idle__/cpu": "0.024"})

	s.in.BilledThrough = map[string]time.Time{"111": t0.Add(time.Hour)} // billed, but no line for the node
	var sum Summary
	sum, _ = e.Run(s.in, func(tally.Hour, []tally.Allocation) error { return nil })
	if sum.UnbilledNodeHours != 1 || len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "no line in the bill") {
		t.Fatalf("summary = %+v", sum)
	}
}

// TestConservationProperty checks on random fleets that every hour's
// allocations sum exactly to its billed cost, per account and basis, and that
// no allocation is negative when no line is.
func TestConservationProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for iter := 0; iter < 300; iter++ {
		in := randomInput(r)
		e := NewEngine(Policy{Share: []ShareBasis{ShareMax, ShareRequest, ShareUsage}[iter%3]})
		billed := map[string]tally.Money{}
		for i := range in.Lines {
			parts, err := spreadLine(&in.Lines[i], in.Window)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range parts {
				k := fmt.Sprint(p.hour, p.line.BillingAccountID)
				billed[k], _ = billed[k].Add(p.effective)
			}
		}
		allocated := map[string]tally.Money{}
		_, err := e.Run(in, func(h tally.Hour, as []tally.Allocation) error {
			for _, a := range as {
				if a.EffectiveCost.Sign() < 0 {
					return fmt.Errorf("negative allocation %+v", a)
				}
				k := fmt.Sprint(h, a.BillingAccountID)
				allocated[k], _ = allocated[k].Add(a.EffectiveCost)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(billed))
		for k := range billed {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !allocated[k].Equal(billed[k]) {
				t.Fatalf("iteration %d, %s: allocated %v, billed %v", iter, k, allocated[k], billed[k])
			}
		}
	}
}

func randomInput(r *rand.Rand) Input {
	start := t0
	in := Input{
		Window:   tally.Window{Start: start, End: start.Add(3 * time.Hour)},
		Clusters: []tally.Cluster{{ID: "c", Name: "c", Provider: "aws", BillingAccountID: "A"}},
	}
	nodes := 1 + r.IntN(6)
	for i := 0; i < nodes; i++ {
		from := start.Add(time.Duration(r.IntN(180)-60) * time.Minute)
		to := time.Time{}
		if r.IntN(3) == 0 {
			to = from.Add(time.Duration(1+r.IntN(200)) * time.Minute)
		}
		name := fmt.Sprintf("n%d", i)
		in.Nodes = append(in.Nodes, tally.Node{Cluster: "c", UID: name, Name: name, InstanceID: "i-" + name,
			CPUCores: float64(1 + r.IntN(16)), MemoryBytes: int64(1+r.IntN(64)) * gib, GPUs: r.IntN(2), ValidFrom: from, ValidTo: to})
		for hr := 0; hr < 3; hr++ {
			hs := start.Add(time.Duration(hr) * time.Hour)
			if r.IntN(5) == 0 {
				continue // no line this hour
			}
			acct := []string{"A", "B"}[r.IntN(2)]
			in.Lines = append(in.Lines, tally.CostLine{BillingAccountID: acct, ChargeCategory: tally.ChargeUsage,
				ChargePeriodStart: hs, ChargePeriodEnd: hs.Add(time.Hour), ResourceID: "i-" + name,
				EffectiveCost: tally.FromUnits(r.Int64N(5e11), "USD"), BilledCost: tally.FromUnits(r.Int64N(5e11), "USD"),
				ListCost: tally.FromUnits(r.Int64N(5e11), "USD")})
		}
		for p := 0; p < r.IntN(12); p++ {
			pname := fmt.Sprintf("%s-p%d", name, p)
			pf := from.Add(time.Duration(r.IntN(120)) * time.Minute)
			var cs []tally.Container
			for c := 0; c < 1+r.IntN(3); c++ {
				cs = append(cs, tally.Container{Name: fmt.Sprint("c", c), CPURequest: r.Float64() * 4, MemoryRequest: int64(r.Float64() * 8 * gib), GPURequest: r.IntN(2)})
				for hr := 0; hr < 3; hr++ {
					in.Usage = append(in.Usage, HourUsage{Cluster: "c", PodUID: pname, Container: fmt.Sprint("c", c),
						Hour: tally.HourOf(start) + tally.Hour(hr), CPUCoreSeconds: r.Float64() * 3600 * 6, MemoryByteSeconds: r.Float64() * 3600 * 16 * gib})
				}
			}
			in.Pods = append(in.Pods, tally.Pod{Ref: tally.PodRef{Cluster: "c", Namespace: "ns", Name: pname, UID: pname},
				NodeName: name, ValidFrom: pf, Containers: cs})
		}
	}
	in.Lines = append(in.Lines, tally.CostLine{BillingAccountID: "A", ChargeCategory: tally.ChargeTax, ChargePeriodStart: start.Add(-5 * time.Hour),
		ChargePeriodEnd: start.Add(7 * time.Hour), EffectiveCost: usd("1"), BilledCost: usd("1"), ListCost: usd("1")})
	return in
}

func TestTagKeysInProviderForms(t *testing.T) {
	h := t0.Add(time.Hour)
	s := newScenario().
		line("EBS", "vol-1", "0.01", "0.01", t0, h, map[string]string{"user_kubernetes_io_created_for_pvc_namespace": "shop"}).
		line("Balanced PD Capacity", "disk-1", "0.02", "0.02", t0, h, map[string]string{"kubernetes-io-created-for-pvc-namespace": "search"}).
		line("NAT", "nat-1", "0.03", "0.03", t0, h, map[string]string{"user:kubernetes.io/cluster/prod": "owned"}).
		line("RDS", "db-1", "0.04", "0.04", t0, h, map[string]string{"user_Team": "payments"})
	s.in.Lines[1].ServiceName = "Compute Engine" // a GCP persistent disk
	var got []string
	for _, a := range run(t, NewEngine(Policy{}), s.in) {
		got = append(got, a.Namespace+"|"+a.Container+"|"+a.CostKind)
	}
	sort.Strings(got)
	want := "search||pv shop||pv |__shared__|shared ||external"
	if strings.Join(got, " ") != want {
		t.Fatalf("allocations = %v, want %s", got, want)
	}
}

// TestUnownedPeriodCharges: an unowned line charged over more than a day
// (a month's tax or support) is a period charge on __unallocated__, so
// reports can leave it out of day-to-day comparisons; an hourly one stays
// other. Both are the Other column of the totals.
func TestUnownedPeriodCharges(t *testing.T) {
	s := newScenario().
		line("Tax", "", "720", "720", t0, t0.AddDate(0, 0, 30), nil).
		line("Unused commitment", "", "0.50", "0.50", t0, t0.Add(time.Hour), nil)
	var got []string
	for _, a := range run(t, NewEngine(Policy{}), s.in) {
		if a.Hour == tally.HourOf(t0) {
			got = append(got, a.Container+"|"+a.CostKind+"|"+a.EffectiveCost.String())
		}
	}
	sort.Strings(got)
	want := "__unallocated__|other|0.5 USD __unallocated__|period|1 USD"
	if strings.Join(got, " ") != want {
		t.Fatalf("allocations of the first hour = %v, want %s", got, want)
	}
	var sc StepCost
	for _, kind := range []string{tally.CostOther, tally.CostPeriod} {
		if err := sc.add(nil, kind, tally.MustParseMoney("1", "USD")); err != nil {
			t.Fatal(err)
		}
	}
	if sc.Other.String() != "2 USD" {
		t.Errorf("other cost %s, want 2 USD (period charges are other cost)", sc.Other)
	}
}

// TestNamespaceLineKinds: a namespace's line outside nodes is a load
// balancer, network, a volume or an external cost by what the bill calls
// it. A CUR names its lines by product family ("Load Balancer", "Load
// Balancer-Network", "Data Transfer", "NAT Gateway"), not by FOCUS
// ServiceCategory ("Networking"): every CUR load balancer had been a volume
// ("pv"), and `tally costs` showed its cost in the PV column and none in LB.
// A managed service the namespace uses (a database, a bucket) is not a
// volume either: it is the namespace's external cost (it had been a
// volume, in the PV column and OpenCost's pvCost, and exported as a
// persistent volume by pv_hourly_cost).
func TestNamespaceLineKinds(t *testing.T) {
	h := t0.Add(time.Hour)
	ns := map[string]string{"user:k8s_namespace": "shop"}
	for _, tc := range []struct {
		service, category, sku, resource, want string
	}{
		{"Elastic Load Balancing", "Load Balancer", "", "", tally.CostLoadBalancer},         // CUR product family
		{"Elastic Load Balancing", "Load Balancer-Network", "", "", tally.CostLoadBalancer}, // CUR, NLB
		{"Elastic Load Balancing", "Networking", "", "", tally.CostLoadBalancer},            // FOCUS
		{"Amazon CloudFront", "Networking", "", "", tally.CostNetwork},                      // FOCUS
		{"AWS Data Transfer", "Data Transfer", "", "", tally.CostNetwork},                   // CUR
		{"Amazon Elastic Compute Cloud", "NAT Gateway", "", "", tally.CostNetwork},          // CUR
		{"Networking", "", "Network Internet Data Transfer Out", "", tally.CostNetwork},     // GCP
		{"Amazon Elastic Compute Cloud", "Storage", "", "", tally.CostPV},                   // EBS in a CUR and FOCUS
		{"Amazon Elastic Compute Cloud", "Storage Snapshot", "", "", tally.CostPV},          // its snapshots
		{"Amazon Elastic Compute Cloud", "", "", "arn:aws:ec2:us-east-1:111:volume/vol-1", tally.CostPV},
		{"Compute Engine", "", "SSD backed PD Capacity", "pvc-1", tally.CostPV},                 // GCP
		{"Amazon Relational Database Service", "Database Instance", "", "", tally.CostExternal}, // CUR
		{"Amazon Relational Database Service", "Databases", "", "", tally.CostExternal},         // FOCUS
		{"Amazon Simple Storage Service", "Storage", "", "", tally.CostExternal},                // a bucket
		{"Cloud SQL", "", "Cloud SQL for PostgreSQL: Zonal - Standard storage", "", tally.CostExternal},
		{"Cloud Storage", "", "Standard Storage US Multi-region", "", tally.CostExternal},
	} {
		s := newScenario().line(tc.sku, cmp.Or(tc.resource, "arn:aws:x"), "0.02", "0.02", t0, h, ns)
		s.in.Lines[0].ServiceName, s.in.Lines[0].ServiceCategory = tc.service, tc.category
		got := byKey(run(t, NewEngine(Policy{}), s.in))
		if got["/"+tc.want] != "0.02" {
			t.Errorf("%s (%s, %s): allocated %v, want 0.02 as %s", tc.service, tc.category, tc.sku, got, tc.want)
		}
	}
}

// TestLoadBalancerControllerCluster: the AWS Load Balancer Controller tags
// what it creates with elbv2.k8s.aws/cluster. A namespace's load balancer
// tagged so is that cluster's; it had been in no cluster, so `tally costs
// --aggregate cluster` showed it under __unallocated__.
func TestLoadBalancerControllerCluster(t *testing.T) {
	h := t0.Add(time.Hour)
	for _, tags := range []map[string]string{
		{"user_k8s_namespace": "shop", "user_elbv2_k8s_aws_cluster": "prod"}, // CUR 2.0
		{"k8s-namespace": "shop", "elbv2.k8s.aws/cluster": "prod"},           // FOCUS
	} {
		s := newScenario().line("LoadBalancerUsage", "arn:aws:elasticloadbalancing:us-east-1:111:loadbalancer/app/k8s-shop/1", "0.02", "0.02", t0, h, tags)
		s.in.Lines[0].ServiceName, s.in.Lines[0].ServiceCategory = "Elastic Load Balancing", "Load Balancer"
		as := run(t, NewEngine(DefaultPolicy()), s.in)
		if len(as) != 1 || as[0].Cluster != "prod" || as[0].Namespace != "shop" {
			t.Errorf("tags %v: allocated %+v, want to namespace shop of cluster prod", tags, as)
		}
	}
}

// TestOtherLinesKeepTheirTags: lines outside nodes with the same service
// and resource (none: a SaaS subscription, support, a data transfer line
// without a resource id) but different tags are different owners' costs.
// They were summed into one allocation row carrying the first line's tags,
// so spend by team put team b's 2 under team a (a: 3, b: nothing).
func TestOtherLinesKeepTheirTags(t *testing.T) {
	h := t0.Add(time.Hour)
	s := newScenario().
		line("SaaS", "", "1", "1", t0, h, map[string]string{"team": "a"}).
		line("SaaS", "", "2", "2", t0, h, map[string]string{"team": "b"}).
		line("SaaS", "", "4", "4", t0, h, map[string]string{"team": "a"})
	got := map[string]string{}
	for _, a := range run(t, NewEngine(Policy{}), s.in) {
		sum := tally.Zero("USD")
		if v, ok := got[a.Labels["team"]]; ok {
			sum = usd(v)
		}
		sum, _ = sum.Add(a.EffectiveCost)
		got[a.Labels["team"]] = sum.Decimal()
	}
	if want := map[string]string{"a": "5", "b": "2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("external cost by tag team = %v, want %v", got, want)
	}
}
