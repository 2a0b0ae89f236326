package gcpbilling

import "testing"

// The kind and machine series of usage and commitment SKUs, which fees
// are matched with covered usage by.
func TestKindOf(t *testing.T) {
	for _, c := range []struct{ desc, kind, series string }{
		{"N2 Instance Core running in Americas", "cpu", "n2"},
		{"N2 Instance Ram running in Americas", "ram", "n2"},
		{" N2 Cpu in Americas for 1 Year", "cpu", "n2"},
		{" Ram in Americas for 1 Year", "ram", ""},
		{" Cpu in Americas for 3 Years", "cpu", ""},
		{"N1 Predefined Instance Core running in Americas", "cpu", "n1"},
		{"Memory-optimized Instance Core running in Americas", "cpu", "memory-optimized"},
		{" Memory-optimized Ram in Americas for 1 Year", "ram", "memory-optimized"},
		{"Nvidia Tesla T4 GPU running in Americas", "gpu", "t4"},
		{" GPU NVIDIA Tesla T4 in Americas for 1 Year", "gpu", "t4"},
		{"Nvidia Tesla T4 GPU attached to Spot Preemptible VMs running in Americas", "gpu", "t4"},
		{" Nvidia Tesla A100 GPU running in Americas for 1 Year", "gpu", "a100"},
		{"Nvidia Tesla A100 80GB GPU running in EMEA", "gpu", "a100-80gb"},
		{"Nvidia H100 80GB GPU running in Americas", "gpu", "h100-80gb"},
		{"Nvidia H100 GPU running in Americas", "gpu", "h100-80gb"},
		{" Nvidia L4 GPU in Frankfurt for 1 Year", "gpu", "l4"},
		{"Nvidia L4 Virtual Workstation GPU running in Netherlands", "gpu", "l4-virtual-workstation"},
		{"Tpu-v4 pod running in Americas", "", ""},
		{"SSD backed Local Storage in Americas", "local-ssd", ""},
		{" Local SSD In Americas for 1 Year", "local-ssd", ""},
		{"Network Internet Egress from Americas to Americas", "", ""},
		{"SSD backed PD Capacity", "", ""},
	} {
		if k, s := kindOf(c.desc); k != c.kind || s != c.series {
			t.Errorf("kindOf(%q) = %q, %q, want %q, %q", c.desc, k, s, c.kind, c.series)
		}
	}
}
