package pricing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	billing "cloud.google.com/go/billing/apiv1"
	"cloud.google.com/go/billing/apiv1/billingpb"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/iterator"

	"github.com/tallyhq/tally"
)

// ComputeEngineService is the Cloud Billing Catalog name of Compute Engine.
const ComputeEngineService = "services/6F81-5844-456A"

// GCPOptions select what SyncGCP fetches.
type GCPOptions struct {
	Regions  []string // e.g. us-central1; required
	Currency string   // default USD
	Now      time.Time
	Log      *slog.Logger // progress, a line every gcpProgressSkus SKUs and at the end, and retries; nil: none
	// MaxBackoff is the longest wait before asking again for a page the
	// Catalog API refused (DefaultMaxBackoff when zero).
	MaxBackoff time.Duration
}

// gcpProgressSkus is how many SKUs SyncGCP reads between progress lines
// (Compute Engine lists tens of thousands).
const gcpProgressSkus = 5000

var (
	// "N2 Instance Core running in Americas", "Spot Preemptible E2 Instance Ram running in …",
	// "N2D AMD Instance Core …", "N1 Predefined Instance Core …", "Compute optimized Core …" (C2),
	// "Memory-optimized Instance Ram …" (M1), "M3 Memory-optimized Instance Core …".
	instanceSku = regexp.MustCompile(`^(Spot Preemptible |Preemptible )?(.+?) (Core|Ram) running in `)
	// "Commitment v1: N2 Cpu in Americas for 1 Year", "Commitment v1: N2D AMD Ram in … for 3 Years",
	// "Commitment v1: Cpu in Montreal for 1 Year" (N1), "Commitment: Compute optimized Core running in … for 1 Year" (C2).
	commitSku = regexp.MustCompile(`^Commitment(?: v1)?: (?:(.+?) )?(Cpu|Core|Ram)(?: running)? in .+ for ([13]) Years?$`)
	// "Nvidia Tesla A100 GPU running in Americas", "Nvidia L4 GPU running in APAC",
	// "Nvidia Tesla A100 GPU attached to Spot Preemptible VMs running in …", "Spot Preemptible Nvidia L4 GPU running in …".
	gpuSku = regexp.MustCompile(`^(Spot Preemptible |Preemptible )?Nvidia (.+?) GPU( attached to Spot Preemptible VMs)? running in `)
	// "Commitment v1: Nvidia L4 GPU in Americas for 1 Year".
	gpuCommitSku = regexp.MustCompile(`^Commitment(?: v1)?: Nvidia (.+?) GPU in .+ for ([13]) Years?$`)
	// The series part of an instance SKU's description: "N2", "N2D AMD",
	// "T2A Arm", "N1 Predefined" each followed by " Instance".
	seriesName = regexp.MustCompile(`^([A-Z][A-Z0-9]*)(?: AMD| Intel| Arm| Predefined)?$`)
)

// skuClass is what a Compute Engine SKU prices: a machine family's cores
// (resource cpu) or RAM (ram), a custom machine type's extended memory
// (ram-ext, family n2-custom, n1-custom, …), or a GPU model's hours (gpu,
// family the model: a100, a100-80gb, h100-80gb, l4), under a purchase
// option.
type skuClass struct{ family, resource, option string }

// seriesFamily is the machine family a SKU's series name denotes, or "":
// "N2" → n2, "N2D AMD" → n2d, "N1 Predefined" → n1, "Compute optimized"
// → c2, "Memory-optimized" → m1, "M3 Memory-optimized" → m3, "C4A Arm" →
// c4a, "" → n1 (N1's commitments and custom SKUs carry no family name).
// Custom SKUs' series names reach it without "Custom" (customSeries);
// sole-tenant and premium SKUs are no family's rates: "".
func seriesFamily(series string) string {
	switch series {
	case "":
		return "n1"
	case "Compute optimized":
		return "c2"
	case "Memory-optimized":
		return "m1"
	}
	if f, ok := strings.CutSuffix(series, " Memory-optimized"); ok {
		series = f
	}
	if m := seriesName.FindStringSubmatch(series); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

// gpuModel is the key of a GPU SKU's model: "Tesla A100" → a100, "Tesla
// A100 80GB" → a100-80gb, "H100 80GB" → h100-80gb, "L4" → l4.
func gpuModel(name string) string {
	name = strings.TrimPrefix(name, "Tesla ")
	if name == "H100" { // Compute Engine's H100s are the 80 GB ones
		name = "H100 80GB"
	}
	return strings.ToLower(strings.ReplaceAll(name, " ", "-"))
}

// unitRate is a family's price per vCPU-hour and per GiB-hour in a region
// under one purchase option.
type unitRate struct{ cpu, ram tally.Money }

// GCPCatalog is what SyncGCP read from the Cloud Billing Catalog.
type GCPCatalog struct {
	// Prices are the predefined machine types' prices (machineTypes).
	Prices []tally.InstancePrice
	// Units are the on-demand and spot unit prices of every machine
	// family, custom machine types and GPU model the catalog lists in the
	// regions asked for, known shapes or not: nodes of machine types
	// without a price are estimated from them.
	Units []tally.UnitPrice
}

// unitOf is the tally.UnitPrice unit of a skuClass resource.
var unitOf = map[string]string{"cpu": tally.UnitVCPU, "ram": tally.UnitMemoryGiB, "ram-ext": tally.UnitExtendedMemoryGiB, "gpu": tally.UnitGPU}

// SyncGCP lists Compute Engine SKUs through the Cloud Billing Catalog API
// and prices the predefined machine types of each family it finds (their
// shapes are in machineTypes) from the per-vCPU and per-GiB rates, plus
// the per-GPU rates of the GPU machine types' GPUs (a2, a3, g2): on-demand,
// spot (Spot Preemptible SKUs) and 1- and 3-year resource CUDs (classify).
// It also returns every family's on-demand and spot unit prices, custom
// machine types' and GPU models' included, for the machine types whose
// shapes it does not know.
func SyncGCP(ctx context.Context, client *billing.CloudCatalogClient, opt GCPOptions) (GCPCatalog, error) {
	if len(opt.Regions) == 0 {
		return GCPCatalog{}, errors.New("gcp pricing: no regions")
	}
	cur := opt.Currency
	if cur == "" {
		cur = "USD"
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	effective := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	regions := map[string]bool{}
	for _, r := range opt.Regions {
		regions[r] = true
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	units := map[unitKey]tally.Money{}
	page := 1 // the page being read: one past those the iterator has read
	it := client.ListSkus(ctx, &billingpb.ListSkusRequest{Parent: ComputeEngineService, CurrencyCode: cur},
		newPageRetryer(&page, opt.MaxBackoff, log), gax.WithTimeout(gcpPageTimeout))
	read := 0
	var last any // the response of the page read last
	for {
		sku, err := it.Next()
		if errors.Is(err, iterator.Done) {
			log.Info("gcp catalog", "skus", read)
			break
		}
		if err != nil {
			return GCPCatalog{}, listSkusError(page, err)
		}
		if it.Response != last {
			last = it.Response
			page++
		}
		if read++; read%gcpProgressSkus == 0 {
			log.Info("gcp catalog", "skus", read)
		}
		c, ok := classify(sku)
		if !ok {
			continue
		}
		price, ok, err := unitPrice(sku, tally.Currency(cur))
		if err != nil {
			return GCPCatalog{}, fmt.Errorf("gcp catalog: sku %s (%s): %w", sku.GetSkuId(), sku.GetDescription(), err)
		}
		if !ok {
			continue
		}
		for _, region := range sku.GetServiceRegions() {
			if regions[region] {
				units[unitKey{region, c}] = price
			}
		}
	}
	if err := everyRegionPriced(opt.Regions, units); err != nil {
		return GCPCatalog{}, err
	}
	rates := map[string]*unitRate{}             // region|family|option
	gpus := map[string]map[string]tally.Money{} // region|option → GPU model → per GPU-hour
	var out GCPCatalog
	for k, price := range units {
		c := k.class
		if c.option == tally.PurchaseOnDemand || c.option == tally.PurchaseSpot {
			out.Units = append(out.Units, tally.UnitPrice{Provider: tally.ProviderGCP, Region: k.region, Family: c.family, Unit: unitOf[c.resource],
				PurchaseOption: c.option, Price: price, EffectiveFrom: effective, Source: SourceGCPCatalog})
		}
		switch c.resource {
		case "gpu":
			g := k.region + "|" + c.option
			if gpus[g] == nil {
				gpus[g] = map[string]tally.Money{}
			}
			gpus[g][c.family] = price
		case "cpu", "ram":
			r := rates[k.region+"|"+c.family+"|"+c.option]
			if r == nil {
				r = &unitRate{}
				rates[k.region+"|"+c.family+"|"+c.option] = r
			}
			if c.resource == "cpu" {
				r.cpu = price
			} else {
				r.ram = price
			}
		}
	}
	slices.SortFunc(out.Units, func(a, b tally.UnitPrice) int {
		return cmp.Or(cmp.Compare(a.Region, b.Region), cmp.Compare(a.Family, b.Family), cmp.Compare(a.Unit, b.Unit),
			cmp.Compare(a.PurchaseOption, b.PurchaseOption))
	})
	var list []GCPRate
	for k, r := range rates {
		if r.cpu.Currency() == "" || r.ram.Currency() == "" {
			continue // a family needs both rates
		}
		parts := strings.SplitN(k, "|", 3)
		list = append(list, GCPRate{Region: parts[0], Family: parts[1], PurchaseOption: parts[2], CPU: r.cpu, RAM: r.ram,
			GPUs: gpus[parts[0]+"|"+parts[2]]})
	}
	var err error
	out.Prices, err = PriceGCPMachineTypes(list, effective, SourceGCPCatalog)
	return out, err
}

// unitKey names a unit price SyncGCP read: its region and what it prices.
type unitKey struct {
	region string
	class  skuClass
}

// everyRegionPriced returns an error naming the first of regions no unit
// price is of: most often a region code the catalog does not know.
func everyRegionPriced(regions []string, units map[unitKey]tally.Money) error {
	priced := map[string]bool{}
	for k := range units {
		priced[k.region] = true
	}
	for _, r := range regions {
		if !priced[r] {
			return tally.Errorf(tally.ENotFound, "gcp catalog: region %q has no Compute Engine core, RAM or GPU price: is the region code right (as in us-central1)?", r)
		}
	}
	return nil
}

// GCPRate is a machine family's per-vCPU-hour and per-GiB-hour rates in a
// region for one purchase option, as the Cloud Billing Catalog lists them,
// and the per-GPU-hour rates of the GPU models (a100, a100-80gb, h100-80gb,
// l4) in that region for that option.
type GCPRate struct {
	Region, Family, PurchaseOption string
	CPU, RAM                       tally.Money
	GPUs                           map[string]tally.Money
}

// PriceGCPMachineTypes prices the predefined machine types of each rate's
// family: vCPUs × CPU rate + GiB × RAM rate + GPUs × the GPU model's rate,
// exactly. A machine type whose GPU model has no rate is not priced.
func PriceGCPMachineTypes(rates []GCPRate, effective time.Time, source string) ([]tally.InstancePrice, error) {
	var out []tally.InstancePrice
	for _, r := range rates {
		for _, mt := range machineTypes(r.Family) {
			// Memory in MiB keeps fractional GiB (n1: 3.75 GiB per vCPU) exact.
			cpu, _ := r.CPU.MulRatio(uint64(mt.vcpus), 1)
			ram, _ := r.RAM.MulRatio(uint64(mt.memoryBytes>>20), 1024)
			total, err := cpu.Add(ram)
			if err == nil && mt.gpus > 0 {
				rate, ok := r.GPUs[mt.gpu]
				if !ok {
					continue
				}
				gpu, _ := rate.MulRatio(uint64(mt.gpus), 1)
				total, err = total.Add(gpu)
			}
			if err != nil {
				return nil, fmt.Errorf("price %s in %s: %w", mt.name, r.Region, err)
			}
			out = append(out, tally.InstancePrice{Provider: tally.ProviderGCP, Region: r.Region, InstanceType: mt.name, PurchaseOption: r.PurchaseOption,
				OperatingSystem: "linux", HourlyPrice: total, VCPUs: float64(mt.vcpus), MemoryBytes: mt.memoryBytes, GPUs: mt.gpus,
				EffectiveFrom: effective, Source: source})
		}
	}
	sortPrices(out)
	return out, nil
}

// classify names what a SKU prices (skuClass), or ok=false for SKUs that
// are not per-vCPU, per-GiB or per-GPU rates of a machine family, of
// custom machine types (family "n2-custom": their cores, RAM and extended
// RAM are priced apart) or of a GPU model.
// A SKU whose description says spot (Spot Preemptible) prices spot,
// whatever its usage type; a commitment's only the term of its usage type
// (Commit1Yr, Commit3Yr), and never on-demand or spot.
func classify(sku *billingpb.Sku) (c skuClass, ok bool) {
	cat := sku.GetCategory()
	if cat.GetResourceFamily() != "Compute" {
		return skuClass{}, false
	}
	d, usage := sku.GetDescription(), cat.GetUsageType()
	term := map[string]string{"Commit1Yr": "1", "Commit3Yr": "3"}[usage]
	if m := commitSku.FindStringSubmatch(d); m != nil {
		f := seriesFamily(m[1])
		if f == "" || m[3] != term {
			return skuClass{}, false
		}
		return skuClass{f, map[string]string{"Cpu": "cpu", "Core": "cpu", "Ram": "ram"}[m[2]], "cud-" + term + "y"}, true
	}
	if m := gpuCommitSku.FindStringSubmatch(d); m != nil {
		if m[2] != term {
			return skuClass{}, false
		}
		return skuClass{gpuModel(m[1]), "gpu", "cud-" + term + "y"}, true
	}
	if strings.HasPrefix(d, "Commitment") || term != "" {
		return skuClass{}, false
	}
	option := func(spot bool) (string, bool) {
		switch {
		case spot || usage == "Preemptible":
			return tally.PurchaseSpot, true
		case usage == "OnDemand":
			return tally.PurchaseOnDemand, true
		}
		return "", false
	}
	if m := gpuSku.FindStringSubmatch(d); m != nil {
		o, ok := option(m[1] != "" || m[3] != "")
		return skuClass{gpuModel(m[2]), "gpu", o}, ok
	}
	if m := instanceSku.FindStringSubmatch(d); m != nil {
		series, ok := strings.CutSuffix(m[2], " Instance")
		if !ok && m[2] == "Compute optimized" {
			series, ok = m[2], true // C2's multi-regional SKUs have no "Instance"
		}
		if !ok {
			return skuClass{}, false
		}
		resource := map[string]string{"Core": "cpu", "Ram": "ram"}[m[3]]
		if base, custom, extended := customSeries(series); custom {
			// "N2 Custom Instance Core", "Custom Instance Ram" (N1), "N2
			// Custom Extended Instance Ram": custom machine types' rates,
			// a family of their own ("n2-custom").
			f := seriesFamily(base)
			if f == "" || extended && resource != "ram" {
				return skuClass{}, false
			}
			if extended {
				resource = "ram-ext"
			}
			o, ok := option(m[1] != "")
			return skuClass{f + "-custom", resource, o}, ok
		}
		f := seriesFamily(series)
		if series == "" || f == "" {
			return skuClass{}, false
		}
		o, ok := option(m[1] != "")
		return skuClass{f, resource, o}, ok
	}
	return skuClass{}, false
}

// customSeries reads a custom machine type's series name: "N2 Custom" →
// N2, "N2D AMD Custom Extended" → N2D AMD and extended, "Custom" → "" (N1's
// custom SKUs carry no family name).
func customSeries(series string) (base string, custom, extended bool) {
	for _, suffix := range []struct {
		s        string
		extended bool
	}{{"Custom Extended", true}, {"Custom", false}} {
		if series == suffix.s {
			return "", true, suffix.extended
		}
		if b, ok := strings.CutSuffix(series, " "+suffix.s); ok {
			return b, true, suffix.extended
		}
	}
	return "", false, false
}

// unitPrice is the SKU's first-tier hourly unit price (per vCPU-hour, per
// GiB-hour), exactly: units + nanos × 10⁻⁹.
func unitPrice(sku *billingpb.Sku, cur tally.Currency) (tally.Money, bool, error) {
	infos := sku.GetPricingInfo()
	if len(infos) == 0 {
		return tally.Money{}, false, nil
	}
	pe := infos[len(infos)-1].GetPricingExpression()
	switch pe.GetUsageUnit() {
	case "h", "GiBy.h":
	default:
		return tally.Money{}, false, nil
	}
	for _, tr := range pe.GetTieredRates() {
		if tr.GetStartUsageAmount() != 0 {
			continue
		}
		p := tr.GetUnitPrice()
		if p == nil {
			continue
		}
		if c := p.GetCurrencyCode(); c != "" && tally.Currency(c) != cur {
			return tally.Money{}, false, fmt.Errorf("currency %s, asked for %s", c, cur)
		}
		units := tally.FromInt(p.GetUnits(), cur)
		nanos, err := tally.ParseMoney(fmt.Sprintf("%de-9", p.GetNanos()), cur)
		if err != nil {
			return tally.Money{}, false, err
		}
		m, err := units.Add(nanos)
		return m, err == nil, err
	}
	return tally.Money{}, false, nil
}

// machineType is a predefined GCE machine type's shape: vCPUs, memory and
// attached GPUs (how many, and their model's key, as gpuModel names it).
type machineType struct {
	name        string
	vcpus       int
	memoryBytes int64
	gpus        int
	gpu         string
}

// families are the predefined shapes of common machine families: GiB per
// vCPU for each class (in tenths of a MiB, to keep n1's 3.75 and 0.9
// exact), and the vCPU counts offered. Source: cloud.google.com/compute/docs/general-purpose-machines
// and compute-optimized-machines (the naming rule is family-class-vCPUs).
var families = map[string]struct {
	classes map[string]int64 // class → tenths of a MiB per vCPU
	sizes   []int
}{
	"e2":  {map[string]int64{"standard": 40960, "highmem": 81920, "highcpu": 10240}, []int{2, 4, 8, 16, 32}},
	"n1":  {map[string]int64{"standard": 38400, "highmem": 66560, "highcpu": 9216}, []int{1, 2, 4, 8, 16, 32, 64, 96}},
	"n2":  {map[string]int64{"standard": 40960, "highmem": 81920, "highcpu": 10240}, []int{2, 4, 8, 16, 32, 48, 64, 80, 96, 128}},
	"n2d": {map[string]int64{"standard": 40960, "highmem": 81920, "highcpu": 10240}, []int{2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224}},
	"n4":  {map[string]int64{"standard": 40960, "highmem": 81920, "highcpu": 20480}, []int{2, 4, 8, 16, 32, 48, 64, 80}},
	"c2":  {map[string]int64{"standard": 40960}, []int{4, 8, 16, 30, 60}},
	"c2d": {map[string]int64{"standard": 40960, "highmem": 81920, "highcpu": 20480}, []int{2, 4, 8, 16, 32, 56, 112}},
	"c3":  {map[string]int64{"standard": 40960, "highmem": 81920, "highcpu": 20480}, []int{4, 8, 22, 44, 88, 176}},
	"c3d": {map[string]int64{"standard": 40960, "highmem": 81920, "highcpu": 20480}, []int{4, 8, 16, 30, 60, 90, 180, 360}},
	"t2d": {map[string]int64{"standard": 40960}, []int{1, 2, 4, 8, 16, 32, 48, 60}},
	"t2a": {map[string]int64{"standard": 40960}, []int{1, 2, 4, 8, 16, 32, 48}},
}

// gpuMachineTypes are the accelerator-optimized machine types, which
// come with their GPUs attached: vCPUs, memory in GiB, GPUs and model.
// Source: cloud.google.com/compute/docs/accelerator-optimized-machines (A2
// Standard: A100 40GB; A2 Ultra: A100 80GB; A3 High: H100 80GB; G2: L4).
// Their cores and RAM are billed by the family's SKUs (A2 Ultra's by A2's),
// their GPUs by the model's; A2 Ultra's bundled local SSD is not included.
var gpuMachineTypes = map[string][]struct {
	name             string
	vcpus, gib, gpus int
	gpu              string
}{
	"a2": {
		{"a2-highgpu-1g", 12, 85, 1, "a100"}, {"a2-highgpu-2g", 24, 170, 2, "a100"}, {"a2-highgpu-4g", 48, 340, 4, "a100"},
		{"a2-highgpu-8g", 96, 680, 8, "a100"}, {"a2-megagpu-16g", 96, 1360, 16, "a100"},
		{"a2-ultragpu-1g", 12, 170, 1, "a100-80gb"}, {"a2-ultragpu-2g", 24, 340, 2, "a100-80gb"},
		{"a2-ultragpu-4g", 48, 680, 4, "a100-80gb"}, {"a2-ultragpu-8g", 96, 1360, 8, "a100-80gb"},
	},
	"a3": {
		{"a3-highgpu-1g", 26, 234, 1, "h100-80gb"}, {"a3-highgpu-2g", 52, 468, 2, "h100-80gb"},
		{"a3-highgpu-4g", 104, 936, 4, "h100-80gb"}, {"a3-highgpu-8g", 208, 1872, 8, "h100-80gb"},
	},
	"g2": {
		{"g2-standard-4", 4, 16, 1, "l4"}, {"g2-standard-8", 8, 32, 1, "l4"}, {"g2-standard-12", 12, 48, 1, "l4"},
		{"g2-standard-16", 16, 64, 1, "l4"}, {"g2-standard-24", 24, 96, 2, "l4"}, {"g2-standard-32", 32, 128, 1, "l4"},
		{"g2-standard-48", 48, 192, 4, "l4"}, {"g2-standard-96", 96, 384, 8, "l4"},
	},
}

// machineTypes lists the predefined machine types of a family.
func machineTypes(family string) []machineType {
	if gm, ok := gpuMachineTypes[family]; ok {
		out := make([]machineType, len(gm))
		for i, m := range gm {
			out[i] = machineType{name: m.name, vcpus: m.vcpus, memoryBytes: int64(m.gib) << 30, gpus: m.gpus, gpu: m.gpu}
		}
		return out
	}
	f, ok := families[family]
	if !ok {
		return nil
	}
	var out []machineType
	for class, tenths := range f.classes {
		for _, n := range f.sizes {
			mib := int64(n) * tenths / 10 // whole MiB, as Compute Engine's memoryMb (n1-highcpu-2: 1843)
			out = append(out, machineType{name: fmt.Sprintf("%s-%s-%d", family, class, n), vcpus: n, memoryBytes: mib << 20})
		}
	}
	return out
}
