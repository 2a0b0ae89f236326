package cicheck_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tallyhq/tally/cicheck"
)

// TestVerdictAgreesWithInterval: a change fails only when its printed
// confidence interval lies wholly above the gate, and passes only when it
// does not, in the text, the Markdown comment and the JSON alike. Noisy
// runs, one slow base run and one fast head run, make the U test find the
// head over the 2 % gate (p ≈ 0.02); the interval of the two sides' median
// intervals reached below the gate, or below zero, and a reviewer reading
// "fails: +7.9% (-0.48% … +8.6%)" could not tell why it failed. The
// interval is now the U test's own, so at 95 % it is above the gate; with
// 99 % intervals under a test at α = 0.05 it is not, and the change warns.
func TestVerdictAgreesWithInterval(t *testing.T) {
	const gate = 0.02 // DefaultGate
	noisyBase := []float64{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1045, 1100}
	noisyHead := []float64{990, 1040, 1081, 1082, 1083, 1084, 1085, 1086, 1087, 1088}
	cases := []struct {
		name       string
		base, head []float64 // ns/op of a benchmark, or 10 ms CPU ticks of a profile
		confidence float64
		want       cicheck.Verdict
	}{
		{"noisy: the median intervals cross zero",
			noisyBase,
			noisyHead,
			0.95, cicheck.Fail},
		{"noisy: 99% interval",
			noisyBase,
			noisyHead,
			0.99, cicheck.Warn},
		{"noisy: the median intervals reach below the gate",
			[]float64{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1015, 1100},
			[]float64{1000, 1030, 1081, 1082, 1083, 1084, 1085, 1086, 1087, 1088},
			0.95, cicheck.Fail},
		{"quiet: 8% slower",
			[]float64{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009},
			[]float64{1080, 1081, 1082, 1083, 1084, 1085, 1086, 1087, 1088, 1089},
			0.95, cicheck.Fail},
		{"quiet: no change",
			[]float64{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009},
			[]float64{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1010},
			0.95, cicheck.Pass},
	}
	for _, tc := range cases {
		cfg := cicheck.Config{Stats: cicheck.Stats{Alpha: 0.05, Confidence: tc.confidence}, Gate: cicheck.DefaultGate}
		reports := map[string]*cicheck.Report{
			"bench":    benchReportOf(t, tc.base, tc.head, cfg),
			"profiles": profileReportOf(t, tc.base, tc.head, cfg),
		}
		for kind, r := range reports {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				if r.Verdict != tc.want {
					t.Errorf("verdict %s, want %s: %s %s", r.Verdict, tc.want, r.Headline, r.Reason)
				}
				if why := "confidence interval (" + printedRange(t, r.Reason) + ") is not wholly above the gate"; tc.want == cicheck.Warn && !strings.Contains(r.Reason, why) {
					t.Errorf("reason %q, want it to say %q", r.Reason, why)
				}
				var text, md, js bytes.Buffer
				if err := cicheck.RenderText(&text, r, 0); err != nil {
					t.Fatal(err)
				}
				if err := cicheck.RenderMarkdown(&md, r, cicheck.MarkdownOptions{}); err != nil {
					t.Fatal(err)
				}
				if err := cicheck.RenderJSON(&js, r); err != nil {
					t.Fatal(err)
				}
				checkAgree(t, "text", r.Verdict, printedLo(t, text.String()), gate)
				checkAgree(t, "markdown", mdVerdict(t, md.String()), printedLo(t, md.String()), gate)
				v, lo := jsonVerdict(t, js.Bytes())
				checkAgree(t, "JSON", v, lo, gate)
			})
		}
	}
}

// checkAgree reports a verdict that its interval's lower bound lo
// contradicts: a failure with lo at or under the gate, a pass with lo over it.
func checkAgree(t *testing.T, where string, v cicheck.Verdict, lo, gate float64) {
	t.Helper()
	switch {
	case v == cicheck.Fail && !(lo > gate):
		t.Errorf("%s: fails with its interval reaching down to %+.2f%%, not above the %.0f%% gate", where, lo*100, gate*100)
	case v == cicheck.Pass && lo > gate:
		t.Errorf("%s: passes with its interval wholly above the %.0f%% gate (from %+.2f%%)", where, gate*100, lo*100)
	}
}

var ciRange = regexp.MustCompile(`([+-][0-9.]+)% … [+-][0-9.]+%`)

// printedRange is the first interval in s, or "" if it has none.
func printedRange(t *testing.T, s string) string {
	t.Helper()
	return ciRange.FindString(s)
}

// printedLo is the lower bound of the first interval in a rendered report.
func printedLo(t *testing.T, s string) float64 {
	t.Helper()
	m := ciRange.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no interval in\n%s", s)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v / 100
}

// mdVerdict is the verdict a Markdown comment's title gives.
func mdVerdict(t *testing.T, md string) cicheck.Verdict {
	t.Helper()
	title, _, _ := strings.Cut(md, "\n")
	for _, v := range []struct {
		word string
		v    cicheck.Verdict
	}{{"cost regression", cicheck.Fail}, {"pass with a warning", cicheck.Warn}, {"pass", cicheck.Pass}} {
		if strings.HasSuffix(title, v.word) {
			return v.v
		}
	}
	t.Fatalf("no verdict in the title %q", title)
	return ""
}

// jsonVerdict is the verdict of a JSON report and the lower bound of the
// relative change it rests on: the total's, or the one benchmark's.
func jsonVerdict(t *testing.T, js []byte) (cicheck.Verdict, float64) {
	t.Helper()
	var doc struct {
		Verdict cicheck.Verdict
		Total   *struct{ RelLo float64 }
		Bench   []struct {
			Verdict cicheck.Verdict
			Time    struct{ RelLo float64 }
		} `json:"benchmarks"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Total != nil {
		return doc.Verdict, doc.Total.RelLo
	}
	if len(doc.Bench) != 1 || doc.Bench[0].Verdict != doc.Verdict {
		t.Fatalf("want one benchmark with the report's verdict %s:\n%s", doc.Verdict, js)
	}
	return doc.Verdict, doc.Bench[0].Time.RelLo
}

// benchReportOf compares one benchmark's ns/op.
func benchReportOf(t *testing.T, base, head []float64, cfg cicheck.Config) *cicheck.Report {
	t.Helper()
	const name = "BenchmarkEncode-8"
	r, err := cicheck.DiffBench(readBench(t, "old.txt", benchLines(map[string][]float64{name: base}, name)),
		readBench(t, "new.txt", benchLines(map[string][]float64{name: head}, name)), cicheck.Calls{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// profileReportOf compares CPU profiles of ticks × 10 ms.
func profileReportOf(t *testing.T, base, head []float64, cfg cicheck.Config) *cicheck.Report {
	t.Helper()
	runs := func(ticks []float64) []*cicheck.Run {
		var rs []*cicheck.Run
		for _, n := range ticks {
			rs = append(rs, tickProfile(t, int64(n), 0))
		}
		return rs
	}
	r, err := cicheck.DiffProfiles(runs(base), runs(head), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOpenGateWarnsWhenIntervalReachesZero: with no threshold, a growth the
// U test finds significant but whose interval (at a confidence other than
// 1 − α) reaches down to zero warns, as it does under a threshold; it
// passed, as if nothing had grown.
func TestOpenGateWarnsWhenIntervalReachesZero(t *testing.T) {
	base := []float64{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1045, 1100}
	head := []float64{990, 995, 1040, 1081, 1082, 1083, 1084, 1085, 1086, 1087, 1088, 1089, 1090, 1091}
	for _, tc := range []struct {
		confidence float64
		want       cicheck.Verdict
	}{{0.95, cicheck.Fail}, {0.999, cicheck.Warn}} {
		cfg := cicheck.Config{Stats: cicheck.Stats{Alpha: 0.05, Confidence: tc.confidence}, Gate: cicheck.Gate{MaxIncrease: -1}}
		for kind, r := range map[string]*cicheck.Report{
			"bench":    benchReportOf(t, base, head, cfg),
			"profiles": profileReportOf(t, base, head, cfg),
		} {
			var text bytes.Buffer
			if err := cicheck.RenderText(&text, r, 0); err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tc.want {
				t.Errorf("%s at %v: verdict %s, want %s:\n%s", kind, tc.confidence, r.Verdict, tc.want, text.String())
			}
			checkAgree(t, kind+" text", r.Verdict, printedLo(t, text.String()), 0)
		}
	}
}

// TestTooFewRunsAdvice: when a confidence needs more than ten runs a side,
// the advice does not call ten a good default.
func TestTooFewRunsAdvice(t *testing.T) {
	ten := []float64{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009}
	cfg := cicheck.Config{Stats: cicheck.Stats{Alpha: 0.05, Confidence: 0.999}, Gate: cicheck.DefaultGate}
	r := profileReportOf(t, ten, ten, cfg)
	if r.Verdict != cicheck.Insufficient || strings.Contains(r.Reason, "10 are a good default") || !strings.Contains(r.Reason, "Collect 12 or more runs per side and") {
		t.Errorf("verdict %s, reason %q", r.Verdict, r.Reason)
	}
}
