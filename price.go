package tally

import "time"

// Purchase options of a price.
const (
	PurchaseOnDemand = "on-demand"
	PurchaseSpot     = "spot"
)

// InstancePrice is an instance type's hourly price under one purchase option
// (on-demand, spot, a Savings Plan or reservation term, a CUD).
//
// Zone is empty for a price of the whole region. A price of one
// availability zone has it: AWS prices spot per zone, and the catalog keeps
// each zone's spot price (Zone us-east-1b) and their mean over the region's
// zones (Zone ""), which prices a spot node whose zone is unknown or has no
// price of its own. GCP prices spot per region.
type InstancePrice struct {
	Provider        string    `json:"provider"`
	Region          string    `json:"region"`
	Zone            string    `json:"zone,omitempty"`
	InstanceType    string    `json:"instanceType"`
	PurchaseOption  string    `json:"purchaseOption"`
	OperatingSystem string    `json:"operatingSystem"`
	HourlyPrice     Money     `json:"hourlyPrice"`
	VCPUs           float64   `json:"vcpus"`
	MemoryBytes     int64     `json:"memoryBytes"`
	GPUs            int       `json:"gpus"`
	EffectiveFrom   time.Time `json:"effectiveFrom"`
	Source          string    `json:"source"`
}

// Units of a UnitPrice.
const (
	UnitVCPU              = "vcpu"                // per vCPU-hour
	UnitMemoryGiB         = "memory-gib"          // per GiB-hour of memory
	UnitExtendedMemoryGiB = "extended-memory-gib" // per GiB-hour of memory beyond a custom machine type's per-vCPU maximum
	UnitGPU               = "gpu"                 // per GPU-hour of one GPU model
)

// UnitPrice is a machine family's price per unit of one resource under one
// purchase option (on-demand, spot): per vCPU-hour, per GiB-hour of memory
// or extended memory, or, with Unit UnitGPU, per GPU-hour of the GPU model
// Family names (as the catalog does: "l4", "a100-80gb", "h100-80gb-mega").
// Compute Engine prices machine types this way: a node whose instance type
// has no InstancePrice (a custom machine type, a family whose shapes Tally
// does not list) is estimated from its family's unit prices times its own
// vCPUs, memory and GPUs. Custom machine types have families of their own
// ("n2-custom", "n1-custom"), priced apart from the predefined ones.
type UnitPrice struct {
	Provider       string    `json:"provider"`
	Region         string    `json:"region"`
	Family         string    `json:"family"`
	Unit           string    `json:"unit"`
	PurchaseOption string    `json:"purchaseOption"`
	Price          Money     `json:"price"`
	EffectiveFrom  time.Time `json:"effectiveFrom"`
	Source         string    `json:"source"`
}
