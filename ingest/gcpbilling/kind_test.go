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
		{"Nvidia Tesla T4 GPU running in Americas", "gpu", ""},
		{" GPU NVIDIA Tesla T4 in Americas for 1 Year", "gpu", ""},
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
