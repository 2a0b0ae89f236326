package rightsizing

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

func usd(s string) tally.Money { return tally.MustParseMoney(s, "USD") }

var catalog = []InstanceType{
	{Name: "m5.large", Family: "m5", Arch: "amd64", CPU: 2, Memory: 8 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.096")}, {tally.PurchaseSpot, usd("0.035")}}},
	{Name: "m5.xlarge", Family: "m5", Arch: "amd64", CPU: 4, Memory: 16 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.192")}, {tally.PurchaseSpot, usd("0.07")}}},
	{Name: "m5.2xlarge", Family: "m5", Arch: "amd64", CPU: 8, Memory: 32 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.384")}}},
	{Name: "c5.xlarge", Family: "c5", Arch: "amd64", CPU: 4, Memory: 8 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.17")}}},
	{Name: "m6g.xlarge", Family: "m6g", Arch: "arm64", CPU: 4, Memory: 16 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.154")}}},
}

func pods(n int, cpu float64, mem int64) []PodRequest {
	out := make([]PodRequest, n)
	for i := range out {
		out[i] = PodRequest{Name: "p" + string(rune('a'+i)), CPU: cpu, Memory: mem}
	}
	return out
}

func TestPlanNodes(t *testing.T) {
	current := []NodeCount{{Type: "m5.2xlarge", Purchase: tally.PurchaseOnDemand, Count: 4, Hourly: usd("0.384")}}
	tests := []struct {
		name    string
		group   NodeGroup
		pods    []PodRequest
		want    string // planned, as "count×type/purchase" joined by " "
		savings string
	}{
		{"packs onto fewer large nodes", NodeGroup{Name: "general", Families: []string{"m5"}, Spot: SpotNever, Current: current},
			pods(6, 1.8, 3*GiB), "1×m5.2xlarge/on-demand 1×m5.xlarge/on-demand", "700.8"}, // (4×0.384 − 0.576) × 730
		{"spot where allowed", NodeGroup{Name: "general", Families: []string{"m5"}, Spot: SpotAllowed, Current: current},
			pods(6, 1.8, 3*GiB), "6×m5.large/spot", "967.98"}, // (1.536 − 6×0.035) × 730,
		{"family constraint keeps c5 out, memory-bound pods", NodeGroup{Name: "general", Families: []string{"m5", "c5"}, Current: current},
			pods(4, 0.5, 7*GiB), "4×m5.large/on-demand", "840.96"}, // 8 GiB c5.xlarge holds one pod at 0.17,
		{"arch constraint", NodeGroup{Name: "arm", Arch: "arm64", Current: current}, pods(2, 1.8, 3*GiB), "1×m6g.xlarge/on-demand", "1008.86"},
		{"daemonsets take room on every node", NodeGroup{Name: "general", Families: []string{"m5"}, Current: current, DaemonSetCPU: 0.3, DaemonSetMemory: GiB},
			pods(4, 2, 3*GiB), "1×m5.2xlarge/on-demand 1×m5.xlarge/on-demand", "700.8"}, // 7.7 cores left on a 2xlarge hold 3 pods, not 4
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := PlanNodes(tt.group, tt.pods, catalog)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range plan.Planned {
				got = append(got, strings.Join([]string{itoa(p.Count) + "×" + p.Type, p.Purchase}, "/"))
			}
			if g := strings.Join(got, " "); !sameWords(g, tt.want) {
				t.Errorf("planned %s, want %s", g, tt.want)
			}
			if plan.MonthlySavings.Round(2).Decimal() != tt.savings || len(plan.Unplaced) != 0 {
				t.Errorf("savings %s (unplaced %v), want %s; %s", plan.MonthlySavings.Decimal(), plan.Unplaced, tt.savings, plan.Explanation)
			}
			if plan.CPUUtilization <= 0 || plan.CPUUtilization > 1 || plan.MemoryUtilization > 1 {
				t.Errorf("utilization %v %v", plan.CPUUtilization, plan.MemoryUtilization)
			}
		})
	}
	plan, err := PlanNodes(NodeGroup{Name: "g", Families: []string{"m5"}}, []PodRequest{{Name: "huge", CPU: 64, Memory: GiB}}, catalog)
	if err != nil || len(plan.Unplaced) != 1 || !strings.Contains(plan.Explanation, "fit no allowed instance type") {
		t.Errorf("a pod too large for every type: %+v, %v", plan, err)
	}
	if _, err := PlanNodes(NodeGroup{Name: "g", Families: []string{"z9"}}, nil, catalog); tally.ErrorCode(err) != tally.EInvalid {
		t.Errorf("no candidate: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func sameWords(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	if len(x) != len(y) {
		return false
	}
	seen := map[string]int{}
	for _, w := range x {
		seen[w]++
	}
	for _, w := range y {
		seen[w]--
	}
	for _, v := range seen {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestEstimateAllocatable(t *testing.T) {
	cpu, mem := EstimateAllocatable(4, 16*GiB)
	// 4 cores: 0.06 + 0.01 + 2×0.005 = 0.08 reserved; 16 GiB: 1 + 0.8 + 0.8 = 2.6 GiB + 100 MiB.
	if cpu < 3.919 || cpu > 3.921 || mem != 16*GiB-gib(2.6)-100*MiB {
		t.Errorf("allocatable %v cores, %v bytes", cpu, mem)
	}
}

// The plan never costs more than the nodes the pods already fit on. Here
// 1 × m5.xlarge holds the first four pods exactly (4.0 cores, 15 GiB) and
// 1 × m5.2xlarge the other six (6.6 cores, 27.5 GiB): 0.576/h. First-fit
// decreasing onto one type at a time, then shrinking node by node, found at
// best 7 × m5.large (0.672/h), and PlanNodes returned it with a negative
// saving (found in review: about 6% of random packed groups did this).
func TestPlanNodesNeverCostlierThanCurrent(t *testing.T) {
	const half = GiB / 2
	ps := []PodRequest{
		// on the m5.xlarge now
		{Name: "a", CPU: 1, Memory: 9 * half}, {Name: "b", CPU: 1.7, Memory: 16 * half}, {Name: "c", CPU: 0.1, Memory: 1 * half}, {Name: "d", CPU: 1.2, Memory: 4 * half},
		// on the m5.2xlarge now
		{Name: "e", CPU: 0.5, Memory: 7 * half}, {Name: "f", CPU: 0.5, Memory: 15 * half}, {Name: "g", CPU: 0.5, Memory: 10 * half},
		{Name: "h", CPU: 1.5, Memory: 7 * half}, {Name: "i", CPU: 1.8, Memory: 13 * half}, {Name: "j", CPU: 1.8, Memory: 3 * half},
	}
	current := func() []NodeCount {
		return []NodeCount{
			{Type: "m5.xlarge", Purchase: tally.PurchaseOnDemand, Count: 1, Hourly: usd("0.192"), Names: []string{"n1"}},
			{Type: "m5.2xlarge", Purchase: tally.PurchaseOnDemand, Count: 1, Hourly: usd("0.384"), Names: []string{"n2"}},
		}
	}
	placed := slices.Clone(ps)
	for i := range placed {
		placed[i].Node = map[bool]string{true: "n1", false: "n2"}[i < 4]
	}
	for _, tt := range []struct {
		name string
		pods []PodRequest
	}{{"where each pod runs is known", placed}, {"where the pods run is unknown", ps}} {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := PlanNodes(NodeGroup{Name: "general", Families: []string{"m5", "c5"}, Spot: SpotNever, Current: current()}, tt.pods, catalog)
			if err != nil {
				t.Fatal(err)
			}
			if plan.MonthlySavings.Sign() < 0 {
				t.Errorf("current %s/month; planned %s/month (saving %s): %s", plan.CurrentMonthly, plan.PlannedMonthly, plan.MonthlySavings, plan.Explanation)
			}
			if plan.MonthlySavings.Sign() == 0 && !strings.HasPrefix(plan.Explanation, "already right-sized: 10 pods") {
				t.Errorf("no saving, explanation %q: want it to say the group is already right-sized", plan.Explanation)
			}
			var placedPods int
			for _, n := range plan.Planned {
				placedPods += n.Count
			}
			if len(plan.Unplaced) != 0 || plan.CPUUtilization <= 0 || plan.CPUUtilization > 1 || plan.MemoryUtilization > 1 {
				t.Errorf("plan %+v", plan)
			}
		})
	}

	// Pods whose recommended requests no longer fit where they run move to
	// the free room on the other nodes.
	grown := slices.Clone(placed)
	grown[2].CPU = 0.5 // c no longer fits on n1 (4.4 cores); n2 has 1.4 cores free
	plan, err := PlanNodes(NodeGroup{Name: "general", Families: []string{"m5"}, Spot: SpotNever, Current: current()}, grown, catalog)
	if err != nil {
		t.Fatal(err)
	}
	if plan.MonthlySavings.Sign() < 0 || len(plan.Unplaced) != 0 {
		t.Errorf("grown pod: saving %s, unplaced %v: %s", plan.MonthlySavings, plan.Unplaced, plan.Explanation)
	}
	// When the pods at their recommended requests outgrow the current nodes,
	// the plan may cost more, and says why.
	big := slices.Clone(placed)
	big[0].CPU = 3.5
	plan, err = PlanNodes(NodeGroup{Name: "general", Families: []string{"m5"}, Spot: SpotNever, Current: current()}, big, catalog)
	if err != nil {
		t.Fatal(err)
	}
	if plan.MonthlySavings.Sign() >= 0 || !strings.Contains(plan.Explanation, "costs more than the current nodes because the pods at their recommended requests were not fitted") {
		t.Errorf("outgrown: saving %s: %s", plan.MonthlySavings, plan.Explanation)
	}
}

// Random groups whose pods fit the nodes they run on: the plan never costs
// more than those nodes when PlanNodes knows where each pod runs. When it
// does not, it must find a placement on the current nodes by search, which
// is bounded: it may rarely miss one (1 group in 2,000 when written).
func TestPlanNodesRandomGroups(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	types := catalog[:4] // m5 and c5
	const groups = 1000
	var kept, cheaper, missed int
	for n := range groups {
		var current []NodeCount
		var ps []PodRequest
		for k := range 1 + rng.IntN(4) {
			typ := types[rng.IntN(len(types))]
			name := "n" + itoa(k)
			current = append(current, NodeCount{Type: typ.Name, Purchase: tally.PurchaseOnDemand, Count: 1, Hourly: typ.Offers[0].Hourly, Names: []string{name}})
			var cpu float64
			var mem int64
			for try := range 20 {
				p := PodRequest{Name: name + "-" + itoa(try), CPU: float64(1+rng.IntN(20)) / 10, Memory: int64(1+rng.IntN(16)) * GiB / 2, Node: name}
				if cpu+p.CPU <= typ.CPU && mem+p.Memory <= typ.Memory {
					cpu, mem = cpu+p.CPU, mem+p.Memory
					ps = append(ps, p)
				}
			}
		}
		anonymous := slices.Clone(ps)
		for i := range anonymous {
			anonymous[i].Node = ""
		}
		for _, pods := range [][]PodRequest{ps, anonymous} {
			plan, err := PlanNodes(NodeGroup{Name: "g", Families: []string{"m5", "c5"}, Spot: SpotNever, Current: current}, pods, catalog)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case len(plan.Unplaced) > 0:
				t.Fatalf("group %d: unplaced %v: %s", n, plan.Unplaced, plan.Explanation)
			case plan.MonthlySavings.Sign() < 0 && pods[0].Node == "":
				missed++
			case plan.MonthlySavings.Sign() < 0:
				t.Fatalf("group %d (%v, %d pods): saving %s: %s", n, current, len(pods), plan.MonthlySavings, plan.Explanation)
			case plan.MonthlySavings.Sign() == 0:
				kept++
			default:
				cheaper++
			}
		}
	}
	t.Logf("%d plans kept the current nodes, %d found cheaper ones; %d of %d groups of pods on unknown nodes cost more", kept, cheaper, missed, groups)
	if missed > groups/200 {
		t.Errorf("%d of %d groups of pods on unknown nodes cost more than the nodes they fit", missed, groups)
	}
}

// TestNodePlanMoneyInCents: a plan's monthly amounts are in cents, as the
// table and the stored record show them, and the saving is the difference
// of the two shown (the JSON said 425.37684 where the table said 425.38).
func TestNodePlanMoneyInCents(t *testing.T) {
	cat := []InstanceType{{Name: "n2-standard-4", Family: "n2", Arch: "amd64", CPU: 4, Memory: 16 * GiB,
		Offers: []Offer{{tally.PurchaseOnDemand, usd("0.194236")}}}}
	g := NodeGroup{Name: "default-pool", Current: []NodeCount{{Type: "n2-standard-4", Purchase: tally.PurchaseOnDemand, Count: 4, Hourly: usd("0.194236")}}}
	plan, err := PlanNodes(g, pods(3, 1, GiB), cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []tally.Money{plan.CurrentMonthly, plan.PlannedMonthly, plan.MonthlySavings} {
		if m.Round(2) != m {
			t.Errorf("%s: not in cents", m.Decimal())
		}
	}
	if diff, _ := plan.CurrentMonthly.Sub(plan.PlannedMonthly); diff != plan.MonthlySavings || plan.MonthlySavings.Decimal() != "425.38" {
		t.Errorf("saving %s, want 425.38 = %s − %s", plan.MonthlySavings.Decimal(), plan.CurrentMonthly.Decimal(), plan.PlannedMonthly.Decimal())
	}
	rec, err := plan.Record(time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if rec.MonthlySavings != plan.MonthlySavings {
		t.Errorf("stored saving %s, plan's %s", rec.MonthlySavings.Decimal(), plan.MonthlySavings.Decimal())
	}
}

// A StatefulSet's replicas (Spread) are planned one per node, as their pod
// anti-affinity runs them: three ClickHouse replicas of 19 GiB were planned
// together on one n2-highmem-8, where one node's loss takes all three. The
// current nodes, one replica each, are kept; pods without Spread still
// share nodes.
func TestPlanNodesSpreadsStatefulSetReplicas(t *testing.T) {
	cat := []InstanceType{
		{Name: "n2-highmem-4", Family: "n2", CPU: 3.92, Memory: 27 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.262")}}},
		{Name: "n2-highmem-8", Family: "n2", CPU: 7.91, Memory: 58 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.524")}}},
		{Name: "n2-highmem-16", Family: "n2", CPU: 15.89, Memory: 120 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("1.048")}}},
	}
	g := NodeGroup{Name: "highmem-pool", Families: []string{"n2"},
		Current: []NodeCount{{Type: "n2-highmem-4", Purchase: tally.PurchaseOnDemand, Count: 3, Hourly: usd("0.262"), Names: []string{"a", "b", "c"}}}}
	replicas := pods(3, 1.5, 19*GiB)
	for i := range replicas {
		replicas[i].Spread, replicas[i].Node = "analytics/StatefulSet/clickhouse", g.Current[0].Names[i]
	}
	plan, err := PlanNodes(g, replicas, cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Planned) != 1 || plan.Planned[0].Type != "n2-highmem-4" || plan.Planned[0].Count != 3 || plan.MonthlySavings.Sign() != 0 {
		t.Errorf("planned %+v, saving %s: want the 3 × n2-highmem-4 kept, one replica each", plan.Planned, plan.MonthlySavings.Decimal())
	}
	// Without Spread they share: 1 × n2-highmem-8 holds two, with one on a highmem-4 (or 3 on a 16 if cheaper).
	plan, err = PlanNodes(g, pods(3, 1.5, 19*GiB), cat)
	if err != nil {
		t.Fatal(err)
	}
	if plan.MonthlySavings.Sign() <= 0 {
		t.Errorf("pods without Spread: saving %s, want them packed together", plan.MonthlySavings.Decimal())
	}
}
