package attribution

import (
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// Input is everything attribution needs for a window of whole hours.
type Input struct {
	Window   tally.Window
	Lines    []tally.CostLine // lines whose charge period overlaps Window
	Clusters []tally.Cluster
	Nodes    []tally.Node // nodes alive at some time in Window
	Pods     []tally.Pod  // pods alive at some time in Window, with their containers
	Usage    []HourUsage  // measured usage per container-hour in Window
	Prices   []tally.InstancePrice
	// UnitPrices price, per vCPU, GiB and GPU, the GCP nodes whose
	// instance type has no price in Prices (custom machine types, families
	// whose shapes the catalog does not list), by the node's own shape.
	UnitPrices []tally.UnitPrice
	// BilledThrough holds, per billing account, the end of the last hour its
	// bill covers. Node-hours after it are estimated from Prices and flagged;
	// node-hours before it take their cost from the bill only.
	BilledThrough map[string]time.Time
	// BillingCurrency holds, per billing account, the currency it is
	// billed in (its latest bill's). A node-hour is estimated only from a
	// price in its account's currency; an account missing here takes the
	// currency of its lines in Lines, if it has any.
	BillingCurrency map[string]tally.Currency
	// Report is the hours of Window that Run's Summary counts (hours,
	// allocations, node-hours and warnings); zero means all of Window. Run
	// still computes and emits every hour of Window: the job also computes
	// hours it was not asked for (a day's hours whose stack costs are only
	// in its daily sum), and its summary counts those it was asked for.
	Report tally.Window
}

// HourUsage is a container's measured usage in one hour, from cgroup counters.
type HourUsage struct {
	Cluster           tally.ClusterID
	PodUID            string
	Container         string
	Hour              tally.Hour
	CPUCoreSeconds    float64
	MemoryByteSeconds float64 // working set integrated over the observed seconds
	MemoryMaxBytes    int64
}

type usageKey struct {
	cluster   tally.ClusterID
	pod       string
	container string
	hour      tally.Hour
}

// index holds Input organized for lookups.
type index struct {
	clusters map[tally.ClusterID]*tally.Cluster
	byName   map[string]*tally.Cluster // cluster ID and name → cluster
	// byNormalName is byName with names normalized like tag keys, for
	// cluster names carried inside keys (kubernetes.io/cluster/NAME).
	byNormalName map[string]*tally.Cluster
	instances    map[string][]*tally.Node // instance key → nodes (one per lifetime)
	nodePods     map[nodeKey][]*tally.Pod
	usage        map[usageKey]*HourUsage
	prices       map[priceKey][]*tally.InstancePrice // by effective date
	units        map[unitKey][]*tally.UnitPrice      // by effective date
	currency     map[string]tally.Currency           // billing account → the currency it is billed in
	// taggedCluster caches, per node line, the cluster its tags name ("":
	// none known), for lines that span several hours.
	taggedCluster map[*tally.CostLine]tally.ClusterID
}

type nodeKey struct {
	cluster tally.ClusterID
	name    string
}

// priceKey is a price's key; zone is "" for a price of the whole region.
type priceKey struct {
	provider, region, instanceType, option, os, zone string
}

// unitKey is a unit price's key; family is a GPU model's gpuKey for unit
// gpu.
type unitKey struct {
	provider, region, family, unit, option string
}

func newIndex(in *Input) *index {
	ix := &index{
		clusters:     make(map[tally.ClusterID]*tally.Cluster, len(in.Clusters)),
		byName:       make(map[string]*tally.Cluster, 2*len(in.Clusters)),
		byNormalName: make(map[string]*tally.Cluster, 2*len(in.Clusters)),
		instances:    make(map[string][]*tally.Node, len(in.Nodes)),
		nodePods:     make(map[nodeKey][]*tally.Pod, len(in.Nodes)),
		usage:        make(map[usageKey]*HourUsage, len(in.Usage)),
		prices:       make(map[priceKey][]*tally.InstancePrice, len(in.Prices)),
		units:        make(map[unitKey][]*tally.UnitPrice, len(in.UnitPrices)),
		currency:     make(map[string]tally.Currency, len(in.BillingCurrency)),

		taggedCluster: map[*tally.CostLine]tally.ClusterID{},
	}
	for i := range in.Lines {
		if l := &in.Lines[i]; l.BilledCost.Currency() != "" {
			ix.currency[l.BillingAccountID] = l.BilledCost.Currency()
		}
	}
	for acct, cur := range in.BillingCurrency {
		ix.currency[acct] = cur
	}
	for i := range in.Clusters {
		c := &in.Clusters[i]
		ix.clusters[c.ID] = c
		for _, n := range []string{string(c.ID), c.Name} {
			if n != "" {
				ix.byName[n] = c
				ix.byNormalName[normalizeKey(n)] = c
			}
		}
	}
	for i := range in.Nodes {
		n := &in.Nodes[i]
		if k := instanceKey(n.InstanceID); k != "" {
			ix.instances[k] = append(ix.instances[k], n)
		}
	}
	for i := range in.Pods {
		p := &in.Pods[i]
		k := nodeKey{p.Ref.Cluster, p.NodeName}
		ix.nodePods[k] = append(ix.nodePods[k], p)
	}
	for i := range in.Usage {
		u := &in.Usage[i]
		ix.usage[usageKey{u.Cluster, u.PodUID, u.Container, u.Hour}] = u
	}
	for i := range in.Prices {
		p := &in.Prices[i]
		k := priceKey{p.Provider, p.Region, p.InstanceType, p.PurchaseOption, p.CatalogOS(), p.Zone}
		ix.prices[k] = append(ix.prices[k], p)
	}
	for _, ps := range ix.prices {
		slices.SortStableFunc(ps, func(a, b *tally.InstancePrice) int { return a.EffectiveFrom.Compare(b.EffectiveFrom) })
	}
	for i := range in.UnitPrices {
		u := &in.UnitPrices[i]
		k := unitKey{u.Provider, u.Region, u.Family, u.Unit, u.PurchaseOption}
		if u.Unit == tally.UnitGPU {
			k.family = gpuKey(u.Family)
		}
		ix.units[k] = append(ix.units[k], u)
	}
	for _, us := range ix.units {
		slices.SortStableFunc(us, func(a, b *tally.UnitPrice) int { return a.EffectiveFrom.Compare(b.EffectiveFrom) })
	}
	return ix
}

// unit returns k's unit price in effect at the start of h, as price does.
func (ix *index) unit(k unitKey, h tally.Hour) *tally.UnitPrice {
	us := ix.units[k]
	if len(us) == 0 {
		return nil
	}
	i, _ := slices.BinarySearchFunc(us, h.Start(), func(u *tally.UnitPrice, t time.Time) int {
		if u.EffectiveFrom.After(t) {
			return 1
		}
		return -1
	})
	return us[max(i-1, 0)]
}

// price returns k's price in effect at the start of h: the latest that took
// effect by then or, for an hour before the first, the first.
func (ix *index) price(k priceKey, h tally.Hour) *tally.InstancePrice {
	ps := ix.prices[k]
	if len(ps) == 0 {
		return nil
	}
	i, _ := slices.BinarySearchFunc(ps, h.Start(), func(p *tally.InstancePrice, t time.Time) int {
		if p.EffectiveFrom.After(t) {
			return 1
		}
		return -1
	})
	// ps[i] is the first that takes effect after the hour starts.
	return ps[max(i-1, 0)]
}

// zonePrice returns, as price does, the price of region key k for a node
// in zone: the zone's own (AWS spot) when one took effect by h, else the
// region's (for AWS spot, the mean over its zones); the zone's first when
// the region has none.
func (ix *index) zonePrice(k priceKey, zone string, h tally.Hour) *tally.InstancePrice {
	region := ix.price(k, h)
	if zone == "" {
		return region
	}
	zk := k
	zk.zone = zone
	if p := ix.price(zk, h); p != nil && (region == nil || !p.EffectiveFrom.After(h.Start())) {
		return p
	}
	return region
}

// instanceKey normalizes an instance id or a billing resource id for
// matching: the last path segment ("i-0abc" from an ARN or "i-0abc" itself,
// "gke-node-1" from a GCE resource path).
func instanceKey(id string) string {
	return id[strings.LastIndexByte(id, '/')+1:]
}

// nodeFor returns the node whose instance key matches id and whose lifetime
// overlaps h the longest, or, when none overlaps it, the one whose lifetime
// is nearest to h (a node that ends or starts at h's boundary does not
// overlap it, so it never beats one that does). When nodes of more than one
// cluster overlap h it returns nil and contested: an instance runs in one
// cluster at a time, so one of the claims is false (an agent token of one
// cluster reporting another's instance), and taking either would let one
// cluster take another's bill.
//
// The nodes are those of the input, which Job loads per UTC day: a node
// takes its instance's lines in hours of its days only, which stores rely
// on to know which hours writing a node changes.
func (ix *index) nodeFor(id string, h tally.Hour) (n *tally.Node, contested bool) {
	key := instanceKey(id)
	if ix.contested(key, h) {
		return nil, true
	}
	var best *tally.Node
	var bestOverlap, bestGap time.Duration
	for _, n := range ix.instances[key] {
		life := n.Lifetime(h.End().Add(time.Hour))
		overlap := h.Window().Overlap(life)
		gap := time.Duration(0)
		switch {
		case overlap > 0:
		case !life.End.After(h.Start()):
			gap = h.Start().Sub(life.End)
		default:
			gap = max(life.Start.Sub(h.End()), 0)
		}
		if best == nil || overlap > bestOverlap || overlap == 0 && bestOverlap == 0 && gap < bestGap {
			best, bestOverlap, bestGap = n, overlap, gap
		}
	}
	return best, false
}

// contested reports whether nodes of more than one cluster ran the
// instance with key in hour h.
func (ix *index) contested(key string, h tally.Hour) bool {
	var first tally.ClusterID
	for _, n := range ix.instances[key] {
		if h.Window().Overlap(n.Lifetime(h.End())) <= 0 {
			continue
		}
		if first == "" {
			first = n.Cluster
		} else if n.Cluster != first {
			return true
		}
	}
	return false
}

// claimants lists, sorted, the clusters whose nodes ran the instance with
// key in hour h.
func (ix *index) claimants(key string, h tally.Hour) []string {
	var out []string
	for _, n := range ix.instances[key] {
		if h.Window().Overlap(n.Lifetime(h.End())) > 0 && !slices.Contains(out, string(n.Cluster)) {
			out = append(out, string(n.Cluster))
		}
	}
	slices.Sort(out)
	return out
}
