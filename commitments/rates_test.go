package commitments

import (
	"math"
	"testing"

	"github.com/tallyhq/tally"
)

// m5xlarge is a us-east-1 catalog price of m5.xlarge on operating system os.
func m5xlarge(os, option, price string) tally.InstancePrice {
	return tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", PurchaseOption: option,
		OperatingSystem: os, HourlyPrice: tally.MustParseMoney(price, "USD")}
}

// TestRatesPerPlatform: a commitment's discount on Windows usage is taken
// against Windows' on-demand price, which includes the licence fee that no
// commitment discounts. A Windows Reserved Instance priced 0.305/h on
// 0.376/h on demand saves 19%, not the 37% a Linux/UNIX one saves on
// 0.192/h; a Savings Plan the catalog has no Windows rate for saves on
// Windows usage what it saves on Linux/UNIX's compute part, 25% of 0.192/h
// on 0.376/h. Linux/UNIX's discounts do not change.
func TestRatesPerPlatform(t *testing.T) {
	r := NewRates([]tally.InstancePrice{
		m5xlarge("linux", "on-demand", "0.192"), m5xlarge("linux", "savings-plan-compute-1y-no-upfront", "0.144"), m5xlarge("linux", "reserved-1y-no-upfront", "0.121"),
		m5xlarge("windows", "on-demand", "0.376"), m5xlarge("windows", "reserved-1y-no-upfront", "0.305"),
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

// TestRatesRedHatAndSUSE: the catalog's rhel and suse prices are Red Hat
// Enterprise Linux's and SUSE Linux's, each discount taken against its own
// on-demand price, and not Linux/UNIX-priced.
func TestRatesRedHatAndSUSE(t *testing.T) {
	r := NewRates([]tally.InstancePrice{
		m5xlarge("linux", "on-demand", "0.192"), m5xlarge("linux", "reserved-1y-no-upfront", "0.121"),
		m5xlarge("rhel", "on-demand", "0.25"), m5xlarge("rhel", "reserved-1y-no-upfront", "0.179"),
		m5xlarge("suse", "on-demand", "0.248"), m5xlarge("suse", "reserved-1y-no-upfront", "0.154"),
	})
	wantOwnDiscounts(t, r, m5xlargeRI, map[string]float64{"Red Hat Enterprise Linux": 1 - 0.179/0.25, "SUSE Linux": 1 - 0.154/0.248})
}

// m5xlargeRI is a 1-year no-upfront Reserved Instance of m5.xlarge in
// us-east-1 on platform.
func m5xlargeRI(platform string) Offer {
	return Offer{Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12, Payment: NoUpfront, Region: "us-east-1",
		InstanceType: "m5.xlarge", Platform: platform}
}

// wantOwnDiscounts checks that offer(platform) takes want[platform] off an
// m5.xlarge stream of each platform, at the platform's own rate (not
// Linux/UNIX-priced).
func wantOwnDiscounts(t *testing.T, r Rates, offer func(platform string) Offer, want map[string]float64) {
	t.Helper()
	for platform, w := range want {
		s := Stream{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", Platform: platform}
		o := offer(platform)
		d, ok := r.Discount(o, s)
		if !ok || math.Abs(d-w) > 1e-9 || r.LinuxPriced(o, s) {
			t.Errorf("%s %s: discount %.4f (covers %v, Linux-priced %v), want %.4f", platform, o.Kind, d, ok, r.LinuxPriced(o, s), w)
		}
	}
}

// TestRatesRedHatHAAndUbuntuPro: the catalog's rhel-ha and ubuntu-pro
// prices are Red Hat Enterprise Linux with HA's and Ubuntu Pro's, so a
// Savings Plan on their usage is planned at their own discounts.
func TestRatesRedHatHAAndUbuntuPro(t *testing.T) {
	r := NewRates([]tally.InstancePrice{
		m5xlarge("linux", "on-demand", "0.192"), m5xlarge("linux", "savings-plan-compute-1y-no-upfront", "0.144"),
		m5xlarge("rhel-ha", "on-demand", "0.29"), m5xlarge("rhel-ha", "savings-plan-compute-1y-no-upfront", "0.242"),
		m5xlarge("ubuntu-pro", "on-demand", "0.262"), m5xlarge("ubuntu-pro", "savings-plan-compute-1y-no-upfront", "0.214"),
	})
	sp := func(string) Offer {
		return Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: NoUpfront}
	}
	wantOwnDiscounts(t, r, sp, map[string]float64{"Red Hat Enterprise Linux with HA": 0.048 / 0.29, "Ubuntu Pro": 0.048 / 0.262})
}

// TestRatesSQLServer: the catalog's SQL Server prices (windows-sql-std,
// linux-sql-web) are their platforms', so a Reserved Instance or Savings
// Plan on their usage is planned at their own discounts: a small one, as
// the SQL Server licence, most of the price, is not discounted.
func TestRatesSQLServer(t *testing.T) {
	r := NewRates([]tally.InstancePrice{
		m5xlarge("linux", "on-demand", "0.192"), m5xlarge("linux", "reserved-1y-no-upfront", "0.121"),
		m5xlarge("windows-sql-std", "on-demand", "1.336"), m5xlarge("windows-sql-std", "reserved-1y-no-upfront", "1.265"),
		m5xlarge("linux-sql-web", "on-demand", "0.26"), m5xlarge("linux-sql-web", "reserved-1y-no-upfront", "0.189"),
	})
	wantOwnDiscounts(t, r, m5xlargeRI, map[string]float64{"Windows with SQL Server Standard": 0.071 / 1.336, "Linux with SQL Server Web": 0.071 / 0.26})
}

// TestRatesWithBilledOnDemand: a platform the catalog does not price (Red
// Hat Enterprise Linux) gets Linux/UNIX's discount, flagged LinuxPriced,
// until a bill's on-demand price of it is added; then the discount leaves
// the licence fee out. A billed price does not replace the catalog's, and
// the rates it was added to are unchanged.
func TestRatesWithBilledOnDemand(t *testing.T) {
	linux := func(opt, price string) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", PurchaseOption: opt,
			OperatingSystem: "linux", HourlyPrice: tally.MustParseMoney(price, "USD")}
	}
	r := NewRates([]tally.InstancePrice{linux("on-demand", "0.192"), linux("savings-plan-compute-1y-no-upfront", "0.144")})
	rhel := Stream{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", Platform: "Red Hat Enterprise Linux"}
	sp := Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: NoUpfront}
	if d, _ := r.Discount(sp, rhel); !r.LinuxPriced(sp, rhel) || math.Abs(d-0.25) > 1e-9 {
		t.Errorf("RHEL without prices: discount %.4f, LinuxPriced %v; want Linux/UNIX's 0.25, true", d, r.LinuxPriced(sp, rhel))
	}
	// The billed 0.5/h of Linux/UNIX would make it 0.25 again.
	billed := r.WithOnDemand([]OnDemandPrice{{rhel, 0.25}, {m5, 0.5}})
	if d, _ := billed.Discount(sp, rhel); billed.LinuxPriced(sp, rhel) || math.Abs(d-0.048/0.25) > 1e-9 {
		t.Errorf("RHEL billed at 0.25/h: discount %.4f, LinuxPriced %v; want %.4f, false", d, billed.LinuxPriced(sp, rhel), 0.048/0.25)
	}
	if !r.LinuxPriced(sp, rhel) {
		t.Error("WithOnDemand changed the rates it was called on")
	}
	if r.LinuxPriced(sp, m5) {
		t.Error("Linux/UNIX usage is LinuxPriced")
	}
}

// TestRatesUpfrontFromCatalog: a payment option the catalog prices earns
// the discount of its own price (the upfront fee over the term's hours plus
// the hourly rate), and the no-upfront rate of the same term is kept beside
// it; one the catalog does not price is the no-upfront discount plus the
// typical points of paymentBonus, and says so (UpfrontTypical). The
// all-upfront price overwrote the no-upfront one, and every upfront
// discount was no-upfront's plus 2 or 4 points.
func TestRatesUpfrontFromCatalog(t *testing.T) {
	r := NewRates([]tally.InstancePrice{
		m5xlarge("linux", "on-demand", "0.192"), m5xlarge("linux", "reserved-1y-no-upfront", "0.121"),
		m5xlarge("linux", "reserved-1y-all-upfront", "0.096"), m5xlarge("linux", "savings-plan-compute-1y-no-upfront", "0.144"),
	})
	sp := func(payment string) Offer {
		return Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: payment}
	}
	ri := func(payment string) Offer {
		o := m5xlargeRI("")
		o.Payment = payment
		return o
	}
	for _, c := range []struct {
		what    string
		o       Offer
		want    float64
		typical bool
	}{
		{"No Upfront Reserved Instance", ri(NoUpfront), 1 - 0.121/0.192, false},
		{"All Upfront Reserved Instance", ri(AllUpfront), 0.5, false},
		{"Partial Upfront Reserved Instance", ri(PartialUpfront), 1 - 0.121/0.192 + 0.02, true},
		{"No Upfront Compute Savings Plan", sp(NoUpfront), 0.25, false},
		{"All Upfront Compute Savings Plan", sp(AllUpfront), 0.29, true},
	} {
		d, ok := r.Discount(c.o, m5)
		if !ok || math.Abs(d-c.want) > 1e-9 {
			t.Errorf("%s: discount %.4f (covers %v), want %.4f", c.what, d, ok, c.want)
		}
		if got := r.UpfrontTypical(c.o, m5); got != c.typical {
			t.Errorf("%s: UpfrontTypical %v, want %v", c.what, got, c.typical)
		}
	}
}
