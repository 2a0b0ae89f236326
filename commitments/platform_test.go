package commitments_test

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
)

// TestReservedInstanceCoversItsPlatformOnly: a Reserved Instance applies
// to usage of its platform only. A held Linux/UNIX m5.xlarge RI was
// counted as covering Windows m5.xlarge usage (the usage carried no
// platform); it covers none of it, while a Windows one and an EC2
// Instance Savings Plan (any operating system) do.
func TestReservedInstanceCoversItsPlatformOnly(t *testing.T) {
	const file = "hour,provider,region,instance_type,od_cost,platform\n" +
		"2026-10-01T00:00:00Z,aws,us-east-1,m5.xlarge,10,Windows\n" +
		"2026-10-01T01:00:00Z,aws,us-east-1,m5.xlarge,10,Windows\n"
	us, err := commitments.ReadUsage(strings.NewReader(file), "windows.csv")
	if err != nil {
		t.Fatal(err)
	}
	u := us[0]
	held := func(kind, platform string) commitments.Offer {
		scope := map[string]string{"region": "us-east-1", "instanceType": "m5.xlarge", "family": "m5"}
		if platform != "" {
			scope["platform"] = platform
		}
		if kind == tally.CommitEC2SP {
			delete(scope, "instanceType")
		}
		return commitments.OfferOf(tally.Commitment{Provider: "aws", Kind: kind, TermMonths: 12, PaymentOption: commitments.NoUpfront, Scope: scope})
	}
	for _, c := range []struct {
		name    string
		offer   commitments.Offer
		covered commitments.Nanos
	}{
		{"Linux/UNIX RI", held(tally.CommitReserved, "Linux/UNIX"), 0},
		{"Linux/UNIX (Amazon VPC) RI", held(tally.CommitReserved, "Linux/UNIX (Amazon VPC)"), 0},
		{"RI of unknown platform (Linux/UNIX)", held(tally.CommitReserved, ""), 0},
		{"Windows RI", held(tally.CommitReserved, "Windows"), commitments.NanosOf(2 * 5)},
		{"EC2 Instance Savings Plan", held(tally.CommitEC2SP, ""), commitments.NanosOf(2 * 5)},
	} {
		// 3.15/h at 37% off covers 5/h of on-demand usage.
		ps := []commitments.Position{{Offer: c.offer, Fee: commitments.NanosOf(3.15), Start: 0, End: 2, By: "existing"}}
		got := commitments.NewSimulator(u, commitments.Rates{}).Run(ps, 0, 2, nil)
		if d := got.Covered - c.covered; d < -20 || d > 20 {
			t.Errorf("%s on Windows m5.xlarge usage: covered %s of %s, want %s", c.name, got.Covered.Money("USD"), got.OD.Money("USD"),
				c.covered.Money("USD"))
		}
	}
	if s := u.Streams[0].String(); s != "aws/us-east-1/m5.xlarge/Windows" {
		t.Errorf("stream %s, want aws/us-east-1/m5.xlarge/Windows", s)
	}
}
