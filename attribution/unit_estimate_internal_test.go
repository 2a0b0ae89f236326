package attribution

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestEstimateFromUnitPrices: a GCP node without a price of its machine
// type is estimated from its family's unit prices: its GPUs at the price
// of the model GKE's label names (matched whatever the order of the
// name's words), a spot node at the on-demand prices with a warning when
// the catalog has no spot ones; a GPU node whose model is unknown, or a
// node whose family has no unit prices, is not estimated and the run says
// which price is missing.
func TestEstimateFromUnitPrices(t *testing.T) {
	unit := func(family, unit, option, amount string) tally.UnitPrice {
		return tally.UnitPrice{Provider: "gcp", Region: "us-central1", Family: family, Unit: unit, PurchaseOption: option, Price: usd(amount)}
	}
	od := tally.PurchaseOnDemand
	units := []tally.UnitPrice{unit("a3", tally.UnitVCPU, od, "0.03"), unit("a3", tally.UnitMemoryGiB, od, "0.003"),
		unit("h100-80gb-mega", tally.UnitGPU, od, "11"), unit("c4", tally.UnitVCPU, od, "0.03465"), unit("c4", tally.UnitMemoryGiB, od, "0.003938")}
	tests := []struct {
		name, itype string
		cpu         float64
		mem         int64
		gpus        int
		labels      map[string]string
		lifecycle   string
		total       string
		warning     string
	}{
		{"gpus by their model", "a3-megagpu-8g", 208, 1872 * gib, 8, map[string]string{gkeAccelerator: "nvidia-h100-mega-80gb"}, "",
			"99.856", "from the on-demand a3 unit prices by its shape (208 vCPUs, 1872.00 GiB, 8 nvidia-h100-mega-80gb GPUs): 99.856"}, // 208 × 0.03 + 1872 × 0.003 + 8 × 11
		{"gpus of an unknown model", "a3-megagpu-8g", 208, 1872 * gib, 8, nil, "", "0",
			"nor its GPUs' model (no cloud.google.com/gke-accelerator label) to estimate it by its shape: unbilled hours of node n1 cost 0"},
		{"spot without spot unit prices", "c4-standard-8", 8, 30 * gib, 0, nil, tally.LifecycleSpot, "0.39534",
			"no spot unit prices of gcp c4 in us-central1: unbilled hours of spot node n1 are estimated at the on-demand ones"},
		{"capacity well under its name's memory", "c4-standard-8", 8, 20 * gib, 0, nil, "", "0.35596",
			"by its shape (8 vCPUs, 20.00 GiB)"}, // 8 × 0.03465 + 20 × 0.003938: not the 30 GiB its name says
		{"a family without unit prices", "m2-ultramem-208", 208, 5888 * gib, 0, nil, "", "0",
			"no catalog price for gcp m2-ultramem-208 in us-central1, nor the on-demand m2 vcpu price to estimate it by its shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScenario().node("n1", "gce-1", tt.cpu, tt.mem, tt.gpus, t0.Add(-time.Hour), time.Time{})
			s.in.Clusters[0].Provider, s.in.Clusters[0].Region = "gcp", "us-central1"
			n := &s.in.Nodes[0]
			n.InstanceType, n.Region, n.Labels, n.Lifecycle = tt.itype, "us-central1", tt.labels, tt.lifecycle
			s.in.UnitPrices = units
			s.in.BilledThrough = map[string]time.Time{"111": t0}
			total := tally.Zero("USD")
			sum, err := NewEngine(simplePolicy).Run(s.in, func(_ tally.Hour, as []tally.Allocation) error {
				for _, a := range as {
					total, _ = total.Add(a.EffectiveCost)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimRight(strings.TrimRight(total.Decimal(), "0"), ".") != strings.TrimRight(strings.TrimRight(tt.total, "0"), ".") {
				t.Errorf("node-hour estimated at %s, want %s", total.Decimal(), tt.total)
			}
			if warned := strings.Join(sum.Warnings, "\n"); !strings.Contains(warned, tt.warning) {
				t.Errorf("warnings %q, want %q", warned, tt.warning)
			}
		})
	}
}

// TestPredefinedShape: a predefined machine type's vCPUs and memory from
// its name, to the MiB as GCE lists them (n1-highcpu-16: 14,746 MiB).
func TestPredefinedShape(t *testing.T) {
	for _, tt := range []struct {
		itype  string
		cpu    uint64
		mib    uint64
		listed bool
	}{
		{"n1-standard-8", 8000, 30720, true},
		{"n1-highcpu-16", 16000, 14746, true},
		{"n1-highcpu-2", 2000, 1843, true},
		{"n2-highmem-4", 4000, 32768, true},
		{"c4-highmem-16", 16000, 126976, true},
		{"c4-standard-2", 2000, 7168, true}, // not 2 × 3.75 GiB
		{"c4-highmem-2", 2000, 15360, true},
		{"e2-medium", 0, 0, false},         // shared core: no vCPU count in the name
		{"m2-ultramem-208", 0, 0, false},   // not in proportion to its vCPUs
		{"n2-standard-0", 0, 0, false},     // no vCPUs
		{"n2-custom-6-24576", 0, 0, false}, // custom: read by customMachineType
	} {
		cpu, mem, ok := predefinedShape(tt.itype)
		if ok != tt.listed || cpu != tt.cpu || mem != tt.mib<<20 {
			t.Errorf("predefinedShape(%q) = %d, %d MiB, %v; want %d, %d MiB, %v", tt.itype, cpu, mem>>20, ok, tt.cpu, tt.mib, tt.listed)
		}
	}
}
