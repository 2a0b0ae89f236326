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

// The first reading of a JSON export keeps the lines an Amortizer may
// observe, by their text.
func TestMayAmortize(t *testing.T) {
	for _, c := range []struct {
		line string
		want bool
	}{
		{`{"sku":{"description":"Commitment v1: N2 Cpu in Americas for 1 Year"},"cost":0.6}`, true},
		{`{"sku":{"description":"Commitment - dollar based v1: GCE for 1 year"}}`, true},
		{`{"sku":{"description":"COMMITMENT - DOLLAR BASED V1: GCE FOR 3 YEARS"}}`, true},
		{`{"credits":[{"amount":-0.4,"type":"COMMITTED_USAGE_DISCOUNT"}]}`, true},
		{`{"credits":[{"amount":-0.2,"type":"COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE"}]}`, true},
		{`{"sku":{"description":"N2 Instance Core running in Americas"},"credits":[{"amount":-0.02,"type":"SUSTAINED_USAGE_DISCOUNT"}]}`, false},
		{`{"sku":{"description":"N2 Instance Core running in Americas"}}`, false},
		// Escapes may spell either: "C" as \u0043.
		{`{"credits":[{"type":"\u0043OMMITTED_USAGE_DISCOUNT"}]}`, true},
	} {
		if got := mayAmortize([]byte(c.line)); got != c.want {
			t.Errorf("mayAmortize(%s) = %v, want %v", c.line, got, c.want)
		}
	}
}
