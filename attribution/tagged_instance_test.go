package attribution

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestInstanceTaggedForAnotherCluster: an agent token of aaa-dev reports
// prod's instance i-1 before prod's own agent does (the ingest then refuses
// prod's node), so no second claim contests it. The bill names the
// instance's cluster in its tags (EKS managed node groups tag their
// instances eks:cluster-name): the lines go to that cluster, as a
// resource of the cluster whose node is not reporting, never to the
// claiming node, and the Summary names both clusters. A line with no
// cluster tag, or one naming the claimant or an unknown cluster, still goes
// to the node.
func TestInstanceTaggedForAnotherCluster(t *testing.T) {
	tests := []struct {
		name     string
		tags     map[string]string
		want     map[string]string
		wantWarn string
	}{
		{"tagged for prod", map[string]string{"eks:cluster-name": "prod", "team": "platform"},
			map[string]string{"prod __shared__": "2.4"},
			"instance i-1 is billed to cluster prod (its tags say so) but reported by node fake of cluster aaa-dev: its cost goes to prod, not to the node"},
		{"tagged by prefix", map[string]string{"kubernetes.io/cluster/prod": "owned"},
			map[string]string{"prod __shared__": "2.4"}, "billed to cluster prod"},
		{"untagged", nil, map[string]string{"aaa-dev __idle__": "2.4"}, ""},
		{"tagged for the claimant", map[string]string{"eks:cluster-name": "aaa-dev"}, map[string]string{"aaa-dev __idle__": "2.4"}, ""},
		{"tagged for an unknown cluster", map[string]string{"eks:cluster-name": "elsewhere"}, map[string]string{"aaa-dev __idle__": "2.4"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScenario().node("fake", "i-1", 2, 8*gib, 0, t0, time.Time{})
			s.in.Window.End = t0.Add(3 * time.Hour)
			s.in.Clusters = append(s.in.Clusters, tally.Cluster{ID: "aaa-dev", Name: "aaa-dev", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"})
			s.in.Nodes[0].Cluster = "aaa-dev"
			for i := range 3 {
				h := t0.Add(time.Duration(i) * time.Hour)
				s.line("BoxUsage", "i-1", "1.00", "0.80", h, h.Add(time.Hour), tt.tags)
			}
			got, sum := costsByClusterContainer(t, s.in)
			check(t, got, tt.want)
			for k, v := range got {
				if _, ok := tt.want[k]; !ok && v != "0" {
					t.Errorf("%s = %s, want nothing", k, v)
				}
			}
			switch {
			case tt.wantWarn == "" && len(sum.Warnings) > 0:
				t.Errorf("warnings %q, want none", sum.Warnings)
			case tt.wantWarn != "" && (len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], tt.wantWarn)):
				t.Errorf("warnings %q, want one containing %q", sum.Warnings, tt.wantWarn)
			}
		})
	}
}

// TestInstanceTaggedForItsOwnCluster: the cluster tags of a node's line
// take it from the node only for a cluster that can own the instance. An
// instance whose tags also name the node's own cluster (tagged for two
// clusters, kubernetes.io/cluster/NAME on each) stays the node's; a tag
// naming a registered cluster of another provider, region or account
// names another cluster that has the same cloud name (EKS names are
// unique per account and region only: aaa-dev in eu-west-1 is EKS's
// "prod" there, registered in Tally as aaa-dev), so the line stays the
// node's and nothing warns.
func TestInstanceTaggedForItsOwnCluster(t *testing.T) {
	tests := []struct {
		name   string
		tags   map[string]string
		region string
		prod   func(*tally.Cluster)
	}{
		{"tagged for both clusters", map[string]string{"kubernetes.io/cluster/prod": "owned", "kubernetes.io/cluster/aaa-dev": "owned"}, "", nil},
		{"tagged for both clusters, CUR 2.0", map[string]string{"user_kubernetes_io_cluster_prod": "owned", "user_eks_cluster_name": "aaa-dev"}, "", nil},
		{"prod in another region", map[string]string{"eks:cluster-name": "prod"}, "eu-west-1", nil},
		{"prod of another provider", map[string]string{"eks:cluster-name": "prod"}, "", func(c *tally.Cluster) { c.Provider = "gcp" }},
		{"prod billed to another account", map[string]string{"eks:cluster-name": "prod"}, "", func(c *tally.Cluster) { c.BillingAccountID = "222" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 20 { // the tags are a map: its order must not decide
				s := newScenario().node("fake", "i-1", 2, 8*gib, 0, t0, time.Time{})
				s.in.Window.End = t0.Add(3 * time.Hour)
				region := "us-east-1"
				if tt.region != "" {
					region = tt.region
				}
				s.in.Clusters = append(s.in.Clusters, tally.Cluster{ID: "aaa-dev", Name: "aaa-dev", Provider: "aws", Region: region, BillingAccountID: "111"})
				if tt.prod != nil {
					tt.prod(&s.in.Clusters[0])
				}
				s.in.Nodes[0].Cluster = "aaa-dev"
				for i := range 3 {
					h := t0.Add(time.Duration(i) * time.Hour)
					s.line("BoxUsage", "i-1", "1.00", "0.80", h, h.Add(time.Hour), tt.tags)
					s.in.Lines[i].RegionID = tt.region
				}
				got, sum := costsByClusterContainer(t, s.in)
				check(t, got, map[string]string{"aaa-dev __idle__": "2.4"})
				if len(sum.Warnings) > 0 {
					t.Fatalf("warnings %q, want none", sum.Warnings)
				}
				if t.Failed() {
					return
				}
			}
		})
	}
}

// costsByClusterContainer runs in and adds up its allocations' amortized
// cost by "cluster container".
func costsByClusterContainer(t *testing.T, in Input) (map[string]string, Summary) {
	t.Helper()
	got := map[string]string{}
	perKey := map[string]tally.Money{}
	sum, err := NewEngine(simplePolicy).Run(in, func(_ tally.Hour, as []tally.Allocation) error {
		for _, a := range as {
			k := string(a.Cluster) + " " + a.Container
			perKey[k], _ = perKey[k].Add(a.EffectiveCost)
			got[k] = perKey[k].Decimal()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, sum
}
