package pricing

import (
	"testing"

	"cloud.google.com/go/billing/apiv1/billingpb"
)

// TestClassifyGCPSkus: Compute Engine SKU descriptions as the Cloud Billing
// Catalog writes them name their machine family (or GPU), resource and
// purchase option, whether Tally lists the family's shapes or not; custom
// machine types' SKUs name the family's custom rates (n2-custom, extended
// memory apart); sole-tenant, premium and licence SKUs name none,
// spot SKUs are never taken for on-demand ones, nor commitments for either.
func TestClassifyGCPSkus(t *testing.T) {
	tests := []struct {
		desc, usage, group string
		want               skuClass // zero: not a rate of a machine family or GPU
	}{
		{"N2 Instance Core running in Americas", "OnDemand", "CPU", skuClass{"n2", "cpu", "on-demand"}},
		{"N2 Instance Ram running in Americas", "OnDemand", "RAM", skuClass{"n2", "ram", "on-demand"}},
		{"E2 Instance Core running in EMEA", "OnDemand", "CPU", skuClass{"e2", "cpu", "on-demand"}},
		{"N1 Predefined Instance Core running in EMEA", "OnDemand", "CPU", skuClass{"n1", "cpu", "on-demand"}},
		{"N1 Predefined Instance Ram running in Zurich", "OnDemand", "RAM", skuClass{"n1", "ram", "on-demand"}},
		{"Spot Preemptible N1 Predefined Instance Core running in Americas", "Preemptible", "CPU", skuClass{"n1", "cpu", "spot"}},
		{"Preemptible N1 Predefined Instance Ram running in Americas", "Preemptible", "RAM", skuClass{"n1", "ram", "spot"}},
		{"N2D AMD Instance Core running in Americas", "OnDemand", "CPU", skuClass{"n2d", "cpu", "on-demand"}},
		{"C2D AMD Instance Ram running in Americas", "OnDemand", "RAM", skuClass{"c2d", "ram", "on-demand"}},
		{"T2D AMD Instance Core running in Americas", "OnDemand", "CPU", skuClass{"t2d", "cpu", "on-demand"}},
		{"T2A Arm Instance Core running in Americas", "OnDemand", "CPU", skuClass{"t2a", "cpu", "on-demand"}},
		{"C3 Instance Core running in Americas", "OnDemand", "CPU", skuClass{"c3", "cpu", "on-demand"}},
		{"C3D AMD Instance Ram running in Americas", "OnDemand", "RAM", skuClass{"c3d", "ram", "on-demand"}},
		{"Compute optimized Core running in Americas", "OnDemand", "CPU", skuClass{"c2", "cpu", "on-demand"}},
		{"Compute optimized Ram running in Americas", "OnDemand", "RAM", skuClass{"c2", "ram", "on-demand"}},
		{"Compute optimized Instance Core running in Madrid", "OnDemand", "CPU", skuClass{"c2", "cpu", "on-demand"}},
		{"Spot Preemptible Compute optimized Ram running in Americas", "Preemptible", "RAM", skuClass{"c2", "ram", "spot"}},
		{"Memory-optimized Instance Core running in Americas", "OnDemand", "CPU", skuClass{"m1", "cpu", "on-demand"}},
		{"M3 Memory-optimized Instance Ram running in Americas", "OnDemand", "RAM", skuClass{"m3", "ram", "on-demand"}},
		{"A2 Instance Core running in Americas", "OnDemand", "CPU", skuClass{"a2", "cpu", "on-demand"}},
		{"Spot Preemptible A2 Instance Ram running in Americas", "Preemptible", "RAM", skuClass{"a2", "ram", "spot"}},
		{"A3 Instance Core running in Americas", "OnDemand", "CPU", skuClass{"a3", "cpu", "on-demand"}},
		{"G2 Instance Ram running in APAC", "OnDemand", "RAM", skuClass{"g2", "ram", "on-demand"}},
		{"Spot Preemptible N2 Instance Core running in Americas", "Preemptible", "CPU", skuClass{"n2", "cpu", "spot"}},
		// A spot SKU is spot whatever its usage type says.
		{"Spot Preemptible N2 Instance Core running in Americas", "OnDemand", "CPU", skuClass{"n2", "cpu", "spot"}},
		// Commitments: resource-based CUDs, N1's with no family name, C2's in the old spelling.
		{"Commitment v1: N2 Cpu in Americas for 1 Year", "Commit1Yr", "CPU", skuClass{"n2", "cpu", "cud-1y"}},
		{"Commitment v1: N2D AMD Ram in Americas for 3 Years", "Commit3Yr", "RAM", skuClass{"n2d", "ram", "cud-3y"}},
		{"Commitment v1: Cpu in Montreal for 1 Year", "Commit1Yr", "CPU", skuClass{"n1", "cpu", "cud-1y"}},
		{"Commitment v1: Ram in Americas for 3 Year", "Commit3Yr", "RAM", skuClass{"n1", "ram", "cud-3y"}},
		{"Commitment: Compute optimized Core running in Americas for 1 Year", "Commit1Yr", "CPU", skuClass{"c2", "cpu", "cud-1y"}},
		{"Commitment v1: Memory-optimized Cpu in Americas for 3 Year", "Commit3Yr", "CPU", skuClass{"m1", "cpu", "cud-3y"}},
		{"Commitment v1: A2 Cpu in Americas for 1 Year", "Commit1Yr", "CPU", skuClass{"a2", "cpu", "cud-1y"}},
		{"Commitment v1: Nvidia L4 GPU in Americas for 1 Year", "Commit1Yr", "GPU", skuClass{"l4", "gpu", "cud-1y"}},
		// A commitment is never an on-demand or spot price, nor a term other than its own.
		{"Commitment v1: N2 Cpu in Americas for 1 Year", "OnDemand", "CPU", skuClass{}},
		{"Commitment v1: N2 Cpu in Americas for 1 Year", "Commit3Yr", "CPU", skuClass{}},
		{"N2 Instance Core running in Americas", "Commit1Yr", "CPU", skuClass{}},
		// GPUs.
		{"Nvidia Tesla A100 GPU running in Americas", "OnDemand", "GPU", skuClass{"a100", "gpu", "on-demand"}},
		{"Nvidia Tesla A100 80GB GPU running in EMEA", "OnDemand", "GPU", skuClass{"a100-80gb", "gpu", "on-demand"}},
		{"Nvidia H100 80GB GPU running in Americas", "OnDemand", "GPU", skuClass{"h100-80gb", "gpu", "on-demand"}},
		{"Nvidia L4 GPU running in APAC", "OnDemand", "GPU", skuClass{"l4", "gpu", "on-demand"}},
		{"Nvidia Tesla A100 GPU attached to Spot Preemptible VMs running in Americas", "Preemptible", "GPU", skuClass{"a100", "gpu", "spot"}},
		{"Spot Preemptible Nvidia L4 GPU running in Americas", "Preemptible", "GPU", skuClass{"l4", "gpu", "spot"}},
		// Families whose predefined shapes Tally does not list: their unit
		// rates price their nodes by the nodes' own vCPUs and memory.
		{"C4 Instance Core running in Americas", "OnDemand", "CPU", skuClass{"c4", "cpu", "on-demand"}},
		{"C4 Instance Ram running in Tokyo", "OnDemand", "RAM", skuClass{"c4", "ram", "on-demand"}},
		{"Spot Preemptible C4 Instance Core running in Tokyo", "Preemptible", "CPU", skuClass{"c4", "cpu", "spot"}},
		{"C4D Instance Core running in Mumbai", "OnDemand", "CPU", skuClass{"c4d", "cpu", "on-demand"}},
		{"C4A Arm Instance Core running in Northern Virginia", "OnDemand", "CPU", skuClass{"c4a", "cpu", "on-demand"}},
		{"N4D Instance Core running in Delhi", "OnDemand", "CPU", skuClass{"n4d", "cpu", "on-demand"}},
		{"N4A Instance Ram running in Iowa", "OnDemand", "RAM", skuClass{"n4a", "ram", "on-demand"}},
		{"M3 Memory-optimized Instance Core running in Americas", "OnDemand", "CPU", skuClass{"m3", "cpu", "on-demand"}},
		{"Z3 Instance Core running in Iowa", "OnDemand", "CPU", skuClass{"z3", "cpu", "on-demand"}},
		{"Spot Preemptible Z3 Instance Core running in Columbus", "Preemptible", "CPU", skuClass{"z3", "cpu", "spot"}},
		{"H3 Instance Ram running in Americas", "OnDemand", "RAM", skuClass{"h3", "ram", "on-demand"}},
		{"G4 Instance Core running in Americas", "OnDemand", "CPU", skuClass{"g4", "cpu", "on-demand"}},
		{"Nvidia H100 80GB Mega GPU running in Americas", "OnDemand", "GPU", skuClass{"h100-80gb-mega", "gpu", "on-demand"}},
		// Custom machine types: families of their own (their rates are not
		// the predefined ones'), N1's named by no series, extended memory
		// apart.
		{"N2 Custom Instance Core running in Americas", "OnDemand", "CPU", skuClass{"n2-custom", "cpu", "on-demand"}},
		{"N2 Custom Instance Ram running in Paris", "OnDemand", "RAM", skuClass{"n2-custom", "ram", "on-demand"}},
		{"N2D AMD Custom Instance Core running in Americas", "OnDemand", "CPU", skuClass{"n2d-custom", "cpu", "on-demand"}},
		{"E2 Custom Instance Core running in Mumbai", "OnDemand", "CPU", skuClass{"e2-custom", "cpu", "on-demand"}},
		{"Custom Instance Core running in Americas", "OnDemand", "CPU", skuClass{"n1-custom", "cpu", "on-demand"}},
		{"Custom Instance Ram running in Americas", "OnDemand", "RAM", skuClass{"n1-custom", "ram", "on-demand"}},
		{"Custom Extended Instance Ram running in Los Angeles", "OnDemand", "RAM", skuClass{"n1-custom", "ram-ext", "on-demand"}},
		{"N2 Custom Extended Instance Ram running in Americas", "OnDemand", "RAM", skuClass{"n2-custom", "ram-ext", "on-demand"}},
		{"Spot Preemptible E2 Custom Instance Core running in Paris", "Preemptible", "CPU", skuClass{"e2-custom", "cpu", "spot"}},
		{"Preemptible Custom Instance Core running globally", "Preemptible", "CPU", skuClass{}}, // no region named
		{"Spot Preemptible Custom Extended Instance Ram running in APAC", "Preemptible", "RAM", skuClass{"n1-custom", "ram-ext", "spot"}},
		// Not a family's rates.
		{"Instance Core running in Americas", "OnDemand", "CPU", skuClass{}},
		{"Custom Extended Instance Core running in Americas", "OnDemand", "CPU", skuClass{}},
		{"Sole Tenancy Custom Instance Core running in Americas", "OnDemand", "CPU", skuClass{}},
		{"Sole Tenancy Instance Core running in Americas", "OnDemand", "CPU", skuClass{}},
		{"C2D AMD Sole Tenancy Instance Core running in Americas", "OnDemand", "CPU", skuClass{}},
		{"Memory Optimized Upgrade Premium for Memory-optimized Instance Core running in Singapore", "OnDemand", "CPU", skuClass{}},
		{"Micro Instance with burstable CPU running in Americas", "OnDemand", "CPU", skuClass{}},
		{"Licensing Fee for Windows Server 2012 BYOL (CPU cost)", "OnDemand", "CPU", skuClass{}},
		{"Network Internet Egress from Americas to Americas", "OnDemand", "Network", skuClass{}},
	}
	for _, tt := range tests {
		sku := &billingpb.Sku{Description: tt.desc, Category: &billingpb.Category{ResourceFamily: "Compute", ResourceGroup: tt.group, UsageType: tt.usage}}
		got, ok := classify(sku)
		if ok != (tt.want != skuClass{}) || got != tt.want {
			t.Errorf("%q (%s) = %+v %v, want %+v", tt.desc, tt.usage, got, ok, tt.want)
		}
	}
}
