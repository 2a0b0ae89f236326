package forecast

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestScopes(t *testing.T) {
	for _, s := range []Scope{
		NewScope(KindSpendAccount, "123456789012"),
		NewScope(KindSpendService, "Amazon Elastic Compute Cloud"),
		NewScope(KindSpendNamespace, "prod/eu", "payments"),
		NewScope(KindVCPUHours, "aws", "us-east-1", "m5"),
		NewScope(KindCPU, "prod", "shop", "Deployment/api"),
	} {
		got, err := ParseScope(s.String())
		if err != nil || got.Kind != s.Kind || !slices.Equal(got.Keys, s.Keys) {
			t.Errorf("ParseScope(%q) = %+v, %v; want %+v", s.String(), got, err, s)
		}
	}
	if s := NewScope(KindSpendNamespace, "prod/eu", "payments").String(); s != "spend/namespace/prod%2Feu/payments" {
		t.Errorf("escaped scope %q", s)
	}
	if NewScope(KindVCPUHours, "aws", "us-east-1", "m5").Step() != time.Hour || NewScope(KindSpendAccount, "1").Step() != 24*time.Hour {
		t.Error("scope steps")
	}
	for _, bad := range []string{"spend/account", "spend/account/a/b", "spend/account/", "nope/x", "cpu/a/b"} {
		if _, err := ParseScope(bad); err == nil {
			t.Errorf("ParseScope(%q) accepted", bad)
		}
	}
	if _, err := spendSelection([]string{"usage/vcpu-hours/aws/us-east-1/m5"}); err == nil {
		t.Error("usage scopes are not forecast from the bill")
	}
	sel, err := spendSelection([]string{"spend/account/1", "spend/service/*"})
	if err != nil || !sel[KindSpendAccount]["1"] || sel[KindSpendService] != nil || len(sel) != 2 {
		t.Errorf("selection %v %v", sel, err)
	}
}

func TestSeriesForecastDistribution(t *testing.T) {
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(3, 3))
	var times []time.Time
	var vals []float64
	for h := range 24 * 35 {
		if h == 100 || h == 101 {
			continue // missing hours
		}
		times = append(times, start.Add(time.Duration(h)*time.Hour))
		vals = append(vals, 40+10*math.Sin(2*math.Pi*float64(h)/24)+rng.NormFloat64())
	}
	s, err := NewSeries(times, vals, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(s.Values[100]) || len(s.Values) != 24*35 {
		t.Fatalf("series: %d values, value 100 = %v", len(s.Values), s.Values[100])
	}
	r, err := Forecast(s, Options{Horizon: 48})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Time(0).Equal(start.Add(24*35*time.Hour)) || r.Points()[47].T != r.Time(47) {
		t.Fatalf("forecast starts %s", r.Time(0))
	}
	// Sample paths reproduce the calibrated quantiles.
	paths := r.SamplePaths(4000, rand.New(rand.NewPCG(1, 1)))
	for _, h := range []int{0, 23, 47} {
		col := make([]float64, len(paths))
		for i, p := range paths {
			col[i] = p[h]
		}
		slices.Sort(col)
		lo, hi := col[len(col)/40], col[len(col)-len(col)/40-1]
		w := r.Hi95[h] - r.Lo95[h]
		if math.Abs(lo-r.Lo95[h]) > 0.15*w || math.Abs(hi-r.Hi95[h]) > 0.15*w {
			t.Errorf("step %d: paths' 2.5–97.5%% range %.2f–%.2f, intervals %.2f–%.2f", h, lo, hi, r.Lo95[h], r.Hi95[h])
		}
	}
	if q := r.Quantile(0.5); q[0] < r.Lo80[0] || q[0] > r.Hi80[0] {
		t.Errorf("median %.2f outside the 80%% interval %.2f–%.2f", q[0], r.Lo80[0], r.Hi80[0])
	}
	if _, err := NewSeries([]time.Time{start, start.Add(90 * time.Minute)}, []float64{1, 2}, time.Hour); err == nil {
		t.Error("a time off the hour grid: want an error")
	}
	if _, err := NewSeries([]time.Time{start, start}, []float64{1, 2}, time.Hour); err == nil {
		t.Error("two values in one hour: want an error")
	}
}
