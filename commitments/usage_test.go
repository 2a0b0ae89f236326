package commitments

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestReadUsage(t *testing.T) {
	in := `# a comment
hour,provider,region,instance_type,od_cost
2026-01-01T01:00:00Z,aws,us-east-1,m5.xlarge,0.384
1767225600,aws,us-east-1,m5.xlarge,0.192
2026-01-01T01:00:00Z,gcp,europe-west1,n2-standard-4,0.19
`
	us, err := ReadUsage(strings.NewReader(in), "u.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Name != "usage" || !us[0].Start.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || us[0].Hours() != 2 {
		t.Fatalf("%+v", us)
	}
	u := us[0]
	if u.Streams[0].Provider != "aws" || u.OD[0][0] != NanosOf(0.192) || u.OD[0][1] != NanosOf(0.384) || u.OD[1][0] != 0 || u.OD[1][1] != NanosOf(0.19) {
		t.Fatalf("%+v %v", u.Streams, u.OD)
	}
}

func TestReadUsageErrors(t *testing.T) {
	const h = "scenario,hour,provider,region,instance_type,od_cost\n"
	for _, c := range []struct{ in, want string }{
		{"", "u.csv: bad usage file: empty file"},
		{"hour,provider,region,instance_type\n", "u.csv:1: bad usage file: missing column \"od_cost\""},
		{"hour,hour,provider,region,instance_type,od_cost\n", `column "hour" appears twice`},
		{h + "a,2026-01-01T00:30:00Z,aws,r,m5.large,1\n", `u.csv:2: bad usage file: column hour: value "2026-01-01T00:30:00Z": not on the hour`},
		{h + "a,yesterday,aws,r,m5.large,1\n", "u.csv:2: bad usage file: column hour: value \"yesterday\": want RFC 3339 or Unix seconds"},
		{h + "a,2026-01-01T00:00:00Z,azure,r,m5.large,1\n", "u.csv:2: bad usage file: column provider: value \"azure\": want aws or gcp"},
		{h + "a,2026-01-01T00:00:00Z,aws,,m5.large,1\n", "column region: value \"\": empty"},
		{h + "a,2026-01-01T00:00:00Z,aws,r,m5.large,-1\n", "u.csv:2: bad usage file: column od_cost: value \"-1\": negative"},
		{h + "a,2026-01-01T00:00:00Z,aws,r,m5.large,NaN\n", "column od_cost: value \"NaN\": negative"},
		{h + "a,2026-01-01T00:00:00Z,aws,r,m5.large,1\na,2026-01-01T00:00:00Z,aws,r,m5.large,2\n", "u.csv:3: bad usage file: aws/r/m5.large has another row for 2026-01-01T00:00:00Z (line 2)"},
		{h + "a,2000-01-01T00:00:00Z,aws,r,m5.large,1\na,2199-01-01T00:00:00Z,aws,r,m5.large,2\n", "more than ten years"},
		{h + "a,2026-01-01T00:00:00Z,aws,r,m5.large\n", "u.csv:2: bad usage file: 5 fields, the header has 6"},
		{h, "no rows after the header"},
		{h + "a,2026-01-01T00:00:00Z,aws,r,m5.large,90000\n", `u.csv:2: bad usage file: column od_cost: value "90000": takes the usage of 2026-01-01T00:00:00Z (all streams) past 87738.024017871, the most an hour may have for the simulator's sums to fit 64 bits (scenario "a" spans 1 h, plus a 3-year term)`},
		{h + "a,2026-01-01T00:00:00Z,aws,r,m5.large,50000\na,2026-01-01T00:00:00Z,aws,r,c5.large,50000\n", `u.csv:3: bad usage file: column od_cost: value "50000"`},
	} {
		_, err := ReadUsage(strings.NewReader(c.in), "u.csv")
		if err == nil || !errors.Is(err, ErrBadUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.in, err, c.want)
		}
	}
}

// TestReadUsageSumsFit: a usage file is refused where its hours are too
// large for the simulator's int64 sums, and what is accepted simulates
// exactly even with fees of the peak hour held over the whole span and a
// 3-year term past it.
func TestReadUsageSumsFit(t *testing.T) {
	const hours = 2 * 8760
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	file := func(od string) string {
		var b strings.Builder
		b.WriteString("hour,provider,region,instance_type,od_cost\n")
		for h := 0; h < hours; h++ {
			fmt.Fprintf(&b, "%s,aws,us-east-1,m5.xlarge,%s\n", start.Add(time.Duration(h)*time.Hour).Format(time.RFC3339), od)
		}
		return b.String()
	}
	_, err := ReadUsage(strings.NewReader(file("1000000")), "big.csv")
	if !errors.Is(err, ErrBadUsage) || !strings.Contains(err.Error(), `big.csv:2: bad usage file: column od_cost: value "1000000"`) {
		t.Fatalf("two years at 1,000,000 an hour: err = %v", err)
	}
	peak := MaxHourlyTotal(hours)
	us, err := ReadUsage(strings.NewReader(file(formatNanos(peak))), "peak.csv")
	if err != nil {
		t.Fatalf("two years at the bound, %s an hour: %v", formatNanos(peak), err)
	}
	if err := us[0].CheckRange(); err != nil {
		t.Fatal(err)
	}
	sp := Offer{Provider: "aws", Kind: "compute-savings-plan", TermMonths: 36, Payment: NoUpfront}
	out := NewSimulator(us[0], NewRates(nil)).Run([]Position{{Offer: sp, Fee: peak, Start: 0, End: hours + TermHours(36)}}, 0, hours, nil)
	if out.OD != peak*hours || out.Fees != peak*hours || out.Obligation != peak*Nanos(TermHours(36)) || out.Cost() <= 0 ||
		out.Used+out.Unused != out.Fees || out.ESR() >= 0 {
		t.Errorf("%+v, cost %d, ESR %.3f", out, out.Cost(), out.ESR())
	}
}

func TestUsageCheckRange(t *testing.T) {
	u := usageOf(time.Unix(0, 0), []Stream{m5, {Provider: "aws", Region: "us-east-1", InstanceType: "c5.large"}}, []float64{1, -2}, []float64{3, 4})
	if err := u.CheckRange(); err != nil {
		t.Fatal(err)
	}
	limit := MaxHourlyTotal(u.Hours())
	u.OD[0][1], u.OD[1][1] = limit/2+1, -(limit/2 + 1)
	if err := u.CheckRange(); !errors.Is(err, ErrUsageRange) || !strings.Contains(err.Error(), "aws/us-east-1/c5.large at 1970-01-01T01:00:00Z") {
		t.Errorf("err = %v", err)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	us := Generate(GenerateOptions{Seed: 7, Days: 60})
	var b bytes.Buffer
	if err := WriteUsage(&b, us); err != nil {
		t.Fatal(err)
	}
	back, err := ReadUsage(&b, "gen.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(us) {
		t.Fatalf("%d scenarios back, want %d", len(back), len(us))
	}
	for k, u := range us {
		v := back[k]
		if v.Name != u.Name || !v.Start.Equal(u.Start) || len(v.Streams) != len(u.Streams) || v.Hours() != u.Hours() {
			t.Fatalf("%s: %v %v %d streams %d hours", u.Name, v.Name, v.Start, len(v.Streams), v.Hours())
		}
		for i := range u.OD {
			if v.Streams[i] != u.Streams[i] {
				t.Fatalf("%s: stream %d %v != %v", u.Name, i, v.Streams[i], u.Streams[i])
			}
			for h := range u.OD[i] {
				if v.OD[i][h] != u.OD[i][h] {
					t.Fatalf("%s %s hour %d: %d != %d", u.Name, u.Streams[i], h, v.OD[i][h], u.OD[i][h])
				}
			}
		}
	}
}

// TestBundledScenariosAreGenerated checks testdata/scenarios.csv.gz is the
// generator's output for seed 1 (make commitments-testdata rewrites it).
func TestBundledScenariosAreGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 3 MB")
	}
	f, err := os.Open("testdata/scenarios.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := WriteUsage(&want, Generate(GenerateOptions{Seed: 1})); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("testdata/scenarios.csv.gz is not the generator's output for seed 1: run make commitments-testdata")
	}
}

func TestTrim(t *testing.T) {
	u := usageOf(time.Unix(0, 0), []Stream{m5}, []float64{0}, []float64{1}, []float64{2}, []float64{0})
	v := u.Trim()
	if v.Hours() != 2 || !v.Start.Equal(time.Unix(3600, 0)) || v.OD[0][0] != NanosOf(1) {
		t.Fatalf("%+v", v)
	}
}

func FuzzReadUsage(f *testing.F) {
	f.Add("scenario,hour,provider,region,instance_type,od_cost\ns,2026-01-01T00:00:00Z,aws,us-east-1,m5.large,0.096\n")
	f.Add("hour,provider,region,instance_type,od_cost\n1767225600,gcp,europe-west1,n2-standard-4,0.19\n1767229200,gcp,europe-west1,n2-standard-4,0\n")
	f.Add("hour,provider,region,instance_type,od_cost\n2000-01-01T00:00:00Z,aws,r,t,1\n2009-12-01T00:00:00Z,aws,r,t,1\n")
	f.Fuzz(func(t *testing.T, in string) {
		us, err := ReadUsage(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			if !errors.Is(err, ErrBadUsage) {
				t.Fatalf("error does not wrap ErrBadUsage: %v", err)
			}
			return
		}
		for _, u := range us {
			if err := u.CheckRange(); err != nil {
				t.Fatalf("accepted usage the simulator cannot sum: %v", err)
			}
		}
		var b bytes.Buffer
		if err := WriteUsage(&b, us); err != nil {
			t.Fatal(err)
		}
		back, err := ReadUsage(&b, "again.csv")
		if err != nil {
			if len(us) > 0 && us[0].Hours() > 0 {
				var total Nanos
				for _, u := range us {
					for _, s := range u.Total() {
						total += s
					}
				}
				if total != 0 {
					t.Fatalf("written usage does not read back: %v", err)
				}
			}
			return
		}
		for k := range back {
			if back[k].Name != us[k].Name || len(back[k].Streams) > len(us[k].Streams) {
				t.Fatalf("round trip changed scenario %d", k)
			}
		}
	})
}

// TestWriteUsageReadsBack: names that need quoting (a scenario starting
// with '#', which unquoted made its rows comments, and a region with a
// comma) are written so that ReadUsage reads them back.
func TestWriteUsageReadsBack(t *testing.T) {
	in := "scenario,hour,provider,region,instance_type,od_cost\n" +
		`"#1",2026-01-01T00:00:00Z,aws,"eu,west",m5.large,0.5` + "\n"
	us, err := ReadUsage(strings.NewReader(in), "in.csv")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteUsage(&b, us); err != nil {
		t.Fatal(err)
	}
	back, err := ReadUsage(&b, "again.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 1 || back[0].Name != "#1" || back[0].Streams[0].Region != "eu,west" || back[0].OD[0][0] != NanosOf(0.5) {
		t.Fatalf("read back %+v", back)
	}
}
