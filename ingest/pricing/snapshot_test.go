package pricing_test

import (
	"math"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/pricing"
)

func TestSnapshot(t *testing.T) {
	prices, err := pricing.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if len(prices) < 10000 {
		t.Fatalf("%d prices", len(prices))
	}
	found := false
	for _, p := range prices {
		if p.Region == "us-east-1" && p.InstanceType == "m5.large" && p.PurchaseOption == "on-demand" && p.OperatingSystem == "linux" {
			found = true
			if p.HourlyPrice.Decimal() != "0.096" || p.VCPUs != 2 || p.MemoryBytes != 8<<30 || !strings.HasPrefix(p.Source, "snapshot:github.com/aws/karpenter-provider-aws@") {
				t.Errorf("m5.large: %+v", p)
			}
		}
	}
	if !found {
		t.Fatal("no us-east-1 m5.large on-demand price")
	}
}

// Windows (licence included), Red Hat Enterprise Linux and SUSE Linux are
// priced too, from ec2-instances-info: their on-demand, spot and Reserved
// Instance rates, so that their reservations are recommended at their own
// discounts offline; Ubuntu Pro on demand (the data has no other of its
// rates), so that its nodes are estimated at their own price; and SQL
// Server on Windows, Linux and Red Hat (on demand and reserved, licence
// included: m5.large's Standard licence is charged for 4 vCPUs, its
// minimum, so Linux's 0.096 becomes 0.576).
func TestSnapshotPricesOtherPlatforms(t *testing.T) {
	prices, err := pricing.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range prices {
		if p.Region == "us-east-1" && p.InstanceType == "m5.large" && p.OperatingSystem != "linux" {
			if !strings.HasPrefix(p.Source, "snapshot:github.com/cristim/ec2-instances-info@") || p.VCPUs != 2 || p.MemoryBytes != 8<<30 {
				t.Errorf("%s: %+v", p.PurchaseOption, p)
			}
			got[p.OperatingSystem+" "+p.PurchaseOption] = p.HourlyPrice.Decimal()
		}
	}
	for option, want := range map[string]string{"windows on-demand": "0.188", "windows reserved-1y-no-upfront": "0.152", "windows reserved-3y-no-upfront": "0.133",
		"rhel on-demand": "0.16", "rhel reserved-1y-no-upfront": "0.124", "suse on-demand": "0.152", "suse reserved-1y-no-upfront": "0.093",
		"ubuntu-pro on-demand": "0.1", "windows-sql-std on-demand": "0.668", "windows-sql-std reserved-1y-no-upfront": "0.632",
		"linux-sql-web on-demand": "0.164", "rhel-sql-std on-demand": "0.64"} {
		if got[option] != want {
			t.Errorf("us-east-1 m5.large %s: %q, want %s (all: %v)", option, got[option], want, got)
		}
	}
	if got["windows spot"] == "" {
		t.Errorf("us-east-1 m5.large Windows: no spot price (all: %v)", got)
	}
}

// A bad value names the line it is on, past a quoted field spanning lines,
// and what the column wants.
func TestParseSnapshotErrors(t *testing.T) {
	const head = "provider,region,instance_type,purchase_option,operating_system,currency,hourly_price,vcpus,memory_bytes,gpus,effective_from,source\n"
	const good = "aws,us-east-1,m5.large,on-demand,linux,USD,0.096,2,8589934592,0,2026-07-20,\"snapshot:\nx\"\n"
	for _, c := range []struct{ row, want string }{
		{"aws,us-east-1,m5.large,on-demand,linux,USD,0.096,x,8589934592,0,2026-07-20,s\n", `p.csv:4: column vcpus value "x": want a positive number`},
		{"aws,us-east-1,m5.large,on-demand,linux,USD,0.096,NaN,8589934592,0,2026-07-20,s\n", `p.csv:4: column vcpus value "NaN": want a positive number`},
		{"aws,us-east-1,m5.large,on-demand,linux,USD,-1,2,8589934592,0,2026-07-20,s\n", `p.csv:4: column hourly_price value "-1": want a decimal of at least 0`},
		{"aws,us-east-1,m5.large,on-demand,linux,USD,1,2,-1,0,2026-07-20,s\n", `p.csv:4: column memory_bytes value "-1": want an integer of at least 0`},
		{"aws,us-east-1,m5.large,on-demand,linux,USD,1,2,1,-1,2026-07-20,s\n", `p.csv:4: column gpus value "-1": want an integer of at least 0`},
	} {
		_, err := pricing.ParseSnapshot("p.csv", strings.NewReader(head+good+c.row))
		if err == nil || err.Error() != c.want {
			t.Errorf("got %v, want %s", err, c.want)
		}
	}
}

func FuzzParseSnapshot(f *testing.F) {
	f.Add("provider,region,instance_type,purchase_option,operating_system,currency,hourly_price,vcpus,memory_bytes,gpus,effective_from,source\naws,us-east-1,m5.large,on-demand,linux,USD,0.096,2,8589934592,0,2026-07-20,snapshot:x\n")
	f.Fuzz(func(t *testing.T, s string) {
		prices, err := pricing.ParseSnapshot("fuzz.csv", strings.NewReader(s))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, p := range prices {
			if p.HourlyPrice.Currency() == "" {
				t.Fatalf("price without currency: %+v", p)
			}
			if !(p.VCPUs > 0) || math.IsInf(p.VCPUs, 0) || p.MemoryBytes < 0 || p.GPUs < 0 || p.HourlyPrice.Sign() < 0 {
				t.Fatalf("price of an impossible instance: %+v", p)
			}
		}
	})
}

// TestSnapshotHasUpfrontReservedRates: the snapshot holds standard Reserved
// Instances' partial and all upfront rates, under the purchase options
// `pricing sync aws` stores them as, each the effective hourly price (the
// upfront fee over the term's hours plus the hourly rate), so an upfront
// plan made offline takes the catalog's discount, not the no-upfront one
// plus a typical figure. Paying more upfront costs less an hour: m5.xlarge's
// 1-year All Upfront is $989 over 8,760 hours, 0.1129.
func TestSnapshotHasUpfrontReservedRates(t *testing.T) {
	prices, err := pricing.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	less := func(a, b tally.Money) bool { c, err := a.Cmp(b); return err == nil && c < 0 }
	got := map[string]tally.Money{}
	for _, p := range prices {
		if p.Region == "us-east-1" && p.InstanceType == "m5.xlarge" && p.OperatingSystem == "linux" {
			got[p.PurchaseOption] = p.HourlyPrice
		}
	}
	if d := got["reserved-1y-all-upfront"].Decimal(); d != "0.1129" {
		t.Errorf("us-east-1 m5.xlarge reserved-1y-all-upfront: %q, want 0.1129 (all: %v)", d, got)
	}
	for _, years := range []string{"1y", "3y"} {
		all, partial, none := got["reserved-"+years+"-all-upfront"], got["reserved-"+years+"-partial-upfront"], got["reserved-"+years+"-no-upfront"]
		if all.IsZero() || partial.IsZero() || none.IsZero() {
			t.Errorf("us-east-1 m5.xlarge %s: all upfront %v, partial %v, no upfront %v: want all three (all: %v)", years, all, partial, none, got)
			continue
		}
		if !less(all, partial) || !less(partial, none) {
			t.Errorf("us-east-1 m5.xlarge %s: all upfront %s, partial %s, no upfront %s: want them in increasing order", years, all, partial, none)
		}
	}
}
