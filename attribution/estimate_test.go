package attribution

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestSpotEstimateWithoutSpotPrice: a spot node whose type has no spot price
// in the catalog (tally pricing sync aws fetches none) is estimated at the
// on-demand price, and the run says so: otherwise its hours show up to
// three times what spot costs, with nothing to tell why.
func TestSpotEstimateWithoutSpotPrice(t *testing.T) {
	s := newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{})
	s.in.Nodes[0].Lifecycle = tally.LifecycleSpot
	s.in.Prices = []tally.InstancePrice{{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large", PurchaseOption: tally.PurchaseOnDemand,
		HourlyPrice: usd("0.096")}}
	s.in.BilledThrough = map[string]time.Time{"111": t0}
	var allocs []tally.Allocation
	sum, err := NewEngine(simplePolicy).Run(s.in, func(_ tally.Hour, as []tally.Allocation) error { allocs = append(allocs, as...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	check(t, byKey(allocs), map[string]string{"__idle__/cpu": "0.048", "__idle__/ram": "0.048"})
	if sum.EstimatedNodeHrs != 1 || len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "no spot price for aws m5.large in us-east-1") ||
		!strings.Contains(sum.Warnings[0], "on-demand price") {
		t.Errorf("summary = %+v, want one estimated node-hour and a warning that spot node n1 is estimated at the on-demand price", sum)
	}
}

// TestEstimateByOperatingSystem: a node is estimated at the price of its
// operating system (label kubernetes.io/os): a Windows price never prices
// a Linux node, and a Windows node with no Windows price in the catalog is
// estimated at the Linux price with a warning (the licence is not in it).
// The usage operation EC2 bills its instance under, when read, says more
// than the label: Red Hat is priced as Red Hat, Red Hat BYOL as Linux,
// Windows with SQL Server as itself or, without its prices, as Windows
// with a warning, and a platform the catalog has no prices of (Red Hat
// with SQL Server and HA) as the label says, with a warning.
func TestEstimateByOperatingSystem(t *testing.T) {
	price := func(os, amount string, from time.Time) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large", PurchaseOption: tally.PurchaseOnDemand,
			OperatingSystem: os, HourlyPrice: usd(amount), EffectiveFrom: from}
	}
	linux, windows := price("linux", "0.096", t0.AddDate(0, -1, 0)), price("windows", "0.188", t0.AddDate(0, 0, -1))
	rhel := price("rhel", "0.125", t0.AddDate(0, -1, 0))
	all := []tally.InstancePrice{linux, windows, rhel}
	sql := append([]tally.InstancePrice{price("windows-sql-std", "0.668", t0.AddDate(0, -1, 0))}, all...)
	tests := []struct {
		name      string
		os        string
		operation string
		prices    []tally.InstancePrice
		total     string
		warning   string
	}{
		{"linux node, windows price newer", "", "", []tally.InstancePrice{linux, windows}, "0.096", ""},
		{"windows node", "windows", "", []tally.InstancePrice{linux, windows}, "0.188", ""},
		{"windows node, linux price only", "windows", "", []tally.InstancePrice{linux}, "0.096", "no windows price for aws m5.large in us-east-1"},
		{"red hat instance", "linux", "RunInstances:0010", all, "0.125", ""},
		{"red hat instance, linux price only", "linux", "RunInstances:0010", []tally.InstancePrice{linux}, "0.096", "no rhel price for aws m5.large"},
		{"red hat BYOL instance", "linux", "RunInstances:00g0", all, "0.096", ""},
		{"linux instance", "linux", "RunInstances", all, "0.096", ""},
		{"windows with SQL Server instance", "windows", "RunInstances:0006", sql, "0.668", ""},
		{"windows with SQL Server instance, windows price only", "windows", "RunInstances:0006", all, "0.188",
			"no windows-sql-std price for aws m5.large in us-east-1: unbilled hours of node n1 are estimated at the windows price, without the SQL Server licence"},
		{"linux with SQL Server instance, linux price only", "linux", "RunInstances:0004", all, "0.096",
			"no linux-sql-std price for aws m5.large in us-east-1: unbilled hours of node n1 are estimated at the linux price, without the SQL Server licence"},
		{"red hat with SQL Server and HA instance", "linux", "RunInstances:1014", all, "0.096",
			"node n1: the price catalog does not price platform RunInstances:1014: its unbilled hours are estimated at the linux price"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{})
			if tt.os != "" {
				s.in.Nodes[0].Labels = map[string]string{"kubernetes.io/os": tt.os}
			}
			s.in.Nodes[0].UsageOperation = tt.operation
			s.in.Prices = tt.prices
			s.in.BilledThrough = map[string]time.Time{"111": t0}
			total := tally.Money{}
			sum, err := NewEngine(simplePolicy).Run(s.in, func(_ tally.Hour, as []tally.Allocation) error {
				for _, a := range as {
					total, _ = total.Add(a.EffectiveCost)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if total.Decimal() != tt.total {
				t.Errorf("node-hour estimated at %s, want %s", total.Decimal(), tt.total)
			}
			warned := strings.Join(sum.Warnings, "\n")
			if (tt.warning == "") != (warned == "") || !strings.Contains(warned, tt.warning) {
				t.Errorf("warnings %q, want %q", warned, tt.warning)
			}
		})
	}
}

// TestEstimateUsesThePriceOfTheHour: when the catalog holds a price change,
// an hour is estimated at the price in effect in that hour, not the latest;
// an hour before the first price takes the first.
func TestEstimateUsesThePriceOfTheHour(t *testing.T) {
	price := func(amount string, from time.Time) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large", PurchaseOption: tally.PurchaseOnDemand,
			HourlyPrice: usd(amount), EffectiveFrom: from}
	}
	change := t0.Add(2 * time.Hour)
	s := newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{})
	s.in.Window = tally.Window{Start: t0, End: t0.Add(4 * time.Hour)}
	s.in.Prices = []tally.InstancePrice{price("0.20", change), price("0.10", t0.Add(time.Hour))}
	s.in.BilledThrough = map[string]time.Time{"111": t0.Add(-time.Hour)}
	got := map[int]tally.Money{}
	if _, err := NewEngine(simplePolicy).Run(s.in, func(h tally.Hour, as []tally.Allocation) error {
		for _, a := range as {
			got[int(h.Start().Sub(t0)/time.Hour)], _ = got[int(h.Start().Sub(t0)/time.Hour)].Add(a.EffectiveCost)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for h, want := range []string{"0.1", "0.1", "0.2", "0.2"} {
		if got[h].Decimal() != want {
			t.Errorf("hour %d estimated at %s, want %s (the price changes at hour 2)", h, got[h].Decimal(), want)
		}
	}
}

// TestEstimateRefusesAnotherCurrency: an account billed in euros whose
// catalog was synced in dollars is not estimated in dollars (rows in
// another currency than its bill, which no query can sum with the bill's):
// its unbilled node-hours cost 0 until the bill lands, and the run says
// which sync gives prices in the bill's currency. The bill's currency is
// the store's (Input.BillingCurrency) or, lacking it, that of the
// account's lines in the window.
func TestEstimateRefusesAnotherCurrency(t *testing.T) {
	eur := func(s string) tally.Money { return tally.MustParseMoney(s, "EUR") }
	price := func(m tally.Money) tally.InstancePrice {
		return tally.InstancePrice{Provider: "gcp", Region: "europe-west1", InstanceType: "n2-standard-2", PurchaseOption: tally.PurchaseOnDemand,
			HourlyPrice: m}
	}
	tests := []struct {
		name     string
		currency map[string]tally.Currency
		line     bool // a EUR line of the account in the window
		price    tally.InstancePrice
		total    string
		warning  string
	}{
		{"catalog in the bill's currency", map[string]tally.Currency{"111": "EUR"}, false, price(eur("0.09")), "0.09", ""},
		{"catalog in dollars, bill in euros", map[string]tally.Currency{"111": "EUR"}, false, price(usd("0.097")), "0",
			"tally pricing sync gcp --currency EUR"},
		{"bill in euros known from its lines", nil, true, price(usd("0.097")), "0.5", "tally pricing sync gcp --currency EUR"},
		{"bill's currency unknown", nil, false, price(usd("0.097")), "0.097", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScenario()
			s.in.Clusters[0].Provider, s.in.Clusters[0].Region = "gcp", "europe-west1"
			s.node("n1", "gke-n1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{})
			s.in.Nodes[0].InstanceType, s.in.Nodes[0].Region = "n2-standard-2", "europe-west1"
			if tt.line {
				s.in.Lines = append(s.in.Lines, tally.CostLine{Provider: "gcp", BillingAccountID: "111", ChargePeriodStart: t0, ChargePeriodEnd: t0.Add(time.Hour),
					ChargeCategory: tally.ChargeUsage, ChargeDescription: "Network Inter Zone Egress", BilledCost: eur("0.5"), EffectiveCost: eur("0.5"),
					ListCost: eur("0.5"), ServiceName: "Compute Engine"})
			}
			s.in.Prices = []tally.InstancePrice{tt.price}
			s.in.BillingCurrency = tt.currency
			s.in.BilledThrough = map[string]time.Time{"111": t0}
			total := tally.Money{}
			sum, err := NewEngine(simplePolicy).Run(s.in, func(_ tally.Hour, as []tally.Allocation) error {
				for _, a := range as {
					var err error
					if total, err = total.Add(a.EffectiveCost); err != nil {
						return fmt.Errorf("the hour's allocations are in several currencies: %w", err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if total.Decimal() != tt.total {
				t.Errorf("hour costs %s, want %s", total.Decimal(), tt.total)
			}
			warned := strings.Join(sum.Warnings, "\n")
			if (tt.warning == "") != (warned == "") || !strings.Contains(warned, tt.warning) {
				t.Errorf("warnings %q, want %q", warned, tt.warning)
			}
		})
	}
}
