package commitments

import (
	"testing"

	"github.com/tallyhq/tally"
)

// TestRatesPerPlatform: a commitment's discount on Windows usage is taken
// against Windows' on-demand price, which includes the licence fee that no
// commitment discounts. A Windows Reserved Instance priced 0.305/h on
// 0.376/h on demand saves 19%, not the 37% a Linux/UNIX one saves on
// 0.192/h; a Savings Plan the catalog has no Windows rate for saves on
// Windows usage what it saves on Linux/UNIX's compute part, 25% of 0.192/h
// on 0.376/h. Linux/UNIX's discounts do not change.
func TestRatesPerPlatform(t *testing.T) {
	p := func(os, opt, price string) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", PurchaseOption: opt,
			OperatingSystem: os, HourlyPrice: tally.MustParseMoney(price, "USD")}
	}
	r := NewRates([]tally.InstancePrice{
		p("linux", "on-demand", "0.192"), p("linux", "savings-plan-compute-1y-no-upfront", "0.144"), p("linux", "reserved-1y-no-upfront", "0.121"),
		p("windows", "on-demand", "0.376"), p("windows", "reserved-1y-no-upfront", "0.305"),
	})
	windows := Stream{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", Platform: "Windows"}
	ri := func(platform string) Offer {
		return Offer{Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12, Payment: NoUpfront, Region: "us-east-1",
			InstanceType: "m5.xlarge", Platform: platform}
	}
	sp := Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: NoUpfront}
	for _, c := range []struct {
		what string
		o    Offer
		s    Stream
		want float64
	}{
		{"Windows Reserved Instance on Windows usage", ri("Windows"), windows, 1 - 0.305/0.376},
		{"Compute Savings Plan on Windows usage", sp, windows, 0.25 * 0.192 / 0.376},
		{"Linux/UNIX Reserved Instance on Linux/UNIX usage", ri(""), m5, 1 - 0.121/0.192},
		{"Compute Savings Plan on Linux/UNIX usage", sp, m5, 0.25},
	} {
		d, ok := r.Discount(c.o, c.s)
		if !ok || d < c.want-1e-9 || d > c.want+1e-9 {
			t.Errorf("%s: discount %.4f (covers %v), want %.4f", c.what, d, ok, c.want)
		}
	}
}
