package demo

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// Truth is the ground truth the generator used (truth.json): what Tally's
// answers are checked against. Amounts are exact decimal strings in
// Currency.
type Truth struct {
	Version   int                     `json:"version"`
	Seed      uint64                  `json:"seed"`
	Days      int                     `json:"days"`
	Start     time.Time               `json:"start"`
	End       time.Time               `json:"end"`
	Currency  string                  `json:"currency"`
	Model     AllocationModel         `json:"model"`
	OwnerTags map[string]OwnerTagKeys `json:"ownerTags"`

	BillingAccounts []TruthAccount    `json:"billingAccounts"`
	Clusters        []TruthCluster    `json:"clusters"`
	Namespaces      []TruthNamespace  `json:"namespaces"`
	Workloads       []TruthWorkload   `json:"workloads"`
	Nodes           []TruthNode       `json:"nodes"`
	Commitments     []TruthCommitment `json:"commitments"`
	Regression      TruthRegression   `json:"regression"`
	OOM             TruthOOM          `json:"oom"`
	XSS             TruthXSS          `json:"xss"`
	Totals          []TruthTotal      `json:"totals"` // per billing account over the window
	Daily           []TruthDay        `json:"daily"`
}

// AllocationModel states the rules the truth was computed with, so an
// implementation can check it applies the same ones.
type AllocationModel struct {
	Basis        string   `json:"basis"`
	Rules        []string `json:"rules"`
	CPUUnitPrice float64  `json:"cpuUnitPrice"` // relative price per vCPU-hour (attribution.DefaultUnitPrices)
	RAMUnitPrice float64  `json:"ramUnitPrice"` // relative price per GiB-hour
}

// OwnerTagKeys are the tag or label keys that name a cost's owner in one
// source's format.
type OwnerTagKeys struct {
	Namespace []string `json:"namespace"`
	Team      []string `json:"team"`
	Cluster   []string `json:"cluster"`
}

// TruthAccount is a billing account and its sub-accounts.
type TruthAccount struct {
	ID          string            `json:"id"`
	Provider    string            `json:"provider"`
	Name        string            `json:"name"`
	SubAccounts map[string]string `json:"subAccounts"` // id → name
	Sources     []string          `json:"sources"`     // ingest sources that carry its charges
}

// TruthCluster is a cluster and where its costs are billed.
type TruthCluster struct {
	ID                     tally.ClusterID `json:"id"`
	Provider               string          `json:"provider"`
	Region                 string          `json:"region"`
	BillingAccountID       string          `json:"billingAccountId"`
	SubAccountID           string          `json:"subAccountId"`
	ControlPlaneResourceID string          `json:"controlPlaneResourceId"`
}

// TruthNamespace is a namespace and its owning team.
type TruthNamespace struct {
	Name     string            `json:"name"`
	Team     string            `json:"team"`
	Clusters []tally.ClusterID `json:"clusters"`
}

// TruthWorkload is a workload's cost and usage over the window.
type TruthWorkload struct {
	Cluster         tally.ClusterID `json:"cluster"`
	Namespace       string          `json:"namespace"`
	Kind            string          `json:"kind"`
	Name            string          `json:"name"`
	Cost            string          `json:"cost"`
	CPURequestCores float64         `json:"cpuRequestCores"`    // per pod
	MemoryRequest   int64           `json:"memoryRequestBytes"` // per pod
	AvgCPUCores     float64         `json:"avgCpuCoresPerPod"`
	AvgMemoryBytes  float64         `json:"avgMemoryBytesPerPod"`
	PeakMemoryBytes int64           `json:"peakMemoryBytes"`
	PodHours        float64         `json:"podHours"`
	OverProvisioned bool            `json:"overProvisioned"`
	OOMProne        bool            `json:"oomProne"`
	Profiled        bool            `json:"profiled"`
	// Scheduling are the constraints its pods declare (the agents send
	// them): never null, empty when it declares none.
	Scheduling *tally.PodScheduling `json:"scheduling"`
	// Autoscaling is what scales its replica count (the agents send it):
	// never null, {"hpa": …} for the Deployments an HPA scales on CPU,
	// empty for the others.
	Autoscaling *tally.PodAutoscaling `json:"autoscaling"`
}

// TruthNode is a node over its life, with the weights that split its cost.
type TruthNode struct {
	Cluster           tally.ClusterID `json:"cluster"`
	Name              string          `json:"name"`
	ProviderID        string          `json:"providerID"`
	InstanceID        string          `json:"instanceId"`
	InstanceType      string          `json:"instanceType"`
	Pool              string          `json:"pool"`
	Lifecycle         string          `json:"lifecycle"`
	Zone              string          `json:"zone"`
	Launch            time.Time       `json:"launch"`
	Ready             time.Time       `json:"ready"`
	Terminated        time.Time       `json:"terminated,omitzero"`
	AllocatableCPU    float64         `json:"allocatableCpuCores"`
	AllocatableMemory int64           `json:"allocatableMemoryBytes"`
	CPUWeight         uint64          `json:"cpuPoolWeight"`
	RAMWeight         uint64          `json:"ramPoolWeight"`
}

// TruthCommitment is a commitment and its utilization over the window.
type TruthCommitment struct {
	tally.Commitment
	Name        string  `json:"name"`
	Utilization float64 `json:"utilization"` // used / total commitment over the window
	Used        string  `json:"used"`
	Total       string  `json:"total"`
}

// TruthRegression is the deploy that made one function more expensive.
type TruthRegression struct {
	Cluster          tally.ClusterID `json:"cluster"`
	Namespace        string          `json:"namespace"`
	Workload         string          `json:"workload"`
	Container        string          `json:"container"`
	Function         string          `json:"function"`
	DeployedAt       time.Time       `json:"deployedAt"`
	Day              string          `json:"day"`
	ImageBefore      string          `json:"imageBefore"`
	ImageAfter       string          `json:"imageAfter"`
	CPUFactor        float64         `json:"cpuFactor"` // the container's CPU per unit of load, after / before
	SelfShareBefore  float64         `json:"selfShareBefore"`
	SelfShareAfter   float64         `json:"selfShareAfter"`
	TotalShareBefore float64         `json:"totalShareBefore"`
	TotalShareAfter  float64         `json:"totalShareAfter"`
}

// TruthOOM is the under-provisioned workload that gets OOM-killed.
type TruthOOM struct {
	Cluster       tally.ClusterID `json:"cluster"`
	Namespace     string          `json:"namespace"`
	Workload      string          `json:"workload"`
	Container     string          `json:"container"`
	MemoryRequest int64           `json:"memoryRequestBytes"`
	MemoryLimit   int64           `json:"memoryLimitBytes"`
	Kills         int             `json:"kills"`
	FirstKill     time.Time       `json:"firstKill,omitzero"`
	LastKill      time.Time       `json:"lastKill,omitzero"`
	DaysWithKills int             `json:"daysWithKills"`
}

// TruthXSS is where the hostile label value is.
type TruthXSS struct {
	Cluster    tally.ClusterID `json:"cluster"`
	Namespace  string          `json:"namespace"`
	Workload   string          `json:"workload"`
	LabelKey   string          `json:"labelKey"`
	Annotation string          `json:"annotationKey"`
	Value      string          `json:"value"`
}

// TruthTotal is a billing account's totals over the window.
type TruthTotal struct {
	BillingAccountID string `json:"billingAccountId"`
	Billed           string `json:"billed"`
	Amortized        string `json:"amortized"`
	List             string `json:"list"`
}

// TruthDay is one day of one billing account. Namespaces + Teams + Idle +
// Shared + Unallocated = Amortized exactly.
type TruthDay struct {
	Day              string                              `json:"day"`
	BillingAccountID string                              `json:"billingAccountId"`
	Billed           string                              `json:"billed"`
	Amortized        string                              `json:"amortized"`
	List             string                              `json:"list"`
	SubAccounts      map[string]TruthAmounts             `json:"subAccounts"`
	Namespaces       map[string]string                   `json:"namespaces"` // Kubernetes allocation in every cluster + namespace-tagged costs
	Teams            map[string]string                   `json:"teams"`      // costs tagged with a team but no namespace
	Idle             string                              `json:"idle"`
	Shared           string                              `json:"shared"` // control plane fees
	Unallocated      string                              `json:"unallocated"`
	Clusters         map[tally.ClusterID]TruthClusterDay `json:"clusters"`
	External         map[string]string                   `json:"external"` // non-Kubernetes costs by owner (ns:…, team:…, __unallocated__)
}

// TruthAmounts are a sub-account's totals.
type TruthAmounts struct {
	Billed    string `json:"billed"`
	Amortized string `json:"amortized"`
	List      string `json:"list"`
}

// TruthClusterDay is a cluster's Kubernetes allocation on one day.
type TruthClusterDay struct {
	Namespaces map[string]string `json:"namespaces"`
	Idle       string            `json:"idle"`
	Shared     string            `json:"shared"`
}

var allocationRules = []string{
	"Amortized cost of AWS lines: SavingsPlanCoveredUsage → savings_plan_savings_plan_effective_cost; SavingsPlanRecurringFee → savings_plan_total_commitment_to_date − savings_plan_used_commitment; SavingsPlanNegation, SavingsPlanUpfrontFee → 0; DiscountedUsage → reservation_effective_cost; RIFee → reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee; Fee with a reservation ARN → 0; else line_item_unblended_cost. FOCUS: EffectiveCost.",
	"GCP billed cost of a row = cost + Σ credits. Amortized alike, except for the resource-based CUD: each hour, the used part of its fee row (CPU, RAM) = fee × round(covered / committed × 1e9) / 1e9, at most the fee, where committed is the fee row's pricing quantity and covered Σ pricing quantity × min(CUD credit / cost, 1) of the usage rows the CUD covered (quantities as the export writes them); the used part goes to those rows in proportion to their CUD credits (differences of cumulative shares rounded half to even at 10⁻¹², in row order); the fee row keeps the rest (unused commitment).",
	"List cost of a line is what its export gives: CUR 2.0 pricing_public_on_demand_cost (fees, tax and credits have none: 0), FOCUS ListCost (BilledCost for purchases, tax and credits), GCP cost_at_list.",
	"A line whose charge period spans several hours (RIFee, Tax, Credit, Support, daily S3/GCS storage) is spread over its hours in proportion to its time in each (Money.Split); days are UTC.",
	"Node-hour cost = Σ amortized cost of the lines whose resource id is the node's instance id (AWS line_item_resource_id / FOCUS ResourceId = the providerID's i-…, GCP resource.name = the providerID's instance name) in that hour.",
	"Node-hour cost is split into CPU and RAM pools with Money.Split by weights round(vCPUs × cpuUnitPrice × 1e9) and round(memory capacity in GiB × ramUnitPrice × 1e9) (nodes[].cpuPoolWeight, ramPoolWeight): package attribution's default policy.",
	"Within a pool each container weighs max(request × seconds it ran in the hour, usage): CPU in micro-core-seconds (usage = cpuCoreSeconds), RAM in KiB-seconds (usage = average working set × seconds), rounded. A container runs for AgentUsage.Seconds of its interval. Host processes weigh nothing.",
	"__idle__ weighs max(capacity × seconds the node was alive in the hour − Σ claims, 0) (CPU cores, memory capacity bytes), so containers + idle = node cost exactly and idle ≥ 0; the node is alive while its agent reports (from Ready to termination); a billed hour before that is all idle.",
	"Costs outside nodes go to the namespace named by a namespace tag (see ownerTags), else to the team named by a team tag, else to __unallocated__; EKS/GKE control plane fees go to the cluster's shared costs. Unused commitments, fees, tax and credits are __unallocated__.",
}

// ownerTags are the keys each source format uses for owners.
func ownerTags() map[string]OwnerTagKeys {
	return map[string]OwnerTagKeys{
		"aws-cur":     {Namespace: []string{curTagKey(tagNamespace), curTagKey(tagPVCNS)}, Team: []string{curTagKey(tagTeam)}, Cluster: []string{curTagKey("eks:cluster-name")}},
		"focus":       {Namespace: []string{tagNamespace, tagPVCNS}, Team: []string{tagTeam}, Cluster: []string{"eks:cluster-name"}},
		"gcp-billing": {Namespace: []string{tagNamespace, labelPDNS}, Team: []string{tagTeam}, Cluster: []string{"goog-k8s-cluster-name"}},
	}
}

// buildTruth turns the accumulated truth into the document.
func (o *org) buildTruth(acc *truthAcc) *Truth {
	t := &Truth{Version: 1, Seed: o.seed, Days: int(o.end.Sub(o.start) / (24 * time.Hour)), Start: o.start, End: o.end, Currency: string(usd),
		Model: AllocationModel{Basis: string(tally.BasisAmortized), Rules: allocationRules,
			CPUUnitPrice: cpuUnitPrice, RAMUnitPrice: ramUnitPrice},
		OwnerTags: ownerTags()}
	t.BillingAccounts = []TruthAccount{
		{ID: o.payer.ID, Provider: tally.ProviderAWS, Name: o.payer.Name, SubAccounts: map[string]string{o.payer.ID: o.payer.Name, o.linked.ID: o.linked.Name},
			Sources: []string{"aws-cur", "focus"}},
		{ID: o.gcp.BillingID, Provider: tally.ProviderGCP, Name: o.gcp.BillingName, SubAccounts: map[string]string{o.gcp.ProjectID: o.gcp.ProjectName},
			Sources: []string{"gcp-billing"}},
	}
	nsClusters := map[string][]tally.ClusterID{}
	for _, c := range o.clusters {
		tc := TruthCluster{ID: c.ID, Provider: c.Provider, Region: c.Region, BillingAccountID: c.billingAccount}
		for _, e := range o.externals {
			if (e.kind == "eks" || e.kind == "gke") && e.cluster == c.ID {
				tc.ControlPlaneResourceID = e.id
			}
		}
		if c.AWS != nil {
			tc.SubAccountID = c.AWS.ID
		} else {
			tc.SubAccountID = o.gcp.ProjectID
		}
		t.Clusters = append(t.Clusters, tc)
		seen := map[string]bool{}
		for _, w := range c.Loads {
			if !seen[w.Namespace] {
				seen[w.Namespace] = true
				nsClusters[w.Namespace] = append(nsClusters[w.Namespace], c.ID)
			}
			wa := acc.workloads[w]
			tw := TruthWorkload{Cluster: c.ID, Namespace: w.Namespace, Kind: w.Kind, Name: w.Name, OverProvisioned: w.OverProv, OOMProne: w.OOMProne,
				Profiled: w.Profile != nil, CPURequestCores: podRequestCores(w), Scheduling: w.podScheduling(),
				Autoscaling: w.podAutoscaling()}
			for _, ct := range w.Containers {
				tw.MemoryRequest += ct.MemReq
			}
			tw.Cost = zero.Decimal()
			if wa != nil {
				tw.Cost = wa.cost.Decimal()
				tw.PodHours = round3(wa.podSeconds / 3600)
				if wa.podSeconds > 0 {
					tw.AvgCPUCores = round3(wa.cpuSec / wa.podSeconds)
					tw.AvgMemoryBytes = math.Round(wa.memByteSec / wa.podSeconds)
				}
				tw.PeakMemoryBytes = wa.memPeak
			}
			t.Workloads = append(t.Workloads, tw)
		}
		for _, n := range c.nodes {
			if !n.end(o.end).After(o.start) {
				continue
			}
			cw, rw := n.poolWeights()
			lc := tally.LifecycleOnDemand
			if n.pool.Spot {
				lc = tally.LifecycleSpot
			}
			t.Nodes = append(t.Nodes, TruthNode{Cluster: c.ID, Name: n.Name, ProviderID: n.ProviderID, InstanceID: n.InstanceID,
				InstanceType: n.typ.Name, Pool: n.pool.Name, Lifecycle: lc, Zone: n.Zone, Launch: n.Launch, Ready: n.Ready, Terminated: n.Term,
				AllocatableCPU: float64(n.allocCPU) / 1000, AllocatableMemory: n.allocMem, CPUWeight: cw, RAMWeight: rw})
		}
	}
	var nss []string
	for ns := range nsClusters {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	for _, ns := range nss {
		t.Namespaces = append(t.Namespaces, TruthNamespace{Name: ns, Team: o.teams[ns], Clusters: nsClusters[ns]})
	}
	for _, c := range o.commitments {
		tc := TruthCommitment{Commitment: c.describe(), Name: c.Name, Used: c.stats.used.Decimal(), Total: c.stats.total.Decimal()}
		if c.stats.total.Sign() > 0 {
			tc.Utilization = round4(c.stats.used.Float64() / c.stats.total.Float64())
		}
		t.Commitments = append(t.Commitments, tc)
	}
	t.Regression = o.regressionTruth()
	oom := o.workload(ClusterProd, "checkout", "cart")
	t.OOM = TruthOOM{Cluster: ClusterProd, Namespace: oom.Namespace, Workload: oom.Name, Container: oom.Containers[0].Name,
		MemoryRequest: oom.Containers[0].MemReq, MemoryLimit: oom.Containers[0].MemLim, Kills: acc.oomKills,
		FirstKill: acc.oomFirst, LastKill: acc.oomLast, DaysWithKills: len(acc.oomDays)}
	t.XSS = TruthXSS{Cluster: ClusterProd, Namespace: "notifications", Workload: "email-worker", LabelKey: "campaign",
		Annotation: "acme.io/owner-note", Value: XSSLabelValue}
	t.Daily, t.Totals = o.dailyTruth(acc)
	return t
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
func round4(v float64) float64 { return math.Round(v*10000) / 10000 }

// regressionTruth describes the regression and the function's share of
// the container's CPU samples before and after it.
func (o *org) regressionTruth() TruthRegression {
	r := o.regression
	w := r.w
	var total, self, incl float64
	for _, s := range profileTemplates[w.Profile.Template].stacks {
		total += s.weight
		if s.frames[len(s.frames)-1] == r.Function {
			self += s.weight
		}
		for _, f := range s.frames {
			if f == r.Function {
				incl += s.weight
				break
			}
		}
	}
	extra := (r.Factor - 1) * total
	before := w.Image + ":" + w.Versions[w.regressAt-1]
	after := w.Image + ":" + w.Versions[w.regressAt]
	return TruthRegression{Cluster: w.cluster.ID, Namespace: w.Namespace, Workload: w.Name, Container: r.Container, Function: r.Function,
		DeployedAt: r.at, Day: r.at.Format(time.DateOnly), ImageBefore: before, ImageAfter: after, CPUFactor: r.Factor,
		SelfShareBefore: round4(self / total), SelfShareAfter: round4((self + extra) / (total + extra)),
		TotalShareBefore: round4(incl / total), TotalShareAfter: round4((incl + extra) / (total + extra))}
}

// dayWork accumulates one day of one billing account.
type dayWork struct {
	ns, teams, ext          moneyMap
	idle, shared, unalloc   tally.Money
	clNS                    map[tally.ClusterID]moneyMap
	clIdle, clShared        map[tally.ClusterID]tally.Money
	billed, amortized, list tally.Money
	subs                    map[string]*[3]tally.Money // billed, amortized, list by sub-account
}

// dailyTruth assembles the per-day, per-billing-account truth.
func (o *org) dailyTruth(acc *truthAcc) ([]TruthDay, []TruthTotal) {
	type dayAcct struct {
		day  int
		acct string
	}
	work := map[dayAcct]*dayWork{}
	get := func(k dayAcct) *dayWork {
		w := work[k]
		if w == nil {
			w = &dayWork{ns: moneyMap{}, teams: moneyMap{}, ext: moneyMap{}, idle: zero, shared: zero, unalloc: zero,
				clNS: map[tally.ClusterID]moneyMap{}, clIdle: map[tally.ClusterID]tally.Money{}, clShared: map[tally.ClusterID]tally.Money{},
				billed: zero, amortized: zero, list: zero, subs: map[string]*[3]tally.Money{}}
			work[k] = w
		}
		return w
	}
	for k, v := range acc.alloc {
		w := get(dayAcct{k.day, k.account})
		switch {
		case k.owner == tally.IdleName:
			w.idle = add(w.idle, v)
			w.clIdle[k.cluster] = add(w.clIdle[k.cluster], v)
		case strings.HasPrefix(k.owner, "shared:"):
			w.shared = add(w.shared, v)
			w.clShared[k.cluster] = add(w.clShared[k.cluster], v)
		case strings.HasPrefix(k.owner, "team:"):
			w.teams.add(strings.TrimPrefix(k.owner, "team:"), v)
			w.ext.add(k.owner, v)
		case k.owner == tally.UnallocatedName:
			w.unalloc = add(w.unalloc, v)
			w.ext.add(k.owner, v)
		case strings.HasPrefix(k.owner, "ns:"):
			ns := strings.TrimPrefix(k.owner, "ns:")
			w.ns.add(ns, v)
			if k.cluster == "" {
				w.ext.add(k.owner, v)
			} else {
				if w.clNS[k.cluster] == nil {
					w.clNS[k.cluster] = moneyMap{}
				}
				w.clNS[k.cluster].add(ns, v)
			}
		}
	}
	// Totals: billed, amortized and list, by account and sub-account.
	for i, m := range []map[totalsKey]tally.Money{acc.billed, acc.amortized, acc.list} {
		for k, v := range m {
			w := get(dayAcct{k.day, k.account})
			tot := [3]*tally.Money{&w.billed, &w.amortized, &w.list}[i]
			*tot = add(*tot, v)
			s := w.subs[k.sub]
			if s == nil {
				s = &[3]tally.Money{zero, zero, zero}
				w.subs[k.sub] = s
			}
			s[i] = add(s[i], v)
		}
	}
	keys := make([]dayAcct, 0, len(work))
	for k := range work {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].day != keys[j].day {
			return keys[i].day < keys[j].day
		}
		return keys[i].acct < keys[j].acct
	})
	totals := map[string]*[3]tally.Money{}
	var out []TruthDay
	for _, k := range keys {
		w := work[k]
		d := TruthDay{Day: o.start.AddDate(0, 0, k.day).Format(time.DateOnly), BillingAccountID: k.acct,
			Billed: w.billed.Decimal(), Amortized: w.amortized.Decimal(), List: w.list.Decimal(),
			SubAccounts: map[string]TruthAmounts{}, Namespaces: decimals(w.ns), Teams: decimals(w.teams),
			Idle: w.idle.Decimal(), Shared: w.shared.Decimal(), Unallocated: w.unalloc.Decimal(),
			Clusters: map[tally.ClusterID]TruthClusterDay{}, External: decimals(w.ext)}
		for s, v := range w.subs {
			d.SubAccounts[s] = TruthAmounts{Billed: v[0].Decimal(), Amortized: v[1].Decimal(), List: v[2].Decimal()}
		}
		cls := map[tally.ClusterID]bool{}
		for c := range w.clNS {
			cls[c] = true
		}
		for c := range w.clIdle {
			cls[c] = true
		}
		for c := range w.clShared {
			cls[c] = true
		}
		for c := range cls {
			d.Clusters[c] = TruthClusterDay{Namespaces: decimals(w.clNS[c]), Idle: add(zero, w.clIdle[c]).Decimal(), Shared: add(zero, w.clShared[c]).Decimal()}
		}
		t := totals[k.acct]
		if t == nil {
			t = &[3]tally.Money{zero, zero, zero}
			totals[k.acct] = t
		}
		t[0], t[1], t[2] = add(t[0], w.billed), add(t[1], w.amortized), add(t[2], w.list)
		out = append(out, d)
	}
	var tt []TruthTotal
	for _, a := range []string{o.payer.ID, o.gcp.BillingID} {
		if t := totals[a]; t != nil {
			tt = append(tt, TruthTotal{BillingAccountID: a, Billed: t[0].Decimal(), Amortized: t[1].Decimal(), List: t[2].Decimal()})
		}
	}
	return out, tt
}

func decimals(m moneyMap) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v.Decimal()
	}
	return out
}
