package tally

import "time"

// Purchase options of a price.
const (
	PurchaseOnDemand = "on-demand"
	PurchaseSpot     = "spot"
)

// InstancePrice is an instance type's hourly price under one purchase option
// (on-demand, spot, a Savings Plan or reservation term, a CUD).
type InstancePrice struct {
	Provider        string    `json:"provider"`
	Region          string    `json:"region"`
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
