package postgres_test

import (
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestClusterBillingAccountLearned: a cluster its agents registered has no
// billing account, so its unbilled hours cannot be estimated. The first
// bill that bills one of its nodes' instances gives it that bill's account,
// and its hours attributed at cost 0 become stale, to be estimated. A
// cluster registered once a single account of its provider is known gets
// that one, a guess that a bill of its instances corrects; an account set
// as configured, or learnt from a bill, stays.
func TestClusterBillingAccountLearned(t *testing.T) {
	db := pgtest.New(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.UpsertPrices(ctx, []tally.InstancePrice{{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large",
		PurchaseOption: tally.PurchaseOnDemand, HourlyPrice: tally.MustParseMoney("0.096", "USD"), VCPUs: 2, MemoryBytes: 8 << 30,
		EffectiveFrom: fixture.Day1.AddDate(0, -1, 0), Source: "test"}}))
	// Day 2, after the bill below ends (it bills day 1).
	iv := tally.Window{Start: fixture.Day1.Add(30 * time.Hour), End: fixture.Day1.Add(30*time.Hour + 10*time.Minute)}
	must(db.StoreAgentData(ctx, agentBatch(2, []tally.Window{iv}, agentPod{uid: "p1", started: iv.Start, cpu: 1})))
	if got := accounts(t, db); got["prod"] != "" {
		t.Fatalf("cluster prod registered before any bill: account %q, want none", got["prod"])
	}
	if r, err := db.ClusterReports(ctx, iv.Start); err != nil || r["prod"].Nodes != 1 || !r["prod"].Last.Equal(iv.End) {
		t.Errorf("ClusterReports since the interval's start: %+v, %v; want prod's one node, last at %v", r, err, iv.End)
	}
	if r, err := db.ClusterReports(ctx, iv.End.Add(time.Second)); err != nil || r["prod"].Nodes != 0 || !r["prod"].Last.Equal(iv.End) {
		t.Errorf("ClusterReports since after the interval: %+v, %v; want no node reporting, the last report kept", r, err)
	}
	if s, err := db.DataStatus(ctx); err != nil || !slices.Equal(s.ClustersWithoutAccount, []tally.ClusterID{"prod"}) {
		t.Errorf("DataStatus before any bill: clusters without an account %v, %v; want prod", s.ClustersWithoutAccount, err)
	}
	hour := tally.HourOf(iv.Start).Window()
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return hour.End.Add(time.Hour) }}
	sum, err := job.Attribute(ctx, hour, false)
	must(err)
	if sum.EstimatedNodeHrs != 0 || !slices.ContainsFunc(sum.Warnings, func(w string) bool { return strings.Contains(w, "no billing account") }) {
		t.Fatalf("attribution without an account: %+v; want no estimate, and a warning", sum)
	}

	key := tally.BillingPeriodKey{BillingAccountID: "111", Start: tally.MonthStart(fixture.Day1), Source: "aws-cur"}
	run, err := db.StartIngestRun(ctx, "aws-cur", nil)
	must(err)
	_, err = db.ReplaceBillingPeriod(ctx, key, run, fixture.OneNodeLines(24, "0.09"))
	must(err)
	if got := accounts(t, db); got["prod"] != "111/bill" {
		t.Fatalf("cluster prod after a bill of its node's instance: account %q, want 111 from the bill", got["prod"])
	}
	if s, err := db.DataStatus(ctx); err != nil || len(s.ClustersWithoutAccount) != 0 {
		t.Errorf("DataStatus after the bill: clusters without an account %v, %v; want none", s.ClustersWithoutAccount, err)
	}
	stale, err := db.StaleHours(ctx, hour, attribution.ShareMax)
	must(err)
	if len(stale) != 1 {
		t.Fatalf("stale hours after the account was learned: %v; want %v", stale, hour)
	}
	sum, err = job.Attribute(ctx, hour, false)
	must(err)
	if sum.EstimatedNodeHrs != 1 {
		t.Errorf("attribution with the account learned: %+v; want the node-hour estimated", sum)
	}

	// A cluster registered now: 111 is the only AWS account known.
	dev := agentBatch(2, []tally.Window{iv}, agentPod{uid: "p2", started: iv.Start, cpu: 1})
	dev.Cluster, dev.Node.Cluster, dev.Node.UID, dev.Node.Name = "dev", "dev", "d1", "d1"
	dev.Node.InstanceID, dev.Node.ProviderID = "i-2", "aws:///us-east-1a/i-2"
	for i := range dev.Intervals {
		for j := range dev.Intervals[i].Usage {
			dev.Intervals[i].Usage[j].Cluster, dev.Intervals[i].Usage[j].NodeName = "dev", "d1"
		}
	}
	for i := range dev.Pods {
		dev.Pods[i].Ref.Cluster, dev.Pods[i].NodeName = "dev", "d1"
	}
	must(db.StoreAgentData(ctx, dev))
	if got := accounts(t, db); got["dev"] != "111/provider" {
		t.Errorf("cluster dev registered when 111 is the only AWS account: account %q, want 111, guessed from the provider", got["dev"])
	}

	// That was a guess: the bill of another account, 222, bills dev's
	// instance, and dev takes 222. A cluster given its account keeps it.
	must(db.UpsertCluster(ctx, tally.Cluster{ID: "cfg", Name: "cfg", Provider: "aws", BillingAccountID: "999"}))
	must(db.UpsertNodes(ctx, []tally.Node{{Cluster: "cfg", UID: "c1", Name: "c1", InstanceID: "i-3", InstanceType: "m5.large",
		Region: "us-east-1", CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30, ValidFrom: iv.Start, ValidTo: iv.End}}))
	other := tally.BillingPeriodKey{BillingAccountID: "222", Start: tally.MonthStart(fixture.Day1), Source: "aws-cur"}
	run, err = db.StartIngestRun(ctx, "aws-cur", nil)
	must(err)
	_, err = db.ReplaceBillingPeriod(ctx, other, run, instanceLines("222", fixture.Day1, "i-2", "i-3"))
	must(err)
	if got := accounts(t, db); got["dev"] != "222/bill" || got["prod"] != "111/bill" || got["cfg"] != "999" {
		t.Errorf("after a bill of account 222 for dev's and cfg's instances: accounts %v; want dev 222, prod 111 and cfg 999 kept", got)
	}
	// Learnt from a bill, it stays.
	run, err = db.StartIngestRun(ctx, "aws-cur", nil)
	must(err)
	_, err = db.ReplaceBillingPeriod(ctx, tally.BillingPeriodKey{BillingAccountID: "333", Start: other.Start, Source: "aws-cur"}, run, instanceLines("333", fixture.Day1, "i-2"))
	must(err)
	if got := accounts(t, db); got["dev"] != "222/bill" {
		t.Errorf("after a later bill of account 333 for dev's instance: account %q; want 222 kept (learnt from a bill)", got["dev"])
	}
}

// instanceLines bills each instance an hour at $0.09, from at, in account.
func instanceLines(account string, at time.Time, instances ...string) iter.Seq2[*tally.CostLine, error] {
	return func(yield func(*tally.CostLine, error) bool) {
		for _, i := range instances {
			l := tally.CostLine{Provider: "aws", BillingAccountID: account, ChargeCategory: tally.ChargeUsage, ResourceID: i,
				BillingPeriodStart: tally.MonthStart(at), BillingPeriodEnd: tally.MonthStart(at).AddDate(0, 1, 0),
				ChargePeriodStart: at, ChargePeriodEnd: at.Add(time.Hour),
				BilledCost: tally.MustParseMoney("0.09", "USD"), EffectiveCost: tally.MustParseMoney("0.09", "USD"), ListCost: tally.MustParseMoney("0.09", "USD")}
			if !yield(&l, nil) {
				return
			}
		}
	}
}

// accounts returns each cluster's billing account, and where it came
// from after a slash when it was learnt ("111/bill").
func accounts(t *testing.T, db *postgres.DB) map[tally.ClusterID]string {
	t.Helper()
	cs, err := db.Clusters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[tally.ClusterID]string{}
	for _, c := range cs {
		out[c.ID] = c.BillingAccountID
		if c.BillingAccountFrom != "" {
			out[c.ID] += "/" + c.BillingAccountFrom
		}
	}
	return out
}

// TestClusterAccountChangeMakesTheHoursItChangesStale: the engine
// estimates a node-hour without a bill line after its cluster's account's
// bill ends and leaves it at 0 before, so an account's change changes
// the hours after the earlier of the two accounts' bill ends: all of the
// cluster's when one of them has no bill. Changed back from an account
// without a bill, the hours before 111's bill ends were estimated in it
// and are stale too; only those after the new account's bill end were
// marked, which left them estimated.
func TestClusterAccountChangeMakesTheHoursItChangesStale(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 24) // 111 billed through day 1; n1 runs from day 1 − 1 h on
	w := tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(48 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return w.End.Add(time.Hour) }}
	var all []tally.Hour
	for h := tally.HourOf(w.Start); h < tally.HourOf(w.End); h++ {
		all = append(all, h)
	}
	for _, account := range []string{"999", "111"} {
		if _, err := job.Attribute(ctx, w, false); err != nil {
			t.Fatal(err)
		}
		stale, err := db.SetClusterAccount(ctx, "prod", account)
		if err != nil {
			t.Fatal(err)
		}
		if want := []tally.Window{w}; !slices.Equal(stale, want) {
			t.Errorf("SetClusterAccount(prod, %s) returned stale hours %v, want %v", account, stale, want)
		}
		expectStale(t, db, w, "after the account was set to "+account, all...)
	}
}
