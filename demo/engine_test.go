package demo_test

import (
	"encoding/json"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/demo"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/gcpbilling"
)

// TestAttributionEngine runs Tally's attribution engine on the generated
// inputs, converted to its input types the way the ingest paths do, and
// compares its allocations with the ground truth: per cluster, namespace
// and day, and idle, within 1%; per day and billing account, exactly.
//
// Pods' lifetimes come from AgentUsage.Seconds. Without that field an
// ingest can only assume a pod ran to the end of the last interval it was
// seen in; the test reports how far that lands from the truth.
func TestAttributionEngine(t *testing.T) {
	worst, what := runEngine(t, true)
	t.Logf("engine vs truth: largest deviation %.4f%% (%s)", 100*worst, what)
	worst, what = runEngine(t, false)
	t.Logf("without AgentUsage.Seconds (pods assumed to run to the end of their last interval): %.2f%% (%s)", 100*worst, what)
}

// runEngine attributes the fixture with the engine and returns the largest
// relative deviation from the truth (checked when useSeconds is set).
func runEngine(t *testing.T, useSeconds bool) (float64, string) {
	in := attribution.Input{
		Window:        tally.Window{Start: fixtureMan.Start, End: fixtureMan.End},
		BilledThrough: map[string]time.Time{demo.PayerAccountID: fixtureMan.End, demo.GCPBillingID: fixtureMan.End},
	}
	for _, c := range fixtureTr.Clusters {
		in.Clusters = append(in.Clusters, tally.Cluster{ID: c.ID, Name: string(c.ID), Provider: c.Provider, Region: c.Region, BillingAccountID: c.BillingAccountID})
	}
	in.Lines = append(in.Lines, curCostLines(t)...)
	in.Lines = append(in.Lines, focusCostLines(t)...)
	in.Lines = append(in.Lines, gcpCostLines(t)...)
	in.Nodes, in.Pods, in.Usage = agentInputs(t, useSeconds)

	// The policy knows the tag keys of each source format (truth.ownerTags).
	p := attribution.DefaultPolicy()
	for _, keys := range fixtureTr.OwnerTags {
		p.NamespaceTags = append(p.NamespaceTags, keys.Namespace...)
		p.OwnerTags = append(p.OwnerTags, keys.Team...)
		p.ClusterTags = append(p.ClusterTags, keys.Cluster...)
	}
	type key struct {
		day     int
		acct    string
		cluster tally.ClusterID
		owner   string
	}
	got := map[key]tally.Money{}
	total := map[key]tally.Money{}
	sum, err := attribution.NewEngine(p).Run(in, func(h tally.Hour, allocs []tally.Allocation) error {
		d := dayIndex(h.Start())
		for _, a := range allocs {
			tk := key{d, a.BillingAccountID, "", ""}
			total[tk] = mustAdd(total[tk], a.EffectiveCost)
			if a.Node == "" {
				continue
			}
			owner := a.Namespace
			if a.Container == tally.IdleName {
				owner = tally.IdleName
			}
			k := key{d, a.BillingAccountID, a.Cluster, owner}
			got[k] = mustAdd(got[k], a.EffectiveCost)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if useSeconds && (sum.UnbilledNodeHours > 0 || sum.EstimatedNodeHrs > 0) {
		t.Errorf("engine: %d unbilled, %d estimated node-hours; warnings %v", sum.UnbilledNodeHours, sum.EstimatedNodeHrs, sum.Warnings)
	}
	var worst float64
	var what string
	for d := 0; d < fixtureCfg.Days; d++ {
		for _, acct := range []string{demo.PayerAccountID, demo.GCPBillingID} {
			td := truthDay(t, d, acct)
			if g := total[key{d, acct, "", ""}]; useSeconds && !g.Equal(money(t, td.Amortized)) {
				t.Errorf("%s %s: the engine allocates %s, the bill is %s", td.Day, acct, g, td.Amortized)
			}
			for cl, cd := range td.Clusters {
				check := func(owner, want string) {
					w, g := money(t, want), got[key{d, acct, cl, owner}]
					diff, _ := g.Sub(w)
					rel := math.Abs(diff.Float64()) / math.Max(w.Float64(), 0.5)
					if rel > worst {
						worst, what = rel, td.Day+" "+string(cl)+"/"+owner
					}
					if useSeconds && rel > 0.01 {
						t.Errorf("%s %s/%s: engine %s, truth %s (%.2f%%)", td.Day, cl, owner, g, w, 100*rel)
					}
				}
				names := make([]string, 0, len(cd.Namespaces))
				for ns := range cd.Namespaces {
					names = append(names, ns)
				}
				sort.Strings(names)
				for _, ns := range names {
					check(ns, cd.Namespaces[ns])
				}
				check(tally.IdleName, cd.Idle)
			}
		}
	}
	return worst, what
}

func curCostLines(t *testing.T) []tally.CostLine {
	var out []tally.CostLine
	for _, l := range readCUR(t) {
		unb := usd(t, l.Unblended)
		list := usd(t, l.Public)
		if typ := str(l.Type); typ == "Tax" || typ == "Credit" || strings.HasSuffix(typ, "Fee") {
			list = unb
		}
		cat := tally.ChargeUsage
		switch str(l.Type) {
		case "Tax":
			cat = tally.ChargeTax
		case "Credit":
			cat = tally.ChargeCredit
		case "RIFee", "Fee", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee":
			cat = tally.ChargePurchase
		}
		out = append(out, tally.CostLine{Provider: tally.ProviderAWS, BillingAccountID: str(l.Payer), SubAccountID: str(l.Account),
			BillingPeriodStart: *l.PeriodStart, ChargePeriodStart: *l.Start, ChargePeriodEnd: *l.End, ChargeCategory: cat,
			BilledCost: unb, EffectiveCost: amortizedCUR(t, l), ListCost: list, ContractedCost: list,
			ServiceName: l.ProductMap["product_name"], ResourceID: str(l.Resource), Tags: l.Tags})
	}
	return out
}

func focusCostLines(t *testing.T) []tally.CostLine {
	var out []tally.CostLine
	for _, r := range readFOCUS(t) {
		s, _ := time.Parse(time.RFC3339, r["ChargePeriodStart"])
		e, _ := time.Parse(time.RFC3339, r["ChargePeriodEnd"])
		cat, _ := tally.ParseChargeCategory(r["ChargeCategory"])
		var tags map[string]string
		if err := json.Unmarshal([]byte(r["Tags"]), &tags); err != nil {
			t.Fatal(err)
		}
		out = append(out, tally.CostLine{Provider: tally.ProviderAWS, BillingAccountID: r["BillingAccountId"], SubAccountID: r["SubAccountId"],
			ChargePeriodStart: s, ChargePeriodEnd: e, ChargeCategory: cat,
			BilledCost: money(t, r["BilledCost"]), EffectiveCost: money(t, r["EffectiveCost"]), ListCost: money(t, r["ListCost"]),
			ContractedCost: money(t, r["ContractedCost"]), ServiceName: r["ServiceName"], ServiceCategory: r["ServiceCategory"],
			ResourceID: r["ResourceId"], Tags: tags})
	}
	return out
}

func gcpCostLines(t *testing.T) []tally.CostLine {
	var out []tally.CostLine
	effs := gcpAmortized(t, fixtureMan.GCP.Resource)
	rows := readGCP(t, fixtureMan.GCP.Resource)
	if len(effs) != len(rows) {
		t.Fatalf("the GCP reader read %d rows, the export has %d", len(effs), len(rows))
	}
	for i, r := range rows {
		net, eff := gcpNet(t, r), effs[i]
		tags := map[string]string{}
		for _, l := range r.Labels {
			tags[l.Key] = l.Value
		}
		res := ""
		if r.Resource != nil {
			res = r.Resource.Name
		}
		out = append(out, tally.CostLine{Provider: tally.ProviderGCP, BillingAccountID: r.BillingAccountID, SubAccountID: r.Project.ID,
			ChargePeriodStart: time.Time(r.UsageStartTime), ChargePeriodEnd: time.Time(r.UsageEndTime), ChargeCategory: tally.ChargeUsage,
			BilledCost: net, EffectiveCost: eff, ListCost: net, ContractedCost: net, ServiceName: r.Service.Description,
			ResourceID: res, Tags: tags})
	}
	return out
}

// gcpAmortized reads the GCP export's files with Tally's reader, as an
// ingest run does (twice: the resource-based CUD's fees are spread over
// the usage they covered), and returns each row's amortized cost in order.
func gcpAmortized(t *testing.T, months []demo.MonthFiles) []tally.Money {
	t.Helper()
	a := gcpbilling.NewAmortizer()
	var out []tally.Money
	for pass := range 2 {
		for _, m := range months {
			for _, f := range m.Files {
				p := filepath.Join(fixtureDir, filepath.FromSlash(f))
				in, err := ingest.OpenInput(p, p, nil)
				if err != nil {
					t.Fatal(err)
				}
				err = gcpbilling.Parser{}.Parse(t.Context(), in, func(_ int64, l *tally.CostLine, bad *ingest.LineError) error {
					switch {
					case bad != nil:
						return bad
					case pass == 0:
						return a.Observe(l)
					}
					if err := a.Amortize(l); err != nil {
						return err
					}
					out = append(out, l.EffectiveCost)
					return nil
				})
				in.Close()
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return out
}

// agentInputs turns the agent batches into nodes, pods and hourly usage as
// the agent ingest stores them: a node lives while its agent reports, a pod
// from its start to the end of the time its containers ran in their last
// interval (AgentUsage.Seconds).
func agentInputs(t *testing.T, useSeconds bool) ([]tally.Node, []tally.Pod, []attribution.HourUsage) {
	nodes := map[string]*tally.Node{}
	pods := map[string]*tally.Pod{}
	var order []string
	var usage []attribution.HourUsage
	for _, b := range agentBatches(t) {
		n := nodes[b.Node.Name]
		if n == nil {
			an := b.Node
			n = &tally.Node{Cluster: b.Cluster, UID: an.UID, Name: an.Name, ProviderID: an.ProviderID, InstanceID: tally.InstanceIDFromProviderID(an.ProviderID),
				InstanceType: an.InstanceType, Region: an.Region, Zone: an.Zone, Lifecycle: an.Lifecycle, CPUCores: an.CPUCapacity, MemoryBytes: an.MemoryCapacity,
				AllocatableCPU: an.CPUAllocatable, AllocatableMemory: an.MemoryAllocatable, Labels: an.Labels, ValidFrom: b.Intervals[0].Start}
			nodes[an.Name] = n
		}
		n.ValidTo = b.Intervals[len(b.Intervals)-1].End
		meta := map[string]tally.AgentPod{}
		for _, ap := range b.Pods {
			meta[ap.UID] = ap
		}
		for _, iv := range b.Intervals {
			for _, u := range iv.Containers {
				ap, ok := meta[u.PodUID]
				if !ok {
					continue
				}
				p := pods[ap.UID]
				if p == nil {
					p = &tally.Pod{Ref: tally.PodRef{Cluster: b.Cluster, Namespace: ap.Namespace, Name: ap.Name, UID: ap.UID}, NodeName: b.Node.Name,
						OwnerKind: ap.OwnerKind, OwnerName: ap.OwnerName, Labels: ap.Labels, ValidFrom: ap.StartedAt}
					for _, c := range ap.Containers {
						p.Containers = append(p.Containers, tally.Container{Name: c.Name, ContainerID: c.ID, Image: c.Image,
							CPURequest: c.CPURequest, CPULimit: c.CPULimit, MemoryRequest: c.MemoryRequest, MemoryLimit: c.MemoryLimit})
					}
					pods[ap.UID] = p
					order = append(order, ap.UID)
				}
				from := iv.Start
				if ap.StartedAt.After(from) {
					from = ap.StartedAt
				}
				p.ValidTo = iv.End
				if useSeconds {
					p.ValidTo = from.Add(time.Duration(u.Seconds * float64(time.Second)))
				}
				usage = append(usage, attribution.HourUsage{Cluster: b.Cluster, PodUID: u.PodUID, Container: u.Container, Hour: tally.HourOf(iv.Start),
					CPUCoreSeconds: u.CPUCoreSeconds, MemoryByteSeconds: float64(u.MemoryWorkingSet) * u.Seconds, MemoryMaxBytes: u.MemoryWorkingMax})
			}
		}
	}
	var ns []tally.Node
	for _, n := range nodes {
		ns = append(ns, *n)
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i].Name < ns[j].Name })
	var ps []tally.Pod
	for _, uid := range order {
		ps = append(ps, *pods[uid])
	}
	return ns, ps, usage
}

// TestGCPCUDAmortized: the GKE node rows the resource-based CUD covered
// (net $0: its credit takes their on-demand cost off) cost their share of
// its fee as Tally's GCP reader amortizes the export; the fee rows keep
// the unused part, and the truth's commitment says the same: its total is
// the fees, its used part what went to the covered rows.
func TestGCPCUDAmortized(t *testing.T) {
	rows := readGCP(t, fixtureMan.GCP.Resource)
	effs := gcpAmortized(t, fixtureMan.GCP.Resource)
	fees, unused, shares := tally.Zero("USD"), tally.Zero("USD"), tally.Zero("USD")
	covered := 0
	for i, r := range rows {
		if strings.HasPrefix(r.SKU.Description, "Commitment v1:") {
			fees, unused = mustAdd(fees, gcpNet(t, r)), mustAdd(unused, effs[i])
			continue
		}
		for _, c := range r.Credits {
			if c.Type == "COMMITTED_USAGE_DISCOUNT" {
				covered++
				share, err := effs[i].Sub(gcpNet(t, r))
				if err != nil {
					t.Fatal(err)
				}
				if share.Sign() <= 0 {
					t.Errorf("%s %s at %s: amortized %s, net %s: no share of the CUD's fee", r.Resource.Name, r.SKU.Description,
						time.Time(r.UsageStartTime).Format(time.RFC3339), effs[i], gcpNet(t, r))
				}
				shares = mustAdd(shares, share)
				break
			}
		}
	}
	used, err := fees.Sub(unused)
	if err != nil {
		t.Fatal(err)
	}
	if covered == 0 || fees.Sign() <= 0 || !used.Equal(shares) {
		t.Fatalf("%d covered rows; fees %s, unused %s: used %s, but the covered rows got %s", covered, fees, unused, used, shares)
	}
	for _, c := range fixtureTr.Commitments {
		if c.Kind != tally.CommitCUDResource {
			continue
		}
		if c.Total != fees.Decimal() || c.Used != used.Decimal() {
			t.Errorf("truth: %s used of %s, the reader: %s of %s", c.Used, c.Total, used.Decimal(), fees.Decimal())
		}
		return
	}
	t.Error("the truth has no resource-based CUD")
}
