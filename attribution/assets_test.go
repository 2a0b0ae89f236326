package attribution

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestAssetsMergePreemptible: an aggregate's preemptible is its nodes'
// spot share weighted by the hours each ran, not by the span of the
// aggregate so far (which weighed the first node by the whole window).
func TestAssetsMergePreemptible(t *testing.T) {
	day := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	q := AssetQuery{Window: tally.Window{Start: day, End: day.Add(24 * time.Hour)}}
	node := func(name, lifecycle string, from, to int) tally.Node {
		return tally.Node{Cluster: "prod", UID: name, Name: name, Lifecycle: lifecycle, CPUCores: 2, MemoryBytes: 8 << 30,
			ValidFrom: day.Add(time.Duration(from) * time.Hour), ValidTo: day.Add(time.Duration(to) * time.Hour)}
	}
	nodes := []tally.Node{node("spot", tally.LifecycleSpot, 0, 24), node("od1", tally.LifecycleOnDemand, 0, 2), node("od2", tally.LifecycleOnDemand, 22, 24)}
	var costs []AssetCost
	for _, n := range nodes {
		costs = append(costs, AssetCost{Start: day, Account: "111", Cluster: "prod", Provider: "aws", Node: n.Name, Kind: tally.CostCPU, Part: PartUser,
			Cost: tally.MustParseMoney("1", "USD"), List: tally.MustParseMoney("2", "USD"), Ran: tally.Window{Start: n.ValidFrom, End: n.ValidTo}})
	}
	assets, err := BuildAssets(q, costs, nodes)
	if err != nil {
		t.Fatal(err)
	}
	if len(assets) != 3 {
		t.Fatalf("%d assets, want 3", len(assets))
	}
	sum := assets[0]
	for i := 1; i < len(assets); i++ {
		if err := sum.Merge(&assets[i]); err != nil {
			t.Fatal(err)
		}
	}
	// 24 spot hours of 28 node-hours.
	if want := 24.0 / 28; math.Abs(sum.Preemptible-want) > 1e-9 {
		t.Errorf("preemptible %v, want %v", sum.Preemptible, want)
	}
	if sum.CPUCoreHours != 56 || sum.Total.Decimal() != "3" || sum.Type != AssetNode || sum.Name != "" || sum.Cluster != "prod" {
		t.Errorf("merged %+v: want 56 core-hours, $3, type Node, no name, cluster prod", sum)
	}
}

// TestAssetsMergeCurrencies: assets billed in two currencies do not sum;
// the error says how to keep one.
func TestAssetsMergeCurrencies(t *testing.T) {
	a := Asset{Type: AssetDisk, Total: tally.MustParseMoney("1", "USD")}
	b := Asset{Type: AssetDisk, Total: tally.MustParseMoney("1", "EUR")}
	err := a.Merge(&b)
	if tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), "filter by cluster") {
		t.Errorf("merge USD and EUR: %v, want invalid, naming the filter", err)
	}
}

// TestAssetPrometheusLabels: an asset's label is found by its Prometheus
// name too (app_kubernetes_io_name for app.kubernetes.io/name), as
// OpenCost's clients name node labels and as the allocations find them,
// where no label has that key itself. (filter=label[eks_amazonaws_com_nodegroup]:"spot"
// matched no asset and aggregate=label:… put every node under __undefined__.)
func TestAssetPrometheusLabels(t *testing.T) {
	a := &Asset{Labels: map[string]string{"eks.amazonaws.com/nodegroup": "spot", "team": "platform", "app_kubernetes_io_name": "own", "app.kubernetes.io/name": "other"}}
	for _, tc := range []struct{ key, want string }{
		{"eks.amazonaws.com/nodegroup", "spot"},
		{"eks_amazonaws_com_nodegroup", "spot"},
		{"team", "platform"},
		{"app_kubernetes_io_name", "own"}, // the key itself first
		{"eks_amazonaws_com", ""},
		{"eks-amazonaws-com-nodegroup", ""}, // not a Prometheus name
	} {
		if got := a.Value(Dimension{Field: "label", Key: tc.key}); got != tc.want {
			t.Errorf("label %s = %q, want %q", tc.key, got, tc.want)
		}
	}
	f, err := ParseAssetFilter(`label[eks_amazonaws_com_nodegroup]:"spot"`)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Matches(f) {
		t.Errorf("filter %+v does not match %+v", f, a.Labels)
	}
	// A label filter without a key is on the keys, found by their
	// Prometheus names too.
	for in, want := range map[string]bool{`label:"eks_amazonaws_com_nodegroup"`: true, `label:"eks.amazonaws.com/nodegroup"`: true,
		`label!:"team"`: false, `label!:"owner"`: true, `label<~:"eks."`: true, `label~>:"/nodegroup"`: true, `label:"nodegroup"`: false} {
		f, err := ParseAssetFilter(in)
		if err != nil {
			t.Fatal(err)
		}
		if a.Matches(f) != want {
			t.Errorf("%s matches %v: %v, want %v", in, a.Labels, !want, want)
		}
	}
}
