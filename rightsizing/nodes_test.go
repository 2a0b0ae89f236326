package rightsizing

import (
	"strconv"
	"strings"
	"testing"

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
