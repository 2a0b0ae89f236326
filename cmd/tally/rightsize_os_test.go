package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/postgres"
)

// TestRightsizeNodesPricedByOperatingSystem: a node group is planned at
// the prices of its nodes' operating system: a Windows group (its
// kubernetes.io/os label) at Windows's, a Red Hat one (the EC2 platform
// `pricing platforms aws` read) at Red Hat's, a Windows with SQL Server
// Standard one at that platform's. They were planned at Linux's prices:
// the two Windows m5.xlarge nodes cost 280.32 a month in the plan, not
// 548.96. A group on a platform the catalog has no prices of (Red Hat with
// SQL Server and HA), on one whose prices were not synced, or whose nodes
// run different systems, is skipped with a warning rather than planned at
// a price that is not its own.
func TestRightsizeNodesPricedByOperatingSystem(t *testing.T) {
	for _, tt := range []struct {
		name      string
		os        [2]string // kubernetes.io/os of n1, n2
		operation string    // the EC2 usage operation read of both; "" none
		current   string    // monthly, of the two m5.xlarge nodes
		warning   string    // when the group is skipped
	}{
		{name: "linux", os: [2]string{"linux", "linux"}, current: "280.32"},
		{name: "windows label", os: [2]string{"windows", "windows"}, current: "548.96"},
		{name: "red hat platform", os: [2]string{"linux", "linux"}, operation: "RunInstances:0010", current: "367.92"},
		{name: "sql server platform", os: [2]string{"windows", "windows"}, operation: "RunInstances:0006", current: "1950.56"},
		{name: "sql server web platform", os: [2]string{"linux", "linux"}, operation: "RunInstances:0200",
			warning: "the price catalog has no linux-sql-web prices in us-east-1 (tally pricing sync aws --os linux-sql-web)"},
		{name: "unpriced platform", os: [2]string{"linux", "linux"}, operation: "RunInstances:1014",
			warning: "the price catalog has no prices of its platform (node n1 runs RunInstances:1014)"},
		{name: "mixed", os: [2]string{"linux", "windows"}, warning: "its nodes run different operating systems"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url, db, until := seededRightsizingDB(t)
			seedOperatingSystems(t, db, until, tt.os, tt.operation)
			var out, errb bytes.Buffer
			code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--format", "json"}, &out, &errb)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var res struct {
				Nodes []struct {
					Group          string
					CurrentMonthly tally.Money
					Planned        []struct {
						Type       string
						Count      int
						HourlyEach tally.Money
					}
				}
			}
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			if tt.warning != "" {
				if len(res.Nodes) != 0 || !strings.Contains(errb.String(), tt.warning) {
					t.Errorf("plans %+v, log %s; want the group skipped: %s", res.Nodes, errb.String(), tt.warning)
				}
				return
			}
			if len(res.Nodes) != 1 || res.Nodes[0].CurrentMonthly.Decimal() != tt.current {
				t.Fatalf("plans %+v; want the current nodes at %s a month\n%s", res.Nodes, tt.current, errb.String())
			}
			for _, p := range res.Nodes[0].Planned {
				if want := osPrices[tt.name][p.Type]; p.HourlyEach.Decimal() != want {
					t.Errorf("planned %d × %s at %s each, want %s", p.Count, p.Type, p.HourlyEach.Decimal(), want)
				}
			}
		})
	}
}

// osPrices are the on-demand prices seedOperatingSystems adds, by case.
var osPrices = map[string]map[string]string{
	"linux":               {"m5.large": "0.096", "m5.xlarge": "0.192", "m5.2xlarge": "0.384"},
	"windows label":       {"m5.large": "0.188", "m5.xlarge": "0.376", "m5.2xlarge": "0.752"},
	"red hat platform":    {"m5.large": "0.1536", "m5.xlarge": "0.252", "m5.2xlarge": "0.4512"},
	"sql server platform": {"m5.large": "0.668", "m5.xlarge": "1.336", "m5.2xlarge": "2.672"},
}

// m5Sizes are the vCPUs and memory of the m5 types seedRightsizing prices.
var m5Sizes = map[string]struct {
	cpu float64
	mem int64
}{"m5.large": {2, 8 << 30}, "m5.xlarge": {4, 16 << 30}, "m5.2xlarge": {8, 32 << 30}}

// seedOperatingSystems labels seedRightsizing's nodes n1 and n2 with the
// operating systems os, stores the EC2 usage operation of their instances
// when operation is not "", and adds Windows, Red Hat and Windows with SQL
// Server Standard prices of m5.
func seedOperatingSystems(t *testing.T, db *postgres.DB, until time.Time, os [2]string, operation string) {
	t.Helper()
	ctx := context.Background()
	start := until.Add(-72 * time.Hour)
	var nodes []tally.Node
	var platforms []tally.InstancePlatform
	for i, n := range []string{"n1", "n2"} {
		nodes = append(nodes, tally.Node{Cluster: "prod", UID: n, Name: n, InstanceType: "m5.xlarge", Lifecycle: tally.LifecycleOnDemand,
			InstanceID: "i-0" + n, Region: "us-east-1", CPUCores: 4, MemoryBytes: 16 << 30, AllocatableCPU: 3.92, AllocatableMemory: 15 << 30,
			ValidFrom: start.Add(-time.Hour), Labels: map[string]string{"eks.amazonaws.com/nodegroup": "general", "kubernetes.io/arch": "amd64", "kubernetes.io/os": os[i]}})
		platforms = append(platforms, tally.InstancePlatform{Provider: tally.ProviderAWS, InstanceID: "i-0" + n, Region: "us-east-1",
			UsageOperation: operation, ReadAt: until})
	}
	if err := db.UpsertNodes(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	if operation != "" {
		if _, err := db.SaveInstancePlatforms(ctx, platforms); err != nil {
			t.Fatal(err)
		}
	}
	var prices []tally.InstancePrice
	for name, os := range map[string]string{"windows label": "windows", "red hat platform": "rhel", "sql server platform": "windows-sql-std"} {
		for typ, price := range osPrices[name] {
			prices = append(prices, tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: typ, PurchaseOption: tally.PurchaseOnDemand,
				OperatingSystem: os, HourlyPrice: tally.MustParseMoney(price, "USD"), VCPUs: m5Sizes[typ].cpu, MemoryBytes: m5Sizes[typ].mem,
				EffectiveFrom: start, Source: "test"})
		}
	}
	if err := db.UpsertPrices(ctx, prices); err != nil {
		t.Fatal(err)
	}
}
