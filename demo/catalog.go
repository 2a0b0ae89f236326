package demo

import (
	"strconv"
	"strings"

	"github.com/tallyhq/tally"
)

// instanceType is a machine type with its public prices in the region the
// demo runs it in (AWS us-west-2, GCP us-central1), Linux, shared tenancy.
type instanceType struct {
	Provider string
	Name     string // m5.xlarge, n2-standard-4
	Family   string // m5, n2
	Arch     string // amd64, arm64
	VCPU     int
	MemGiB   int
	MaxPods  int     // EKS ENI-based pod limit (110 on GKE)
	NormUnit float64 // AWS size normalization factor (large = 4, xlarge = 8, …)

	// AWS prices per instance-hour.
	OnDemand tally.Money
	SpotBase tally.Money // mean spot price; hourly prices wander ±8% around it
	SKU      string      // product_sku of the on-demand Linux offer

	// GCP prices per vCPU-hour and per GiB-hour (on-demand and spot), with the
	// SKUs that bill them.
	CoreRate, RAMRate         tally.Money
	SpotCoreRate, SpotRAMRate tally.Money
	CoreSKU, RAMSKU           gcpSKU
	SpotCoreSKU, SpotRAMSKU   gcpSKU
}

// gcpSKU is a GCP billing SKU.
type gcpSKU struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// Relative unit prices that split a node's cost into CPU and RAM pools:
// attribution.DefaultUnitPrices (GCP N2's list prices, OpenCost's default
// ratio), applied to every instance type.
const (
	cpuUnitPrice = 0.031611 // per vCPU-hour
	ramUnitPrice = 0.004237 // per GiB-hour
)

// poolWeights returns the CPU and RAM weights that split the node's cost,
// from its capacity, exactly as attribution computes them.
func (n *node) poolWeights() (cpu, ram uint64) {
	cores := float64(n.typ.VCPU)
	mem := float64(n.typ.memoryCapacity())
	return scaled(cores*cpuUnitPrice, poolUnit), scaled(mem/(1<<30)*ramUnitPrice, poolUnit)
}

// microsOf returns m in whole millionths (rounded).
func microsOf(m tally.Money) uint64 {
	u, _ := mulRatio(m, 1_000_000, 1).Round(0).Units()
	return uint64(u / 1_000_000_000_000)
}

// memoryCapacity is what the kubelet reports as memory capacity: the
// nominal size less what firmware and the kernel keep.
func (t *instanceType) memoryCapacity() int64 {
	nominal := int64(t.MemGiB) << 30
	return nominal - nominal/32
}

// allocatable returns the node's allocatable CPU (millicores) and memory
// (bytes), by the EKS AMI's or GKE's reservation formulas.
func (t *instanceType) allocatable() (milliCPU, mem int64) {
	capm := int64(t.VCPU) * 1000
	// CPU reservation (both EKS and GKE): 6% of the first core, 1% of the
	// second, 0.5% of the next two, 0.25% of the rest.
	res := 60.0
	if t.VCPU > 1 {
		res += 10
	}
	if t.VCPU > 2 {
		res += 5 * float64(min(t.VCPU-2, 2))
	}
	if t.VCPU > 4 {
		res += 2.5 * float64(t.VCPU-4)
	}
	milliCPU = capm - int64(res)
	capacity := t.memoryCapacity()
	const mi = 1 << 20
	if t.Provider == tally.ProviderAWS {
		// kube-reserved 255Mi + 11Mi per pod, eviction threshold 100Mi.
		mem = capacity - (255+11*int64(t.MaxPods)+100)*mi
		return milliCPU, mem
	}
	// GKE: 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8,
	// 6% of the next 112; eviction threshold 100Mi.
	gi := float64(t.MemGiB)
	r := 0.25 * min(gi, 4)
	if gi > 4 {
		r += 0.20 * min(gi-4, 4)
	}
	if gi > 8 {
		r += 0.10 * min(gi-8, 8)
	}
	if gi > 16 {
		r += 0.06 * min(gi-16, 112)
	}
	mem = capacity - int64(r*float64(1<<30)) - 100*mi
	return milliCPU, mem
}

var awsTypes = map[string]*instanceType{}
var gcpTypes = map[string]*instanceType{}

func init() {
	for _, t := range []*instanceType{
		{Name: "m5.large", VCPU: 2, MemGiB: 8, MaxPods: 29, NormUnit: 4, OnDemand: dollars("0.096"), SpotBase: dollars("0.0362"), SKU: "8VCNEHQMSCQS4P39"},
		{Name: "m5a.large", VCPU: 2, MemGiB: 8, MaxPods: 29, NormUnit: 4, OnDemand: dollars("0.086"), SpotBase: dollars("0.0331"), SKU: "2ES9C5KQZGTRDR5T"},
		{Name: "m5.xlarge", VCPU: 4, MemGiB: 16, MaxPods: 58, NormUnit: 8, OnDemand: dollars("0.192"), SKU: "XWVK6B6G5DRXQB42"},
		{Name: "m5.2xlarge", VCPU: 8, MemGiB: 32, MaxPods: 58, NormUnit: 16, OnDemand: dollars("0.384"), SKU: "ZHB2YGF9TQBWZK5B"},
		{Name: "c5.2xlarge", VCPU: 8, MemGiB: 16, MaxPods: 58, NormUnit: 16, OnDemand: dollars("0.34"), SpotBase: dollars("0.1206"), SKU: "9K4XG8TVDN8UM6F2"},
		{Name: "r5.xlarge", VCPU: 4, MemGiB: 32, MaxPods: 58, NormUnit: 8, OnDemand: dollars("0.252"), SKU: "QZ4RPYZQ9BXBC9EZ"},
		{Name: "r5.2xlarge", VCPU: 8, MemGiB: 64, MaxPods: 58, NormUnit: 16, OnDemand: dollars("0.504"), SKU: "6BWGNZR3SBMVCB5K"},
		{Name: "m6g.xlarge", Arch: "arm64", VCPU: 4, MemGiB: 16, MaxPods: 58, NormUnit: 8, OnDemand: dollars("0.154"), SKU: "K8GWQ3D7A7HV7YNT"},
	} {
		t.Provider = tally.ProviderAWS
		t.Family, _, _ = strings.Cut(t.Name, ".")
		if t.Arch == "" {
			t.Arch = "amd64"
		}
		awsTypes[t.Name] = t
	}

	n2Core := gcpSKU{"BB77-5FDA-69D9", "N2 Instance Core running in Americas"}
	n2RAM := gcpSKU{"5B01-D157-A097", "N2 Instance Ram running in Americas"}
	e2Core := gcpSKU{"CF4E-A0C7-E3BF", "E2 Instance Core running in Americas"}
	e2RAM := gcpSKU{"F449-33EC-A5EF", "E2 Instance Ram running in Americas"}
	e2SpotCore := gcpSKU{"2D7E-5B33-7C2E", "Spot Preemptible E2 Instance Core running in Americas"}
	e2SpotRAM := gcpSKU{"9A8C-1E5D-0E3F", "Spot Preemptible E2 Instance Ram running in Americas"}
	for _, t := range []*instanceType{
		{Name: "n2-standard-4", Family: "n2", VCPU: 4, MemGiB: 16, CoreRate: dollars("0.031611"), RAMRate: dollars("0.004237"), CoreSKU: n2Core, RAMSKU: n2RAM},
		{Name: "n2-highmem-4", Family: "n2", VCPU: 4, MemGiB: 32, CoreRate: dollars("0.031611"), RAMRate: dollars("0.004237"), CoreSKU: n2Core, RAMSKU: n2RAM},
		{Name: "e2-standard-4", Family: "e2", VCPU: 4, MemGiB: 16, CoreRate: dollars("0.021811"), RAMRate: dollars("0.002923"), CoreSKU: e2Core, RAMSKU: e2RAM,
			SpotCoreRate: dollars("0.006543"), SpotRAMRate: dollars("0.000877"), SpotCoreSKU: e2SpotCore, SpotRAMSKU: e2SpotRAM},
	} {
		t.Provider = tally.ProviderGCP
		t.Arch = "amd64"
		t.MaxPods = 110
		gcpTypes[t.Name] = t
	}
}

// itoa is strconv.Itoa.
func itoa(i int) string { return strconv.Itoa(i) }
