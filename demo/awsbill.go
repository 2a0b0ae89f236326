package demo

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/tallyhq/tally"
)

// awsBill is the AWS bill of the payer account (both usage accounts).
type awsBill struct {
	o     *org
	lines []*awsLine
}

func (b *awsBill) add(l *awsLine) *awsLine {
	l.seq = len(b.lines)
	if l.billType == "" {
		l.billType = "Anniversary"
	}
	b.lines = append(b.lines, l)
	return l
}

// segment is a piece of an on-demand instance-hour not yet covered by a
// commitment.
type segment struct {
	n      *node
	amount float64     // hours
	od     tally.Money // on-demand cost
}

// buildAWS generates the whole AWS bill of the window.
func (o *org) buildAWS() *awsBill {
	b := &awsBill{o: o}
	b.compute()
	b.commitmentFees()
	for _, e := range o.externals {
		if e.provider == tally.ProviderAWS {
			e.awsLines(o, b)
		}
	}
	b.monthly()
	sort.SliceStable(b.lines, func(i, j int) bool { return b.lines[i].start.Before(b.lines[j].start) })
	for i, l := range b.lines {
		l.seq = i
	}
	return b
}

// hoursOf returns the hour indexes of the window a node's instance ran in,
// with the seconds it ran in each.
func (o *org) billedHours(n *node) (first int, secs []int64) {
	from, to := n.Launch, n.end(o.end)
	if from.Before(o.start) {
		from = o.start
	}
	if !to.After(from) {
		return 0, nil
	}
	first = int(from.Sub(o.start) / time.Hour)
	last := int((to.Sub(o.start) - 1) / time.Hour)
	for h := first; h <= last; h++ {
		hs := o.hourTime(h)
		s := latest(from, hs)
		e := earliest(to, hs.Add(time.Hour))
		secs = append(secs, int64(e.Sub(s)/time.Second))
	}
	return first, secs
}

// spotPrice is the spot price of a type in a zone in hour h: it wanders
// around its mean and changes every six hours.
func (o *org) spotPrice(t *instanceType, zone string, h int) tally.Money {
	f := noise(0.06, o.seed, strHash(t.Name), strHash(zone), uint64(h/6))
	micros := uint64(math.Round(float64(microsOf(t.SpotBase)) * f / 10))
	return mulRatio(dollars("0.00001"), micros, 1)
}

func hoursStr(secs int64) float64 { return math.Round(float64(secs)/3600*1e10) / 1e10 }

// compute bills the EKS nodes: spot usage, and on-demand usage covered by
// RIs first, then EC2 Instance Savings Plans, then Compute Savings Plans.
func (b *awsBill) compute() {
	o := b.o
	byHour := make([][]*segment, o.hours)
	perHourSecs := make([][]int64, o.hours)
	for _, c := range o.clusters {
		if c.Provider != tally.ProviderAWS {
			continue
		}
		for _, n := range c.nodes {
			first, secs := o.billedHours(n)
			for i, s := range secs {
				h := first + i
				if s <= 0 {
					continue
				}
				if n.pool.Spot {
					price := o.spotPrice(n.typ, n.Zone, h)
					cost := perHourMoney(price, s)
					b.add(&awsLine{acct: c.AWS, typ: ltUsage, start: o.hourTime(h), end: o.hourTime(h + 1), svc: svcEC2,
						usageType: regionPrefix + "SpotUsage:" + n.typ.Name, operation: "RunInstances:SV050", az: n.Zone, resourceID: n.InstanceID,
						desc:   fmt.Sprintf("$%s per Linux/UNIX Spot Instance-hour for %s in %s", price.Decimal(), n.typ.Name, n.Zone),
						amount: hoursStr(s), unblended: cost, rate: price.Decimal(), public: cost, publicRate: price.Decimal(),
						term: "Spot", unit: "Hrs", family: "Compute Instance", sku: n.typ.SKU, itype: n.typ, tags: nodeTags(n), node: n})
					continue
				}
				byHour[h] = append(byHour[h], &segment{n: n, amount: hoursStr(s), od: perHourMoney(n.typ.OnDemand, s)})
				perHourSecs[h] = append(perHourSecs[h], s)
			}
		}
	}
	var ris, sps []*commitment
	for _, c := range o.commitments {
		switch c.Kind {
		case tally.CommitReserved:
			ris = append(ris, c)
		case tally.CommitEC2SP:
			sps = append([]*commitment{c}, sps...)
		case tally.CommitComputeSP:
			sps = append(sps, c)
		}
	}
	// Compute Savings Plans with deeper discounts apply first.
	sort.SliceStable(sps, func(i, j int) bool {
		if (sps[i].family != "") != (sps[j].family != "") {
			return sps[i].family != ""
		}
		return sps[i].term > sps[j].term
	})
	for h := 0; h < o.hours; h++ {
		t := o.hourTime(h)
		segs, secs := byHour[h], perHourSecs[h]
		order := make([]int, len(segs))
		for i := range order {
			order[i] = i
		}
		// The reservations' owner, the payer, gets them first.
		sort.Slice(order, func(i, j int) bool {
			a, b := segs[order[i]].n, segs[order[j]].n
			if (a.c.AWS == o.payer) != (b.c.AWS == o.payer) {
				return a.c.AWS == o.payer
			}
			return a.InstanceID < b.InstanceID
		})
		var rest []*segment
		for _, i := range order {
			seg := segs[i]
			s := secs[i]
			for _, ri := range ris {
				if s == 0 || !ri.activeAt(t) || !riFits(ri, seg.n.typ) {
					continue
				}
				per := quarterUnits(seg.n.typ)
				cov := min((riReserved(ri)-riUsed(ri, h))/per, s)
				if cov <= 0 {
					continue
				}
				riUse(ri, h, cov*per)
				b.riCovered(ri, seg, cov, t)
				s -= cov
				if s == 0 {
					seg = nil
					break
				}
				seg = &segment{n: seg.n, amount: hoursStr(s), od: sub(seg.od, perHourMoney(seg.n.typ.OnDemand, cov))}
			}
			if seg != nil {
				rest = append(rest, seg)
			}
		}
		for _, sp := range sps {
			if !sp.activeAt(t) {
				continue
			}
			rest = b.spCover(sp, rest, t)
		}
		for _, seg := range rest {
			n := seg.n
			rate := n.typ.OnDemand.Decimal()
			b.add(&awsLine{acct: n.c.AWS, typ: ltUsage, start: t, end: t.Add(time.Hour), svc: svcEC2,
				usageType: regionPrefix + "BoxUsage:" + n.typ.Name, operation: "RunInstances", az: n.Zone, resourceID: n.InstanceID,
				desc:   fmt.Sprintf("$%s per On Demand Linux %s Instance Hour", rate, n.typ.Name),
				amount: seg.amount, unblended: seg.od, rate: rate, public: seg.od, publicRate: rate,
				term: "OnDemand", unit: "Hrs", family: "Compute Instance", sku: n.typ.SKU, itype: n.typ, tags: nodeTags(n), node: n})
		}
	}
}

// perHourMoney is the cost of secs seconds at an hourly rate, at CUR precision.
func perHourMoney(rate tally.Money, secs int64) tally.Money { return perHour(rate, secs, awsPlaces) }

// The demo's reservations are regional Linux/UNIX ones of default
// tenancy, which AWS applies to every size of their family in their region
// in normalized units (instance size flexibility): an hour of an instance
// takes its size's normalization factor of the reservation's units. Like
// the Savings Plans, they apply to the usage of every account of the
// organization (AWS's default: discount sharing on), the payer's, which
// owns them, first.

// riFits reports whether reservation ri applies to instances of type t.
func riFits(ri *commitment, t *instanceType) bool { return ri.typ.Family == t.Family }

// quarterUnits is a second of an instance of type t in quarter normalized
// units (the smallest size, nano, has a factor of ¼).
func quarterUnits(t *instanceType) int64 { return int64(t.NormUnit * 4) }

// riReserved is what reservation ri holds an hour, in quarter normalized
// unit-seconds.
func riReserved(ri *commitment) int64 { return int64(ri.count) * 3600 * quarterUnits(ri.typ) }

func riUsed(ri *commitment, h int) int64 { return ri.stats.usedUnits[h] }
func riUse(ri *commitment, h int, units int64) {
	if ri.stats.usedUnits == nil {
		ri.stats.usedUnits = map[int]int64{}
	}
	ri.stats.usedUnits[h] += units
}

// riRate returns the cost of units quarter normalized unit-seconds of
// reservation ri at its hourly rate per reserved instance.
func riRate(rate tally.Money, ri *commitment, units int64) tally.Money {
	return mulRatio(rate, uint64(units), uint64(3600*quarterUnits(ri.typ))).Round(awsPlaces)
}

// riCovered bills secs seconds of a segment's instance under a reservation,
// at the reservation's rate for the normalized units they take.
func (b *awsBill) riCovered(ri *commitment, seg *segment, secs int64, t time.Time) {
	n := seg.n
	units := secs * quarterUnits(n.typ)
	recur := riRate(ri.recurring, ri, units)
	upf := riRate(ri.upfrontHourly, ri, units)
	eff := add(recur, upf)
	ri.stats.used = add(ri.stats.used, eff)
	od := perHourMoney(n.typ.OnDemand, secs)
	b.add(&awsLine{acct: n.c.AWS, typ: ltDiscounted, start: t, end: t.Add(time.Hour), svc: svcEC2,
		usageType: regionPrefix + "BoxUsage:" + n.typ.Name, operation: "RunInstances", az: n.Zone, resourceID: n.InstanceID,
		desc:   fmt.Sprintf("USD %s hourly fee per Linux/UNIX (Amazon VPC), %s instance", add(ri.recurring, ri.upfrontHourly).Decimal(), n.typ.Name),
		amount: hoursStr(secs), unblended: zero, rate: "0.0", public: od, publicRate: n.typ.OnDemand.Decimal(),
		term: "Reserved", unit: "Hrs", purchase: ri.payment, offering: "standard", lease: ri.term, family: "Compute Instance", sku: n.typ.SKU, itype: n.typ,
		tags: nodeTags(n), node: n, ri: ri, commitAmounts: &commitAmounts{riEffective: eff, riRecurringForUsage: recur, riUpfrontForUsage: upf}})
}

// spCover applies a Savings Plan's hourly commitment to the segments it
// covers, deepest discount first, and returns what is left uncovered.
func (b *awsBill) spCover(sp *commitment, segs []*segment, t time.Time) []*segment {
	type cand struct {
		seg     *segment
		rate    tally.Money
		savings float64
	}
	var cands []cand
	var rest []*segment
	for _, s := range segs {
		rate, ok := sp.spRate(s.n.typ)
		if !ok || s.od.IsZero() {
			rest = append(rest, s)
			continue
		}
		cands = append(cands, cand{s, rate, 1 - rate.Float64()/s.n.typ.OnDemand.Float64()})
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].savings != cands[j].savings {
			return cands[i].savings > cands[j].savings
		}
		return cands[i].seg.n.InstanceID < cands[j].seg.n.InstanceID
	})
	left := sp.hourly
	for _, c := range cands {
		s, n := c.seg, c.seg.n
		if left.Sign() <= 0 {
			rest = append(rest, s)
			continue
		}
		odMicros, spMicros := microsOf(n.typ.OnDemand), microsOf(c.rate)
		spCost := mulRatio(s.od, spMicros, odMicros).Round(awsPlaces)
		covOD, covAmount := s.od, s.amount
		if cmpMoney(spCost, left) > 0 {
			spCost = left
			covOD = minMoney(mulRatio(left, odMicros, spMicros).Round(awsPlaces), s.od)
			covAmount = math.Round(s.amount*covOD.Float64()/s.od.Float64()*1e10) / 1e10
		}
		left = sub(left, spCost)
		rate := n.typ.OnDemand.Decimal()
		base := awsLine{acct: n.c.AWS, start: t, end: t.Add(time.Hour), svc: svcEC2,
			usageType: regionPrefix + "BoxUsage:" + n.typ.Name, operation: "RunInstances", az: n.Zone, resourceID: n.InstanceID,
			rate: rate, publicRate: rate, term: "OnDemand", unit: "Hrs", family: "Compute Instance", sku: n.typ.SKU, itype: n.typ,
			tags: nodeTags(n), node: n, sp: sp}
		cov := base
		cov.typ, cov.amount, cov.unblended, cov.public = ltSPCovered, covAmount, covOD, covOD
		cov.commitAmounts = &commitAmounts{spEffective: spCost, spRate: c.rate}
		cov.desc = fmt.Sprintf("$%s per On Demand Linux %s Instance Hour", rate, n.typ.Name)
		b.add(&cov)
		neg := base
		neg.typ, neg.amount, neg.unblended, neg.public = ltSPNegation, 0, covOD.Neg(), zero
		neg.desc = fmt.Sprintf("SavingsPlanNegation used by AccountId : %s and UsageSku : %s", n.c.AWS.ID, n.typ.SKU)
		b.add(&neg)
		if rem := sub(s.od, covOD); rem.Sign() > 0 {
			rest = append(rest, &segment{n: n, amount: math.Round((s.amount-covAmount)*1e10) / 1e10, od: rem})
		}
	}
	used := sub(sp.hourly, left)
	sp.stats.total = add(sp.stats.total, sp.hourly)
	sp.stats.used = add(sp.stats.used, used)
	sp.stats.hourUsed = append(sp.stats.hourUsed, used)
	return rest
}

// nodeTags are the tags EKS managed node groups put on their instances.
func nodeTags(n *node) [][2]string {
	return [][2]string{
		{"eks:cluster-name", string(n.c.ID)},
		{"eks:nodegroup-name", n.pool.Name},
		{"kubernetes.io/cluster/" + string(n.c.ID), "owned"},
		{tagTeam, "platform"},
	}
}

// commitmentFees bills the Savings Plans' hourly fees, the reservations'
// monthly fees, and the upfront payments of commitments bought in the window.
func (b *awsBill) commitmentFees() {
	o := b.o
	for _, c := range o.commitments {
		switch c.Kind {
		case tally.CommitComputeSP, tally.CommitEC2SP:
			b.spFees(c)
		case tally.CommitReserved:
			b.riFees(c)
		}
	}
}

func spUsageType(c *commitment) string {
	kind := "ComputeSP"
	if c.Kind == tally.CommitEC2SP {
		kind = "EC2InstanceSP"
	}
	return kind + ":" + c.term + noSpaces(c.payment)
}

func noSpaces(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			out = append(out, s[i])
		}
	}
	return string(out)
}

func (b *awsBill) spFees(c *commitment) {
	o := b.o
	k := 0
	for h := 0; h < o.hours; h++ {
		t := o.hourTime(h)
		if !c.activeAt(t) {
			continue
		}
		used := c.stats.hourUsed[k]
		k++
		ms, me := monthOf(t)
		active := hoursActive(c, ms, me)
		b.add(&awsLine{acct: c.acct, typ: ltSPRecurringFee, start: t, end: t.Add(time.Hour), svc: svcSP,
			usageType: spUsageType(c), operation: "", resourceID: c.ID,
			desc:   fmt.Sprintf("%s %s %s Savings Plan: $%s per hour", c.term, c.payment, kindWord(c), c.hourly.Decimal()),
			amount: 1, unblended: c.recurring, rate: c.recurring.Decimal(), public: zero, publicRate: "",
			sp: c, commitAmounts: &commitAmounts{spTotal: c.hourly, spUsed: used,
				spRecurringPeriod: mulRatio(c.recurring, uint64(active), 1), spUpfrontPeriod: mulRatio(c.upfrontHourly, uint64(active), 1)},
			owner: tally.UnallocatedName})
	}
	if c.upfrontHourly.Sign() > 0 && !c.start.Before(o.start) && c.start.Before(o.end) {
		b.add(&awsLine{acct: c.acct, typ: ltSPUpfrontFee, billType: "Purchase", start: c.start, end: c.start.Add(time.Hour), svc: svcSP,
			usageType: spUsageType(c), resourceID: c.ID, desc: fmt.Sprintf("%s %s %s Savings Plan upfront fee", c.term, c.payment, kindWord(c)),
			amount: 1, unblended: c.upfront(), rate: c.upfront().Decimal(), public: zero, sp: c, commitAmounts: &commitAmounts{spTotal: zero, spUsed: zero},
			owner: tally.UnallocatedName})
	}
}

func kindWord(c *commitment) string {
	if c.Kind == tally.CommitEC2SP {
		return "EC2 Instance"
	}
	return "Compute"
}

// monthOf returns the calendar month containing t.
func monthOf(t time.Time) (time.Time, time.Time) {
	ms := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return ms, ms.AddDate(0, 1, 0)
}

// hoursActive is how many hours of [ms, me) the commitment is active.
func hoursActive(c *commitment, ms, me time.Time) int64 {
	s, e := latest(ms, c.start), earliest(me, c.end)
	if !e.After(s) {
		return 0
	}
	return int64(e.Sub(s) / time.Hour)
}

// riFees bills a reservation: one RIFee line per month of the window, and
// the upfront Fee when it was bought in the window.
func (b *awsBill) riFees(c *commitment) {
	o := b.o
	for ms := o.start; ms.Before(o.end); {
		m0, m1 := monthOf(ms)
		ps, pe := latest(m0, o.start, c.start), earliest(m1, o.end, c.end)
		ms = m1
		if !pe.After(ps) {
			continue
		}
		var reserved, used int64
		for t := ps; t.Before(pe); t = t.Add(time.Hour) {
			h := int(t.Sub(o.start) / time.Hour)
			reserved += riReserved(c)
			used += riUsed(c, h)
		}
		unused := reserved - used
		unitsPerHour := float64(3600 * quarterUnits(c.typ))
		hours := float64(reserved) / unitsPerHour
		recurringAll := riRate(c.recurring, c, reserved)
		upfrontAll := riRate(c.upfrontHourly, c, reserved)
		c.stats.total = add(c.stats.total, add(recurringAll, upfrontAll))
		b.add(&awsLine{acct: c.acct, typ: ltRIFee, start: ps, end: pe, svc: svcEC2,
			usageType: regionPrefix + "HeavyUsage:" + c.typ.Name, operation: "RunInstances", az: "", resourceID: "",
			desc:   fmt.Sprintf("USD %s hourly fee per Linux/UNIX (Amazon VPC), %s instance", add(c.recurring, c.upfrontHourly).Decimal(), c.typ.Name),
			amount: hours, unblended: recurringAll, rate: c.recurring.Decimal(), public: zero, publicRate: "",
			term: "Reserved", unit: "Hrs", purchase: c.payment, offering: "standard", lease: c.term, family: "Compute Instance", sku: c.typ.SKU, itype: c.typ,
			ri: c, commitAmounts: &commitAmounts{riUnusedHours: float64(unused) / unitsPerHour, riUnusedRecurring: riRate(c.recurring, c, unused),
				riUnusedUpfront: riRate(c.upfrontHourly, c, unused), riUpfrontForPeriod: upfrontAll, riReservedHours: hours},
			owner: tally.UnallocatedName})
	}
	if c.upfrontHourly.Sign() > 0 && !c.start.Before(o.start) && c.start.Before(o.end) {
		up := c.upfront()
		b.add(&awsLine{acct: c.acct, typ: ltFee, billType: "Purchase", start: c.start, end: c.start.Add(time.Hour), svc: svcEC2,
			usageType: regionPrefix + "HeavyUsage:" + c.typ.Name, operation: "RunInstances",
			desc:   fmt.Sprintf("Sign up charge for subscription: %s, planId: %s", c.subID, c.typ.SKU),
			amount: float64(c.count), unblended: up, rate: mulRatio(up, 1, uint64(c.count)).Decimal(), public: zero,
			term: "Reserved", purchase: c.payment, offering: "standard", lease: c.term, family: "Compute Instance", itype: c.typ,
			ri: c, commitAmounts: &commitAmounts{}, owner: tally.UnallocatedName})
	}
}

// monthly adds the charges computed on closed months: AWS Support, sales
// tax, and one service credit.
func (b *awsBill) monthly() {
	o := b.o
	type key struct {
		acct *awsAccount
		code string
	}
	credited := false
	for ms := o.start; ms.Before(o.end); {
		m0, m1 := monthOf(ms)
		ms = m1
		if m1.After(o.end) {
			continue // the open month: not invoiced yet
		}
		ps := latest(m0, o.start)
		byKey := map[key]tally.Money{}
		svcs := map[string]*awsService{}
		var keys []key
		usage := zero
		for _, l := range b.lines {
			if l.start.Before(ps) || !l.start.Before(m1) {
				continue
			}
			k := key{l.acct, l.svc.Code}
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
				if svcs[k.code] == nil || l.svc.Category == "Compute" {
					svcs[k.code] = l.svc
				}
			}
			byKey[k] = add(byKey[k], l.unblended)
			if l.billType != "Purchase" {
				usage = add(usage, l.unblended)
			}
		}
		// Business support: 10% of the first $10K, 7% of the next $70K, at least $100.
		support := mulRatio(minMoney(usage, dollars("10000")), 10, 100)
		if cmpMoney(usage, dollars("10000")) > 0 {
			support = add(support, mulRatio(minMoney(sub(usage, dollars("10000")), dollars("70000")), 7, 100))
		}
		if cmpMoney(support, dollars("100")) < 0 {
			support = dollars("100")
		}
		support = support.Round(2)
		sup := b.add(&awsLine{acct: o.payer, typ: ltFee, start: ps, end: m1, svc: svcSupport, usageType: "Dollar", operation: "",
			desc: "AWS Support (Business)", amount: 1, unblended: support, rate: support.Decimal(), public: zero, owner: tally.UnallocatedName})
		k := key{o.payer, svcSupport.Code}
		byKey[k] = add(byKey[k], sup.unblended)
		keys = append(keys, k)
		svcs[k.code] = svcSupport
		if !credited {
			credited = true
			cr := dollars("-120")
			b.add(&awsLine{acct: o.payer, typ: ltCredit, start: ps, end: m1, svc: svcEC2, usageType: "", operation: "",
				desc: "AWS Service Level Agreement credit (EC2, us-west-2)", amount: 0, unblended: cr, rate: "", public: zero, owner: tally.UnallocatedName})
		}
		// Sales tax, 2.9% per account and product.
		for _, k := range keys {
			base := byKey[k]
			if base.Sign() <= 0 {
				continue
			}
			tax := mulRatio(base, 29, 1000).Round(2)
			b.add(&awsLine{acct: k.acct, typ: ltTax, start: ps, end: m1, svc: svcs[k.code], usageType: "", operation: "", taxType: "USSalesTax",
				desc: "Tax for product code " + k.code, amount: 1, unblended: tax, rate: "", public: zero, owner: tally.UnallocatedName})
		}
	}
}
