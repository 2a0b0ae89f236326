package demo

import (
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tallyhq/tally"
)

// truthKey is one cell of the truth: a day, a billing account, a cluster
// ("" outside Kubernetes) and an owner: "ns:<namespace>", "team:<team>",
// "shared:<cluster>", tally.IdleName or tally.UnallocatedName.
type truthKey struct {
	day     int
	account string
	cluster tally.ClusterID
	owner   string
}

type totalsKey struct {
	day          int
	account, sub string
}

// workloadAcc accumulates a workload's cost and usage over the window.
type workloadAcc struct {
	cost                      tally.Money
	cpuSec, cpuReqSec         float64
	memByteSec, memReqByteSec float64
	memPeak                   int64
	podSeconds                float64
}

// truthAcc accumulates the truth; merging is exact, so order never matters.
type truthAcc struct {
	mu                      sync.Mutex
	alloc                   map[truthKey]tally.Money
	billed, amortized, list map[totalsKey]tally.Money
	workloads               map[*workload]*workloadAcc
	oomKills                int
	oomFirst, oomLast       time.Time
	oomDays                 map[string]bool
}

func newTruthAcc() *truthAcc {
	return &truthAcc{alloc: map[truthKey]tally.Money{}, billed: map[totalsKey]tally.Money{}, amortized: map[totalsKey]tally.Money{},
		list: map[totalsKey]tally.Money{}, workloads: map[*workload]*workloadAcc{}, oomDays: map[string]bool{}}
}

func addTo[K comparable](m map[K]tally.Money, k K, v tally.Money) {
	if old, ok := m[k]; ok {
		m[k] = add(old, v)
	} else {
		m[k] = add(zero, v)
	}
}

func (a *truthAcc) merge(b *truthAcc) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, v := range b.alloc {
		addTo(a.alloc, k, v)
	}
	for k, v := range b.billed {
		addTo(a.billed, k, v)
	}
	for k, v := range b.amortized {
		addTo(a.amortized, k, v)
	}
	for k, v := range b.list {
		addTo(a.list, k, v)
	}
	for w, v := range b.workloads {
		x := a.workloads[w]
		if x == nil {
			x = &workloadAcc{cost: zero}
			a.workloads[w] = x
		}
		x.cost = add(x.cost, v.cost)
		x.cpuSec += v.cpuSec
		x.cpuReqSec += v.cpuReqSec
		x.memByteSec += v.memByteSec
		x.memReqByteSec += v.memReqByteSec
		x.podSeconds += v.podSeconds
		x.memPeak = max(x.memPeak, v.memPeak)
	}
	a.oomKills += b.oomKills
	if !b.oomFirst.IsZero() && (a.oomFirst.IsZero() || b.oomFirst.Before(a.oomFirst)) {
		a.oomFirst = b.oomFirst
	}
	if b.oomLast.After(a.oomLast) {
		a.oomLast = b.oomLast
	}
	for d := range b.oomDays {
		a.oomDays[d] = true
	}
}

// spread assigns an amount charged over [start, end) to the days of the
// window, spread evenly over its hours (tally.Money.Split, so the parts sum
// exactly): the rule for lines whose charge period spans several hours.
func (o *org) spread(start, end time.Time, m tally.Money, fn func(day int, v tally.Money)) {
	d0 := int(start.Sub(o.start) / (24 * time.Hour))
	d1 := int((end.Sub(o.start) - 1) / (24 * time.Hour))
	if d0 == d1 || m.IsZero() {
		fn(d0, m)
		return
	}
	hours := int(end.Sub(start) / time.Hour)
	ws := make([]uint64, hours)
	for i := range ws {
		ws[i] = 1
	}
	parts := split(m, ws)
	byDay := map[int]tally.Money{}
	for i, p := range parts {
		d := int(start.Add(time.Duration(i)*time.Hour).Sub(o.start) / (24 * time.Hour))
		addTo(byDay, d, p)
	}
	days := make([]int, 0, len(byDay))
	for d := range byDay {
		days = append(days, d)
	}
	sort.Ints(days)
	for _, d := range days {
		fn(d, byDay[d])
	}
}

type nodeHourKey struct {
	n *node
	h int
}

// billTruth adds the bills' totals and their non-node lines to the truth,
// and returns the amortized cost of every node-hour.
func (o *org) billTruth(aws *awsBill, gcp *gcpBill, acc *truthAcc) map[nodeHourKey]tally.Money {
	nodeCost := map[nodeHourKey]tally.Money{}
	for _, l := range aws.lines {
		eff := amortizedAWS(l)
		// List cost as the line's export gives it: the payer's CUR 2.0 has
		// no public price for fees, tax and credits (0, or no
		// pricing_public_on_demand_cost), the linked account's FOCUS lists
		// them at their billed cost.
		list := l.public
		if l.acct == o.linked {
			list = focusListCost(l)
		}
		acct := l.acct.Payer.ID
		o.spread(l.start, l.end, l.unblended, func(d int, v tally.Money) { addTo(acc.billed, totalsKey{d, acct, l.acct.ID}, v) })
		o.spread(l.start, l.end, eff, func(d int, v tally.Money) { addTo(acc.amortized, totalsKey{d, acct, l.acct.ID}, v) })
		o.spread(l.start, l.end, list, func(d int, v tally.Money) { addTo(acc.list, totalsKey{d, acct, l.acct.ID}, v) })
		if l.node != nil {
			h := int(l.start.Sub(o.start) / time.Hour)
			addTo(nodeCost, nodeHourKey{l.node, h}, eff)
			continue
		}
		o.spread(l.start, l.end, eff, func(d int, v tally.Money) {
			addTo(acc.alloc, truthKey{d, acct, clusterOfOwner(l.owner), l.owner}, v)
		})
	}
	for _, r := range gcp.rows {
		net := r.net()
		acct, sub := o.gcp.BillingID, o.gcp.ProjectID
		o.spread(r.start, r.end, net, func(d int, v tally.Money) { addTo(acc.billed, totalsKey{d, acct, sub}, v) })
		o.spread(r.start, r.end, r.eff, func(d int, v tally.Money) { addTo(acc.amortized, totalsKey{d, acct, sub}, v) })
		o.spread(r.start, r.end, r.list, func(d int, v tally.Money) { addTo(acc.list, totalsKey{d, acct, sub}, v) })
		if r.node != nil {
			h := int(r.start.Sub(o.start) / time.Hour)
			addTo(nodeCost, nodeHourKey{r.node, h}, r.eff)
			continue
		}
		o.spread(r.start, r.end, r.eff, func(d int, v tally.Money) {
			addTo(acc.alloc, truthKey{d, acct, clusterOfOwner(r.owner), r.owner}, v)
		})
	}
	return nodeCost
}

func clusterOfOwner(owner string) tally.ClusterID {
	if c, ok := strings.CutPrefix(owner, "shared:"); ok {
		return tally.ClusterID(c)
	}
	return ""
}

// Weight scales of the allocation, as attribution uses them.
const (
	cpuScale = 1e6        // micro-core-seconds
	ramScale = 1.0 / 1024 // KiB-seconds
	poolUnit = 1e9        // unit-price weights
)

// scaled rounds a weight to the integer Money.Split takes.
func scaled(v, scale float64) uint64 {
	if v <= 0 || math.IsNaN(v) {
		return 0
	}
	return uint64(math.Round(v * scale))
}

// allocateNode splits each node-hour's amortized cost between the node's
// containers and __idle__ by DESIGN.md's rule as package attribution
// implements it (see AllocationModel).
func (o *org) allocateNode(n *node, ivs []interval, nodeCost map[nodeHourKey]tally.Money, acc *truthAcc) {
	cpuW, ramW := n.poolWeights()
	acct := n.c.billingAccount
	capCPU, capMem := float64(n.typ.VCPU), float64(n.typ.memoryCapacity())
	for _, iv := range ivs {
		c, ok := nodeCost[nodeHourKey{n, iv.h}]
		if !ok || iv.billed == 0 {
			continue
		}
		day := int(o.hourTime(iv.h).Sub(o.start) / (24 * time.Hour))
		pools := split(c, []uint64{cpuW, ramW})
		var pods []entry
		for _, e := range iv.entries {
			if e.p != nil {
				pods = append(pods, e)
			}
		}
		alive := iv.end.Sub(iv.start).Seconds()
		cw := make([]uint64, len(pods)+1)
		mw := make([]uint64, len(pods)+1)
		var cs, ms float64
		for i, e := range pods {
			spec := &e.p.w.Containers[e.ci]
			secs := float64(e.secs)
			cpu := math.Max(spec.CPUReq*secs, e.u.cpuSec)
			mem := math.Max(float64(spec.MemReq)*secs, float64(e.u.wsAvg)*secs)
			cw[i], mw[i] = scaled(cpu, cpuScale), scaled(mem, ramScale)
			cs += cpu
			ms += mem
		}
		cw[len(pods)] = scaled(math.Max(capCPU*alive-cs, 0), cpuScale)
		mw[len(pods)] = scaled(math.Max(capMem*alive-ms, 0), ramScale)
		if sumWeights(cw) == 0 {
			cw[len(pods)] = 1 // the agent was not running yet: all idle
		}
		if sumWeights(mw) == 0 {
			mw[len(pods)] = 1
		}
		cparts := split(pools[0], cw)
		mparts := split(pools[1], mw)
		for i, e := range pods {
			v := add(cparts[i], mparts[i])
			addTo(acc.alloc, truthKey{day, acct, n.c.ID, "ns:" + e.p.w.Namespace}, v)
			wa := acc.workloads[e.p.w]
			if wa == nil {
				wa = &workloadAcc{cost: zero}
				acc.workloads[e.p.w] = wa
			}
			spec := &e.p.w.Containers[e.ci]
			wa.cost = add(wa.cost, v)
			wa.cpuSec += e.u.cpuSec
			wa.cpuReqSec += spec.CPUReq * float64(e.secs)
			wa.memByteSec += float64(e.u.wsAvg) * float64(e.secs)
			wa.memReqByteSec += float64(spec.MemReq) * float64(e.secs)
			wa.memPeak = max(wa.memPeak, e.u.wsMax)
			if e.ci == 0 {
				wa.podSeconds += float64(e.secs)
			}
			if e.u.oomKills > 0 {
				acc.oomKills += e.u.oomKills
				t := iv.start
				if acc.oomFirst.IsZero() || t.Before(acc.oomFirst) {
					acc.oomFirst = t
				}
				if t.After(acc.oomLast) {
					acc.oomLast = t
				}
				acc.oomDays[t.Format(time.DateOnly)] = true
			}
		}
		addTo(acc.alloc, truthKey{day, acct, n.c.ID, tally.IdleName}, add(cparts[len(pods)], mparts[len(pods)]))
	}
}

func sumWeights(ws []uint64) uint64 {
	var s uint64
	for _, w := range ws {
		s += w
	}
	return s
}
