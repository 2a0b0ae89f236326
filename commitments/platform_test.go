package commitments_test

import (
	"errors"
	"slices"
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

// TestPoolsByPlatform: Reserved Instance pools are per region, instance
// type and platform, for the platforms AWS sells them for; the EC2
// Instance and Compute Savings Plan pools take every platform's usage.
func TestPoolsByPlatform(t *testing.T) {
	stream := func(platform string) commitments.Stream {
		return commitments.Stream{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", Platform: platform}
	}
	streams := []commitments.Stream{stream(""), stream("Windows"), stream("Windows BYOL")}
	got := map[string][]int{}
	for _, p := range commitments.Pools(streams, commitments.PoolOptions{EC2Instance: true, Compute: true, Reserved: true}) {
		got[p.Key()] = p.Streams
	}
	want := map[string][]int{
		"aws/reserved-instance/us-east-1/m5/m5.xlarge":         {0},
		"aws/reserved-instance/us-east-1/m5/m5.xlarge/Windows": {1},
		"aws/ec2-instance-savings-plan/us-east-1/m5":           {0, 1, 2},
		"aws/compute-savings-plan":                             {0, 1, 2},
	}
	if len(got) != len(want) {
		t.Errorf("pools %v, want %v", got, want)
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("pool %s: streams %v, want %v", k, got[k], w)
		}
	}
}

// TestUsagePlatformColumn: the usage file's platform column is optional
// and written only when a stream has a platform other than Linux/UNIX;
// "Linux/UNIX" reads as none, and GCP usage has none.
func TestUsagePlatformColumn(t *testing.T) {
	const file = "hour,provider,region,instance_type,od_cost,platform\n" +
		"2026-10-01T00:00:00Z,aws,us-east-1,m5.xlarge,1,Linux/UNIX\n" +
		"2026-10-01T00:00:00Z,aws,us-east-1,m5.xlarge,2,SUSE Linux\n" +
		"2026-10-01T00:00:00Z,aws,us-east-1,m5.xlarge,3,\n"
	if _, err := commitments.ReadUsage(strings.NewReader(file), "dup.csv"); err == nil || !strings.Contains(err.Error(), "another row") {
		t.Errorf("Linux/UNIX and no platform are one stream: want a duplicate row error, got %v", err)
	}
	us, err := commitments.ReadUsage(strings.NewReader(strings.Join(strings.Split(file, "\n")[:3], "\n")), "usage.csv")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := commitments.WriteUsage(&b, us); err != nil {
		t.Fatal(err)
	}
	if want := "scenario,hour,provider,region,instance_type,od_cost,platform\n" +
		"usage,2026-10-01T00:00:00Z,aws,us-east-1,m5.xlarge,1,\n" +
		"usage,2026-10-01T00:00:00Z,aws,us-east-1,m5.xlarge,2,SUSE Linux\n"; b.String() != want {
		t.Errorf("written:\n%s\nwant:\n%s", b.String(), want)
	}
	us[0].Streams = us[0].Streams[:1]
	us[0].OD = us[0].OD[:1]
	b.Reset()
	if err := commitments.WriteUsage(&b, us); err != nil || strings.Contains(b.String(), "platform") {
		t.Errorf("Linux/UNIX usage alone is written without a platform column (%v):\n%s", err, b.String())
	}
	gcp := "hour,provider,region,instance_type,od_cost,platform\n2026-10-01T00:00:00Z,gcp,europe-west1,n2-standard-4,1,Windows\n"
	if _, err := commitments.ReadUsage(strings.NewReader(gcp), "gcp.csv"); !errors.Is(err, commitments.ErrBadUsage) {
		t.Errorf("GCP usage with a platform: %v, want ErrBadUsage", err)
	}
}
