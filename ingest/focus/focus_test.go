package focus_test

import (
	"context"
	"encoding/csv"
	"math/big"
	"os"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/focus"
)

const sample = "testdata/focus-1.0-sample.csv"

type key struct{ provider, category string }

// providerCode is the expected mapping of the sample's ProviderName values.
var providerCode = map[string]string{"AWS": tally.ProviderAWS, "Microsoft": tally.ProviderAzure, "Oracle": tally.ProviderOracle}

// independentTotals sums BilledCost and EffectiveCost per ProviderName ×
// ChargeCategory straight from the CSV with math/big, sharing no code with
// the parser.
func independentTotals(t *testing.T) (map[key][2]*big.Rat, int) {
	t.Helper()
	f, err := os.Open(sample)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	sums := map[key][2]*big.Rat{}
	for _, r := range recs[1:] {
		k := key{providerCode[r[col["ProviderName"]]], r[col["ChargeCategory"]]}
		s, ok := sums[k]
		if !ok {
			s = [2]*big.Rat{new(big.Rat), new(big.Rat)}
			sums[k] = s
		}
		for i, c := range []string{"BilledCost", "EffectiveCost"} {
			v := r[col[c]]
			if v == "NULL" || v == "" {
				continue
			}
			x, ok := new(big.Rat).SetString(v)
			if !ok {
				t.Fatalf("%s %q", c, v)
			}
			s[i].Add(s[i], x)
		}
	}
	return sums, len(recs) - 1
}

func parseFile(t *testing.T, path string) []tally.CostLine {
	t.Helper()
	in, err := ingest.OpenInput(path, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var lines []tally.CostLine
	err = focus.Parser{}.Parse(context.Background(), in, func(_ int64, l *tally.CostLine, bad *ingest.LineError) error {
		if bad != nil {
			return bad
		}
		lines = append(lines, *l)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestSampleTotalsMatchIndependentSums(t *testing.T) {
	want, n := independentTotals(t)
	if n != 1000 {
		t.Fatalf("fixture has %d rows, want 1000", n)
	}
	lines := parseFile(t, sample)
	if len(lines) != 1000 {
		t.Fatalf("parsed %d lines, want 1000", len(lines))
	}
	got := map[key][2]tally.Money{}
	for _, l := range lines {
		k := key{l.Provider, string(l.ChargeCategory)}
		s := got[k]
		var err error
		if s[0], err = s[0].Add(l.BilledCost); err != nil {
			t.Fatal(err)
		}
		if s[1], err = s[1].Add(l.EffectiveCost); err != nil {
			t.Fatal(err)
		}
		got[k] = s
	}
	if len(got) != len(want) {
		t.Fatalf("got %d provider × category groups, want %d", len(got), len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%v: missing", k)
			continue
		}
		for i, name := range []string{"BilledCost", "EffectiveCost"} {
			gr, ok := new(big.Rat).SetString(g[i].Decimal())
			if !ok {
				t.Fatal(g[i])
			}
			if gr.Cmp(w[i]) != 0 {
				t.Errorf("%v %s = %s, want %s", k, name, g[i].Decimal(), w[i].FloatString(12))
			}
		}
		t.Logf("%-7s %-10s billed %s effective %s", k.provider, k.category, g[0].Decimal(), g[1].Decimal())
	}
}

func TestSampleQuirks(t *testing.T) {
	lines := parseFile(t, sample)
	var tagged, used, nullClass, extras int
	providers := map[string]int{}
	periods := map[string]int{}
	for _, l := range lines {
		providers[l.Provider]++
		if len(l.Tags) > 0 {
			tagged++
		}
		if l.CommitmentDiscountStatus == tally.CommitmentUsed {
			used++
		}
		if l.ChargeClass == "" {
			nullClass++
		}
		if l.Extras["Id"] != "" && l.Extras["NULL"] == "" {
			extras++
		}
		periods[l.BillingPeriodStart.Format("2006-01")]++
		if l.Currency() != "USD" {
			t.Fatalf("currency %q", l.Currency())
		}
	}
	if providers[tally.ProviderAWS] != 942 || providers[tally.ProviderAzure] != 51 || providers[tally.ProviderOracle] != 7 {
		t.Errorf("providers %v, want aws 942, azure (Microsoft) 51, oracle 7", providers)
	}
	if periods["2024-09"] != 999 || periods["2024-10"] != 1 { // one Oracle row is billed in October
		t.Errorf("billing periods %v", periods)
	}
	if tagged == 0 || used == 0 || nullClass == 0 || extras != 1000 {
		t.Errorf("tagged %d, SP used %d, null ChargeClass %d, Id kept in extras %d", tagged, used, nullClass, extras)
	}
	if got := lines[1].Tags["application"]; got != "BrightLensMatrix" {
		t.Errorf("JSON Tags: application = %q", got)
	}
	if got := lines[1].BilledCost.Decimal(); got != "0.0000160599" {
		t.Errorf("BilledCost = %s, want exact 0.0000160599", got)
	}
}
