package pricing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	billing "cloud.google.com/go/billing/apiv1"
	"cloud.google.com/go/billing/apiv1/billingpb"
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
	Log      *slog.Logger // progress, a line every gcpProgressSkus SKUs and at the end; nil: none
}

// gcpProgressSkus is how many SKUs SyncGCP reads between progress lines
// (Compute Engine lists tens of thousands).
const gcpProgressSkus = 5000

var (
	// "N2 Instance Core running in Americas", "Spot Preemptible E2 Instance Ram running in …",
	// "N2D AMD Instance Core …", "N1 Predefined Instance Core …".
	instanceSku = regexp.MustCompile(`^(?:Spot Preemptible |Preemptible )?([A-Z][A-Z0-9]*)(?: AMD| Intel| Arm)?(?: Predefined)? Instance (Core|Ram) running in `)
	// "Commitment v1: N2 Cpu in Americas for 1 Year", "Commitment v1: N2D AMD Ram in … for 3 Years".
	commitSku = regexp.MustCompile(`^Commitment(?: v1)?: ([A-Z][A-Z0-9]*)(?: AMD| Intel| Arm)? (Cpu|Ram) in .* for ([13]) Years?`)
)

// unitRate is a family's price per vCPU-hour and per GiB-hour in a region
// under one purchase option.
type unitRate struct{ cpu, ram tally.Money }

// SyncGCP lists Compute Engine SKUs through the Cloud Billing Catalog API
// and prices the predefined machine types of each family it finds (their
// shapes are in machineTypes) from the per-vCPU and per-GiB rates:
// on-demand, spot (Preemptible usage type) and 1- and 3-year resource CUDs.
func SyncGCP(ctx context.Context, client *billing.CloudCatalogClient, opt GCPOptions) ([]tally.InstancePrice, error) {
	if len(opt.Regions) == 0 {
		return nil, errors.New("gcp pricing: no regions")
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
	rates := map[string]*unitRate{} // region|family|option
	it := client.ListSkus(ctx, &billingpb.ListSkusRequest{Parent: ComputeEngineService, CurrencyCode: cur})
	read := 0
	for {
		sku, err := it.Next()
		if errors.Is(err, iterator.Done) {
			log.Info("gcp catalog", "skus", read)
			break
		}
		if err != nil {
			return nil, fmt.Errorf("gcp catalog: list skus: %w", err)
		}
		if read++; read%gcpProgressSkus == 0 {
			log.Info("gcp catalog", "skus", read)
		}
		family, resource, option, ok := classify(sku)
		if !ok {
			continue
		}
		price, ok, err := unitPrice(sku, tally.Currency(cur))
		if err != nil {
			return nil, fmt.Errorf("gcp catalog: sku %s (%s): %w", sku.GetSkuId(), sku.GetDescription(), err)
		}
		if !ok {
			continue
		}
		for _, region := range sku.GetServiceRegions() {
			if !regions[region] {
				continue
			}
			k := region + "|" + family + "|" + option
			r := rates[k]
			if r == nil {
				r = &unitRate{}
				rates[k] = r
			}
			if resource == "cpu" {
				r.cpu = price
			} else {
				r.ram = price
			}
		}
	}
	var list []GCPRate
	for k, r := range rates {
		if r.cpu.Currency() == "" || r.ram.Currency() == "" {
			continue // a family needs both rates
		}
		parts := strings.SplitN(k, "|", 3)
		list = append(list, GCPRate{Region: parts[0], Family: parts[1], PurchaseOption: parts[2], CPU: r.cpu, RAM: r.ram})
	}
	return PriceGCPMachineTypes(list, effective, SourceGCPCatalog)
}

// GCPRate is a machine family's per-vCPU-hour and per-GiB-hour rates in a
// region for one purchase option, as the Cloud Billing Catalog lists them.
type GCPRate struct {
	Region, Family, PurchaseOption string
	CPU, RAM                       tally.Money
}

// PriceGCPMachineTypes prices the predefined machine types of each rate's
// family: vCPUs × CPU rate + GiB × RAM rate, exactly.
func PriceGCPMachineTypes(rates []GCPRate, effective time.Time, source string) ([]tally.InstancePrice, error) {
	var out []tally.InstancePrice
	for _, r := range rates {
		for _, mt := range machineTypes(r.Family) {
			// Memory in MiB keeps fractional GiB (n1: 3.75 GiB per vCPU) exact.
			cpu, _ := r.CPU.MulRatio(uint64(mt.vcpus), 1)
			ram, _ := r.RAM.MulRatio(uint64(mt.memoryBytes>>20), 1024)
			total, err := cpu.Add(ram)
			if err != nil {
				return nil, fmt.Errorf("price %s in %s: %w", mt.name, r.Region, err)
			}
			out = append(out, tally.InstancePrice{Provider: tally.ProviderGCP, Region: r.Region, InstanceType: mt.name, PurchaseOption: r.PurchaseOption,
				OperatingSystem: "linux", HourlyPrice: total, VCPUs: float64(mt.vcpus), MemoryBytes: mt.memoryBytes,
				EffectiveFrom: effective, Source: source})
		}
	}
	sortPrices(out)
	return out, nil
}

// classify names a SKU's machine family, resource (cpu or ram) and purchase
// option, or ok=false for SKUs that are not per-vCPU/per-GiB instance rates.
func classify(sku *billingpb.Sku) (family, resource, option string, ok bool) {
	cat := sku.GetCategory()
	if cat.GetResourceFamily() != "Compute" {
		return "", "", "", false
	}
	d := sku.GetDescription()
	if m := instanceSku.FindStringSubmatch(d); m != nil {
		family, resource = strings.ToLower(m[1]), map[string]string{"Core": "cpu", "Ram": "ram"}[m[2]]
		switch cat.GetUsageType() {
		case "OnDemand":
			option = tally.PurchaseOnDemand
		case "Preemptible":
			option = tally.PurchaseSpot
		default:
			return "", "", "", false
		}
		return family, resource, option, true
	}
	if m := commitSku.FindStringSubmatch(d); m != nil {
		family, resource = strings.ToLower(m[1]), map[string]string{"Cpu": "cpu", "Ram": "ram"}[m[2]]
		switch cat.GetUsageType() {
		case "Commit1Yr", "Commit3Yr":
			return family, resource, "cud-" + m[3] + "y", true
		}
	}
	return "", "", "", false
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

// machineType is a predefined GCE machine type's shape.
type machineType struct {
	name        string
	vcpus       int
	memoryBytes int64
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
	"t2d": {map[string]int64{"standard": 40960}, []int{1, 2, 4, 8, 16, 32, 48, 60}},
}

// machineTypes lists the predefined machine types of a family.
func machineTypes(family string) []machineType {
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
