package demo

import (
	"math"
	"sort"
	"time"

	"github.com/tallyhq/tally"
)

// gcpRow is one row of the GCP detailed (resource-level) billing export.
type gcpRow struct {
	seq        int
	svc        gcpSKU // service id and description
	sku        gcpSKU
	start, end time.Time
	labels     [][2]string
	sysLabels  [][2]string
	zone       string // "" for regional or global charges
	region     string
	cost       tally.Money
	list       tally.Money
	usage      float64
	usageUnit  string
	pricing    float64
	priceUnit  string
	price      tally.Money // effective price per pricing unit
	credits    []gcpCredit
	resName    string
	resGlobal  string

	// Truth: the node whose compute this is, or the owner of the cost.
	node  *node
	owner string
	// cud is the resource kind ("cpu", "ram") of a row of the
	// resource-based CUD: a fee row (cudFee) or usage it covered.
	cud    string
	cudFee bool
	// eff is the row's amortized cost (see gcpBill.amortize).
	eff tally.Money
}

// gcpCredit is a credit applied to a row.
type gcpCredit struct {
	Name, ID, FullName, Type string
	Amount                   tally.Money
}

// net is the row's cost after credits (DESIGN.md: GCP net = cost + Σ credits).
func (r *gcpRow) net() tally.Money {
	n := r.cost
	for _, c := range r.credits {
		n = add(n, c.Amount)
	}
	return n
}

// GCP services.
var (
	gcpCompute    = gcpSKU{"6F81-5844-456A", "Compute Engine"}
	gcpGKE        = gcpSKU{"CCD8-9BF1-090E", "Kubernetes Engine"}
	gcpStorage    = gcpSKU{"95FF-2EF5-5EA1", "Cloud Storage"}
	gcpSQL        = gcpSKU{"9662-B51E-5089", "Cloud SQL"}
	gcpNetworking = gcpSKU{"E505-1604-58F8", "Networking"}
)

// gcpBill is the GCP billing account's export.
type gcpBill struct {
	o    *org
	rows []*gcpRow
}

func (b *gcpBill) add(r *gcpRow) *gcpRow {
	if r.region == "" {
		r.region = b.o.gcp.Region
	}
	if r.list.IsZero() && r.cost.Sign() > 0 {
		r.list = r.cost
	}
	b.rows = append(b.rows, r)
	return r
}

func (o *org) buildGCP() *gcpBill {
	b := &gcpBill{o: o}
	b.nodes()
	for _, e := range o.externals {
		if e.provider == tally.ProviderGCP {
			b.external(e)
		}
	}
	sort.SliceStable(b.rows, func(i, j int) bool { return b.rows[i].start.Before(b.rows[j].start) })
	for i, r := range b.rows {
		r.seq = i
	}
	b.amortize()
	return b
}

// amortize sets every row's amortized cost: its net cost, except for the
// resource-based CUD's rows, as Tally's GCP reader amortizes them
// (ingest/gcpbilling.Amortizer). Each hour, the used part of a fee (CPU,
// RAM) is the covered share of the committed quantity, the covered
// quantity of a usage row being its pricing quantity (as the export writes
// it) × its CUD credit / its cost; the used part goes to the covered rows
// in proportion to their CUD credits (each share a difference of rounded
// cumulative shares, in row order), the rest stays on the fee row. The
// CUD's used total is the sum of the used parts.
func (b *gcpBill) amortize() {
	type key struct {
		start time.Time
		kind  string
	}
	type group struct {
		fee     *gcpRow
		covered []*gcpRow
		credits []tally.Money
		total   tally.Money
		qty     float64
	}
	groups := map[key]*group{}
	var order []key
	for _, r := range b.rows {
		r.eff = r.net()
		if r.cud == "" {
			continue
		}
		k := key{r.start, r.cud}
		g := groups[k]
		if g == nil {
			g = &group{total: zero}
			groups[k] = g
			order = append(order, k)
		}
		if r.cudFee {
			g.fee = r
			continue
		}
		c := zero
		for _, cr := range r.credits {
			if cr.Type == "COMMITTED_USAGE_DISCOUNT" {
				c = sub(c, cr.Amount)
			}
		}
		g.covered, g.credits, g.total = append(g.covered, r), append(g.credits, c), add(g.total, c)
		g.qty += roundTo(r.pricing, 10) * math.Min(c.Float64()/r.cost.Float64(), 1)
	}
	var cud *commitment
	for _, c := range b.o.commitments {
		if c.Kind == tally.CommitCUDResource {
			cud = c
		}
	}
	for _, k := range order {
		g := groups[k]
		if g.fee == nil || g.total.Sign() <= 0 {
			continue
		}
		used := g.fee.cost
		if committed := roundTo(g.fee.pricing, 10); committed > 0 && g.qty < committed {
			used = mulRatio(g.fee.cost, uint64(math.Round(g.qty/committed*1e9)), 1e9)
		}
		g.fee.eff = sub(g.fee.eff, used)
		if cud != nil {
			cud.stats.used = add(cud.stats.used, used)
		}
		den, _ := g.total.Units()
		seen, given := zero, zero
		for i, r := range g.covered {
			seen = add(seen, g.credits[i])
			num, _ := seen.Units()
			upto := mulRatio(used, uint64(num), uint64(den))
			r.eff = add(r.eff, sub(upto, given))
			given = upto
		}
	}
}

// nodes bills the GKE nodes: one vCPU row and one RAM row per node-hour,
// with the resource-based CUD's credits and sustained use discounts.
func (b *gcpBill) nodes() {
	o := b.o
	var cud *commitment
	for _, c := range o.commitments {
		if c.Kind == tally.CommitCUDResource {
			cud = c
		}
	}
	type nodeHour struct {
		n    *node
		secs int64
	}
	byHour := make([][]nodeHour, o.hours)
	for _, c := range o.clusters {
		if c.Provider != tally.ProviderGCP {
			continue
		}
		for _, n := range c.nodes {
			first, secs := o.billedHours(n)
			for i, s := range secs {
				if s > 0 {
					byHour[first+i] = append(byHour[first+i], nodeHour{n: n, secs: s})
				}
			}
		}
	}
	for h := 0; h < o.hours; h++ {
		t := o.hourTime(h)
		nhs := byHour[h]
		sort.Slice(nhs, func(i, j int) bool { return nhs[i].n.Name < nhs[j].n.Name })
		cpuLeft, ramLeft := int64(0), int64(0)
		if cud != nil && cud.activeAt(t) {
			cpuLeft, ramLeft = int64(cud.cudCPU)*3600, int64(cud.cudRAM)*3600
		}
		for i := range nhs {
			nh := &nhs[i]
			n, typ := nh.n, nh.n.typ
			coreSKU, ramSKU, coreRate, ramRate := typ.CoreSKU, typ.RAMSKU, typ.CoreRate, typ.RAMRate
			if n.pool.Spot {
				coreSKU, ramSKU, coreRate, ramRate = typ.SpotCoreSKU, typ.SpotRAMSKU, typ.SpotCoreRate, typ.SpotRAMRate
			}
			vcpuSecs := int64(typ.VCPU) * nh.secs
			gibSecs := int64(typ.MemGiB) * nh.secs
			labels := [][2]string{
				{"goog-gke-node", ""},
				{"goog-k8s-cluster-location", n.c.Region},
				{"goog-k8s-cluster-name", string(n.c.ID)},
				{"goog-k8s-node-pool-name", n.pool.Name},
			}
			sys := [][2]string{
				{"compute.googleapis.com/cores", itoa(typ.VCPU)},
				{"compute.googleapis.com/machine_spec", typ.Name},
				{"compute.googleapis.com/memory", itoa(typ.MemGiB * 1024)},
			}
			global := "//compute.googleapis.com/projects/" + o.gcp.ProjectID + "/zones/" + n.Zone + "/instances/" + itoa(int(n.hash%9e18/1000))
			core := b.add(&gcpRow{svc: gcpCompute, sku: coreSKU, start: t, end: t.Add(time.Hour), labels: labels, sysLabels: sys, zone: n.Zone,
				cost: perHour(coreRate, vcpuSecs, gcpPlaces), usage: float64(vcpuSecs), usageUnit: "seconds",
				pricing: float64(vcpuSecs) / 3600, priceUnit: "hour", price: coreRate, resName: n.Name, resGlobal: global, node: n})
			ram := b.add(&gcpRow{svc: gcpCompute, sku: ramSKU, start: t, end: t.Add(time.Hour), labels: labels, sysLabels: sys, zone: n.Zone,
				cost: perHour(ramRate, gibSecs, gcpPlaces), usage: float64(gibSecs) * float64(gi), usageUnit: "byte-seconds",
				pricing: float64(gibSecs) / 3600, priceUnit: "gibibyte hour", price: ramRate, resName: n.Name, resGlobal: global, node: n})
			if n.typ.Family != "n2" || n.pool.Spot {
				continue
			}
			// The CUD covers committed vCPU and RAM first; SUD discounts the rest.
			covCPU, covRAM := min(cpuLeft, vcpuSecs), min(ramLeft, gibSecs)
			cpuLeft -= covCPU
			ramLeft -= covRAM
			for _, x := range []struct {
				row      *gcpRow
				cov, all int64
				rate     tally.Money
				what     string
				kind     string
			}{{core, covCPU, vcpuSecs, coreRate, "N2 Cores", "cpu"}, {ram, covRAM, gibSecs, ramRate, "N2 Ram", "ram"}} {
				var cudAmt tally.Money = zero
				if x.cov > 0 {
					x.row.cud = x.kind
					cudAmt = minMoney(perHour(x.rate, x.cov, gcpPlaces), x.row.cost)
					x.row.credits = append(x.row.credits, gcpCredit{Name: "Committed use discount: " + x.what, ID: "CommittedUsageDiscount:" + cud.ID,
						FullName: "Committed use discount (1 year) " + x.what + " in us-central1", Type: "COMMITTED_USAGE_DISCOUNT", Amount: cudAmt.Neg()})
				}
				if rest := sub(x.row.cost, cudAmt); rest.Sign() > 0 {
					sud := mulRatio(rest, 12, 100).Round(gcpPlaces)
					if sud.Sign() > 0 {
						x.row.credits = append(x.row.credits, gcpCredit{Name: "Sustained use discount", ID: "SustainedUsageDiscount",
							FullName: "Sustained use discount: " + x.what + " running in Americas", Type: "SUSTAINED_USAGE_DISCOUNT", Amount: sud.Neg()})
					}
				}
			}
		}
		if cud != nil && cud.activeAt(t) {
			cpuFee := mulRatio(cud.cudCoreRate, uint64(cud.cudCPU), 1).Round(gcpPlaces)
			ramFee := mulRatio(cud.cudRAMRate, uint64(cud.cudRAM), 1).Round(gcpPlaces)
			cud.stats.total = add(cud.stats.total, add(cpuFee, ramFee))
			b.add(&gcpRow{svc: gcpCompute, sku: gcpSKU{"A1CF-3D27-9C0B", "Commitment v1: N2 Cpu in Americas for 1 Year"}, start: t, end: t.Add(time.Hour),
				cost: cpuFee, usage: float64(cud.cudCPU) * 3600, usageUnit: "seconds", pricing: float64(cud.cudCPU), priceUnit: "hour", price: cud.cudCoreRate,
				owner: tally.UnallocatedName, cud: "cpu", cudFee: true})
			b.add(&gcpRow{svc: gcpCompute, sku: gcpSKU{"6BD5-1B46-3B2E", "Commitment v1: N2 Ram in Americas for 1 Year"}, start: t, end: t.Add(time.Hour),
				cost: ramFee, usage: float64(cud.cudRAM) * float64(gi) * 3600, usageUnit: "byte-seconds", pricing: float64(cud.cudRAM), priceUnit: "gibibyte hour", price: cud.cudRAMRate,
				owner: tally.UnallocatedName, cud: "ram", cudFee: true})
		}
	}
	if cud != nil {
		cud.stats.used = zero // the amortized used fees (amortize)
	}
}

// external bills a GCP resource outside the nodes.
func (b *gcpBill) external(e *external) {
	o := b.o
	owner := e.owner()
	for h := 0; h < o.hours; h++ {
		t := o.hourTime(h)
		row := func(svc, sku gcpSKU, cost tally.Money, usage float64, uunit string, pricing float64, punit string, price tally.Money) *gcpRow {
			return b.add(&gcpRow{svc: svc, sku: sku, start: t, end: t.Add(time.Hour), labels: e.tags, zone: e.zone, cost: cost,
				usage: usage, usageUnit: uunit, pricing: pricing, priceUnit: punit, price: price, owner: owner})
		}
		switch e.kind {
		case "gke":
			row(gcpGKE, gcpSKU{"B561-BFBD-1264", "Regional Kubernetes Clusters"}, dollars("0.10"), 3600, "seconds", 1, "hour", dollars("0.10"))
		case "pd":
			hm := hoursInMonth(t)
			cost := mulRatio(dollars("0.17"), uint64(e.sizeGiB), hm).Round(gcpPlaces)
			r := row(gcpCompute, gcpSKU{"B188-61DD-52E4", "SSD backed PD Capacity"}, cost, float64(e.sizeGiB)*float64(gi)*3600, "byte-seconds",
				float64(e.sizeGiB)/float64(hm), "gibibyte month", dollars("0.17"))
			r.resName, r.resGlobal = e.id, "//compute.googleapis.com/projects/"+o.gcp.ProjectID+"/zones/"+e.zone+"/disks/"+e.id
		case "cloudsql":
			r1 := row(gcpSQL, gcpSKU{"F9C5-1D8A-6C0E", "Cloud SQL for PostgreSQL: Zonal - vCPU in Americas"}, dollars("0.1652"), 4*3600, "seconds", 4, "hour", dollars("0.0413"))
			r2 := row(gcpSQL, gcpSKU{"0F38-A7C2-FA23", "Cloud SQL for PostgreSQL: Zonal - RAM in Americas"}, dollars("0.112"), 16*float64(gi)*3600, "byte-seconds", 16, "gibibyte hour", dollars("0.007"))
			hm := hoursInMonth(t)
			r3 := row(gcpSQL, gcpSKU{"6A7E-3C12-8B8D", "Cloud SQL for PostgreSQL: Zonal - Standard storage in Americas"}, mulRatio(dollars("0.17"), uint64(e.sizeGiB), hm).Round(gcpPlaces),
				float64(e.sizeGiB)*float64(gi)*3600, "byte-seconds", float64(e.sizeGiB)/float64(hm), "gibibyte month", dollars("0.17"))
			for _, r := range []*gcpRow{r1, r2, r3} {
				r.resName, r.resGlobal = e.id, "//cloudsql.googleapis.com/projects/"+o.gcp.ProjectID+"/instances/"+e.id
			}
		case "gcp-egress":
			q := gbMicros(o.traffic(e, h))
			row(gcpNetworking, gcpSKU{"9DE9-9092-B3BC", "Network Internet Data Transfer Out from Americas to Americas"}, mulQty(dollars("0.12"), q, gcpPlaces),
				float64(q)/1e6*float64(gi), "bytes", float64(q)/1e6, "gibibyte", dollars("0.12"))
		case "gcs":
			if t.Hour() != 0 {
				continue
			}
			size := float64(e.sizeGiB) * o.growth(0.12, t)
			hm := hoursInMonth(t)
			q := gbMicros(size * 24 / float64(hm))
			r := b.add(&gcpRow{svc: gcpStorage, sku: gcpSKU{"E5F0-6A5D-7BAD", "Standard Storage US Multi-region"}, start: t, end: t.Add(24 * time.Hour),
				labels: e.tags, cost: mulQty(dollars("0.026"), q, gcpPlaces), usage: size * float64(gi) * 86400, usageUnit: "byte-seconds",
				pricing: float64(q) / 1e6, priceUnit: "gibibyte month", price: dollars("0.026"), owner: owner, region: "us"})
			r.resName, r.resGlobal = e.id, "//storage.googleapis.com/projects/_/buckets/"+e.id
		}
	}
}
