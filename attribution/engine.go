package attribution

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// Engine attributes billed cost to containers, hour by hour.
type Engine struct {
	policy Policy
}

// NewEngine returns an engine with policy p (zero fields take DefaultPolicy's).
func NewEngine(p Policy) *Engine {
	d := DefaultPolicy()
	if p.Share == "" {
		p.Share = d.Share
	}
	if p.NamespaceTags == nil {
		p.NamespaceTags = d.NamespaceTags
	}
	if p.ServiceTags == nil {
		p.ServiceTags = d.ServiceTags
	}
	if p.ClusterTags == nil {
		p.ClusterTags = d.ClusterTags
	}
	if p.OwnerTags == nil {
		p.OwnerTags = d.OwnerTags
	}
	return &Engine{policy: p}
}

// Share is the share basis the engine allocates node pools by.
func (e *Engine) Share() ShareBasis { return e.policy.Share }

// Summary reports what a run did and what it could not match.
type Summary struct {
	Hours             int
	Allocations       int
	EstimatedNodeHrs  int      // node-hours priced from the catalog (no bill yet)
	UnbilledNodeHours int      // node-hours in billed time with no bill line: cost 0
	UnpricedNodeHours int      // node-hours to estimate with no catalog price: cost 0
	Warnings          []string // one line per distinct problem
	// Saved counts the hours Job computed and saved (the stale ones, or
	// every one with force, and those of their days whose stack costs were
	// only in a daily sum); the engine leaves it 0. Hours counts the hours
	// of w that Job computed.
	Saved int
}

// Run attributes every hour of in.Window and calls emit with each hour's
// allocations, in hour order; its Summary counts the hours of in.Report. For every hour, the allocations of each billing
// account sum exactly to the account's billed cost in that hour (on all three
// bases), plus estimates for node-hours the bill does not cover yet.
func (e *Engine) Run(in Input, emit func(h tally.Hour, allocs []tally.Allocation) error) (Summary, error) {
	var sum Summary
	if in.Window.Start.Truncate(time.Hour) != in.Window.Start || in.Window.End.Truncate(time.Hour) != in.Window.End {
		return sum, tally.Errorf(tally.EInvalid, "attribution window %v: must start and end on the hour", in.Window)
	}
	ix := newIndex(&in)
	parts, err := spreadAll(in.Lines, in.Window)
	if err != nil {
		return sum, err
	}
	report := in.Report
	if report == (tally.Window{}) {
		report = in.Window
	}
	// cur is where the hour being computed is counted: sum, or a scratch
	// summary for hours outside report.
	var cur *Summary
	warned := map[string]bool{}
	warn := func(format string, args ...any) {
		if cur != &sum {
			return
		}
		msg := fmt.Sprintf(format, args...)
		if !warned[msg] {
			warned[msg] = true
			sum.Warnings = append(sum.Warnings, msg)
		}
	}
	for _, h := range in.Window.Hours() {
		var scratch Summary
		cur = &sum
		if !report.Contains(h.Start()) {
			cur = &scratch
		}
		allocs, err := e.hour(ix, &in, h, parts[h], cur, warn)
		if err != nil {
			return sum, fmt.Errorf("attribute %v: %w", h, err)
		}
		cur.Hours++
		cur.Allocations += len(allocs)
		if err := emit(h, allocs); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func spreadAll(lines []tally.CostLine, w tally.Window) (map[tally.Hour][]linePart, error) {
	out := make(map[tally.Hour][]linePart)
	for i := range lines {
		ps, err := spreadLine(&lines[i], w)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out[p.hour] = append(out[p.hour], p)
		}
	}
	return out, nil
}

// hour attributes one hour.
func (e *Engine) hour(ix *index, in *Input, h tally.Hour, parts []linePart, sum *Summary, warn func(string, ...any)) ([]tally.Allocation, error) {
	allocs := make([]tally.Allocation, 0, 2*len(in.Pods)+6*len(in.Nodes)+len(parts))
	emit := func(a tally.Allocation) { allocs = append(allocs, a) }

	costs := map[*tally.Node]*nodeCost{}
	denied := map[*tally.Node]bool{} // nodes whose instance's lines name another cluster
	other := map[otherKey]*tally.Allocation{}
	for i := range parts {
		p := &parts[i]
		if p.line.ChargeCategory == tally.ChargeUsage && p.line.ResourceID != "" {
			n, _ := ix.nodeFor(p.line.ResourceID, h)
			if n != nil && e.billedElsewhere(ix, n, p.line, warn) {
				denied[n] = true
				n = nil
			}
			if n != nil {
				c := costs[n]
				if c == nil {
					c = &nodeCost{account: p.line.BillingAccountID}
					costs[n] = c
				}
				if err := c.add(p); err != nil {
					return nil, fmt.Errorf("node %s: %w", n.Name, err)
				}
				continue
			}
		}
		if err := e.addOther(ix, other, p); err != nil {
			return nil, err
		}
	}

	for i := range in.Nodes {
		n := &in.Nodes[i]
		c, billed := costs[n]
		alive := h.Window().Overlap(n.Lifetime(h.End())) > 0
		if !billed && (!alive || denied[n]) {
			continue
		}
		if k := instanceKey(n.InstanceID); !billed && k != "" && ix.contested(k, h) {
			// Its bill lines went to addOther, like a line no node claims;
			// estimating it would put cost back on one claimant.
			warn("instance %s is claimed by nodes of clusters %s in the same hour: its cost is attributed to none of them "+
				"(check the agent tokens of those clusters)", k, strings.Join(ix.claimants(k, h), ", "))
			continue
		}
		if !billed {
			var ok bool
			if c, ok = e.estimate(ix, in, n, h, sum, warn); !ok {
				continue
			}
		}
		if err := e.allocateNodeHour(ix, n, h, c, emit); err != nil {
			return nil, err
		}
	}

	keys := make([]otherKey, 0, len(other))
	for k := range other {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	for _, k := range keys {
		allocs = append(allocs, *other[k])
	}
	return allocs, nil
}

// estimate prices a node-hour the bill does not cover from the catalog, at
// the price of the node's zone when the catalog has one (AWS spot), else at
// its region's (saying so for AWS spot, whose regional price is the mean
// over the zones). In billed time a missing line means cost 0 (and a
// warning): inventing cost there would break reconciliation.
func (e *Engine) estimate(ix *index, in *Input, n *tally.Node, h tally.Hour, sum *Summary, warn func(string, ...any)) (*nodeCost, bool) {
	cl := ix.clusters[n.Cluster]
	if cl == nil || cl.BillingAccountID == "" {
		warn("cluster %s has no billing account: its unbilled node-hours are not estimated until a bill of one of its nodes' instances is ingested, or it is given one (tally cluster set)", n.Cluster)
		return nil, false
	}
	if through, ok := in.BilledThrough[cl.BillingAccountID]; ok && !h.End().After(through) {
		sum.UnbilledNodeHours++
		warn("node %s (instance %s) has no line in the bill of account %s: its billed hours cost 0", n.Name, n.InstanceID, cl.BillingAccountID)
		return nil, false
	}
	provider := providerOf(n, ix)
	option := tally.PurchaseOnDemand
	if n.Lifecycle == tally.LifecycleSpot {
		option = tally.PurchaseSpot
	}
	own, priced := n.CatalogOS()
	if !priced {
		warn("node %s: the price catalog does not price platform %s: its unbilled hours are estimated at the %s price, without that licence",
			n.Name, n.UsageOperation, own)
	}
	os := own
	// at is the price of an option for the node's zone, else its region's.
	at := func(option string) *tally.InstancePrice {
		return ix.zonePrice(priceKey{provider, n.Region, n.InstanceType, option, os, ""}, n.Zone, h)
	}
	hasPrice := func() bool { return at(option) != nil || at(tally.PurchaseOnDemand) != nil }
	if os != tally.OSLinux && !hasPrice() {
		// Without its own price, the price of the system without SQL Server
		// (Windows for Windows with SQL Server), else Linux's.
		licence := own
		if os = tally.WithoutSQLServer(own); os == "" || !hasPrice() {
			os = tally.OSLinux
		} else {
			licence = "SQL Server"
		}
		if hasPrice() {
			warn("no %s price for %s %s in %s: unbilled hours of node %s are estimated at the %s price, without the %s licence",
				own, provider, n.InstanceType, n.Region, n.Name, os, licence)
		}
	}
	price := at(option)
	od := at(tally.PurchaseOnDemand)
	if price == nil {
		price = od
		if price != nil && option != tally.PurchaseOnDemand {
			warn("no %s price for %s %s in %s: unbilled hours of %s node %s are estimated at the on-demand price", option, provider,
				n.InstanceType, n.Region, option, n.Name)
		}
	}
	if price != nil && price.PurchaseOption == tally.PurchaseSpot && price.Zone == "" && provider == tally.ProviderAWS {
		// AWS prices spot per zone; the region's spot price is their mean.
		if n.Zone == "" {
			warn("spot node %s has no zone (topology.kubernetes.io/zone): its unbilled hours are estimated at the mean spot price "+
				"of %s %s over the zones of %s", n.Name, provider, n.InstanceType, n.Region)
		} else {
			warn("no spot price for %s %s in zone %s: unbilled hours of its spot nodes there are estimated at the mean spot price "+
				"over the zones of %s", provider, n.InstanceType, n.Zone, n.Region)
		}
	}
	if price == nil && provider == tally.ProviderGCP {
		return e.estimateFromUnits(ix, cl, n, h, option, sum, warn)
	}
	if price == nil {
		sum.UnpricedNodeHours++
		warn("no catalog price for %s %s in %s: unbilled hours of node %s cost 0", provider, n.InstanceType, n.Region, n.Name)
		return nil, false
	}
	if cur, ok := ix.currency[cl.BillingAccountID]; ok && price.HourlyPrice.Currency() != cur {
		// Estimated in the catalog's currency, the hour would hold rows in
		// two currencies for one bill: no sum of them means anything.
		sum.UnpricedNodeHours++
		warn("catalog prices of %s %s in %s are in %s, but account %s is billed in %s: unbilled hours of node %s are not estimated "+
			"(cost 0 until the bill lands); %s", provider, n.InstanceType, n.Region, price.HourlyPrice.Currency(), cl.BillingAccountID, cur, n.Name,
			syncIn(provider, cur))
		return nil, false
	}
	ms := uint64(h.Window().Overlap(n.Lifetime(h.End())) / time.Millisecond)
	cost, err := price.HourlyPrice.MulRatio(ms, uint64(time.Hour/time.Millisecond))
	if err != nil {
		return nil, false
	}
	list := cost
	if od != nil {
		list, _ = od.HourlyPrice.MulRatio(ms, uint64(time.Hour/time.Millisecond))
	}
	sum.EstimatedNodeHrs++
	return &nodeCost{account: cl.BillingAccountID, effective: cost, billed: cost, list: list, estimated: true}, true
}

// syncIn says how to get provider's catalog prices in currency cur.
func syncIn(provider string, cur tally.Currency) string {
	switch {
	case provider == tally.ProviderGCP:
		return fmt.Sprintf("run `tally pricing sync gcp --currency %s` to price them in %s", cur, cur)
	case provider == tally.ProviderAWS && cur == "USD":
		return "run `tally pricing sync aws` to price them in USD"
	}
	return fmt.Sprintf("the %s catalog has no prices in %s", provider, cur)
}

// otherKey groups the parts of non-node lines into allocation rows. Lines
// with different tags are different rows: a row carries its lines' tags as
// labels, and lines without a resource id can belong to different owners.
type otherKey struct {
	account, cluster, namespace, container, kind, service, resource, tags string
}

func (k otherKey) less(o otherKey) bool {
	a := [...]string{k.account, k.cluster, k.namespace, k.container, k.kind, k.service, k.resource, k.tags}
	b := [...]string{o.account, o.cluster, o.namespace, o.container, o.kind, o.service, o.resource, o.tags}
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func (e *Engine) addOther(ix *index, rows map[otherKey]*tally.Allocation, p *linePart) error {
	l := p.line
	o := e.classify(ix, l)
	k := otherKey{account: l.BillingAccountID, cluster: string(o.cluster), namespace: o.namespace, container: o.container,
		kind: o.kind, service: l.ServiceName, resource: l.ResourceID, tags: tagsKey(l.Tags)}
	a := rows[k]
	if a == nil {
		a = &tally.Allocation{BillingAccountID: k.account, Hour: p.hour, Cluster: o.cluster, Namespace: o.namespace,
			Container: o.container, CostKind: o.kind, Service: l.ServiceName, ResourceID: l.ResourceID, Labels: l.Tags,
			EffectiveCost: tally.Zero(l.Currency()), BilledCost: tally.Zero(l.Currency()), ListCost: tally.Zero(l.Currency())}
		rows[k] = a
	}
	var err error
	if a.EffectiveCost, err = a.EffectiveCost.Add(p.effective); err != nil {
		return fmt.Errorf("line %s: %w", l.ResourceID, err)
	}
	if a.BilledCost, err = a.BilledCost.Add(p.billed); err != nil {
		return err
	}
	a.ListCost, err = a.ListCost.Add(p.list)
	return err
}

// tagsKey encodes tags in a canonical form (sorted by key) for otherKey.
func tagsKey(tags map[string]string) string {
	if len(tags) == 0 {
		return ""
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(tags[k])
		b.WriteByte(0)
	}
	return b.String()
}
