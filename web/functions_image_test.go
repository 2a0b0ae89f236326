package web_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestFunctionsImageDiffOverTheDaysEachRan: two image versions are
// compared where each ran, and a year of each is counted over its own
// days. Both were costed, and annualized, over the whole window: a version
// that ran two of five days showed two fifths of its yearly cost, and the
// version before the window's (the one the dashboard offers to compare
// with, deployed before it) cost nothing, every function of the head "more
// expensive" by all it costs.
func TestFunctionsImageDiffOverTheDaysEachRan(t *testing.T) {
	org := fixture.Org{Start: fixture.Day1, Days: 5, Scale: 1} // shop/api:1.0 for 2 days, then 1.1 for 3
	srv, db := orgServer(t, org)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	mid := org.Midpoint()
	type money struct{ Amount string }
	type fn struct {
		Name        string `json:"name"`
		Total       money  `json:"total"`
		TotalAnnual money  `json:"totalAnnual"`
	}
	type view struct {
		Window    tally.Window `json:"window"`
		Total     money        `json:"total"`
		Functions []fn         `json:"functions"`
		Flame     struct {
			Value float64 `json:"value"`
			Delta float64 `json:"delta"`
		} `json:"flame"`
		Base *struct {
			Window        tally.Window `json:"window"`
			Total         money        `json:"total"`
			HeadFunctions []fn         `json:"headFunctions"`
		} `json:"base"`
	}
	// a year of a cost over hours
	annual := func(f fn, hours uint64) string {
		m, err := tally.MustParseMoney(f.Total.Amount, "USD").MulRatio(365*24, hours)
		if err != nil {
			t.Fatal(err)
		}
		return m.Decimal()
	}
	days := func(from time.Time, n int) tally.Window { return tally.Window{Start: from, End: from.AddDate(0, 0, n)} }
	for _, window := range []string{"7d", "2d"} { // both versions in the window; only 1.1
		var got view
		q := url.Values{"workload": {"shop/api"}, "window": {window}, "image": {"shop/api:1.1"}, "baseImage": {"shop/api:1.0"}}
		if resp := get(t, srv.URL+"/api/v1/functions?"+q.Encode(), &got); resp.StatusCode != 200 || got.Base == nil {
			t.Fatalf("window %s: status %d, base %v", window, resp.StatusCode, got.Base)
		}
		headDays := 3
		if window == "2d" {
			headDays = 2
		}
		if want := days(org.End().AddDate(0, 0, -headDays), headDays); got.Window != want {
			t.Errorf("window %s: head's window %v, want %v: the days 1.1 ran in it", window, got.Window, want)
		}
		if want := (tally.Window{Start: org.Start, End: mid}); got.Base.Window != want {
			t.Errorf("window %s: base's window %v, want %v: the days 1.0 ran", window, got.Base.Window, want)
		}
		if len(got.Functions) == 0 || len(got.Base.HeadFunctions) != len(got.Functions) {
			t.Fatalf("window %s: %d functions, the base's cost of %d", window, len(got.Functions), len(got.Base.HeadFunctions))
		}
		h, b := got.Functions[0], got.Base.HeadFunctions[0]
		if want := annual(h, uint64(headDays*24)); h.TotalAnnual.Amount != want {
			t.Errorf("window %s: 1.1's %s: %s over %d days, %s a year; want %s", window, h.Name, h.Total.Amount, headDays, h.TotalAnnual.Amount, want)
		}
		if want := annual(b, 48); b.TotalAnnual.Amount != want {
			t.Errorf("window %s: 1.0's %s: %s over 2 days, %s a year; want %s", window, b.Name, b.Total.Amount, b.TotalAnnual.Amount, want)
		}
		// The flamegraph's change: the head's cost less the base's over as long.
		base := tally.MustParseMoney(got.Base.Total.Amount, "USD").Float64() * float64(headDays) / 2
		if want := got.Flame.Value - base; got.Flame.Delta < want-1e-6 || got.Flame.Delta > want+1e-6 {
			t.Errorf("window %s: flame delta %.6f, want %.6f (head %.6f, base %s over 2 days, at %d days %.6f)",
				window, got.Flame.Delta, want, got.Flame.Value, got.Base.Total.Amount, headDays, base)
		}
	}
}

// TestFunctionsImageCostedOverTheHoursItRan: an image deployed within a
// day is annualized over the hours its pods ran, not the whole days it was
// profiled in (stack costs are kept per day). The demo's checkout-api
// v2.13.10, run 49 hours over three days, read $528.15 a year of
// runtime.goexit over the three days, not $754.58 over its 49 hours.
func TestFunctionsImageCostedOverTheHoursItRan(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	// api-2 runs shop/api:1.1 beside api-1 (1.0) from 06:00 to 18:00 of the second day.
	from, to := fixture.Day1.Add(30*time.Hour), fixture.Day1.Add(42*time.Hour)
	if err := db.UpsertPods(ctx, []tally.Pod{{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-2", UID: "p2"}, NodeName: "n1",
		OwnerKind: tally.KindDeployment, OwnerName: "api", ValidFrom: from, ValidTo: to,
		Containers: []tally.Container{{Name: "api", Image: "shop/api:1.1", CPURequest: 0.5, MemoryRequest: 1 << 30}}}}); err != nil {
		t.Fatal(err)
	}
	var samples []tally.FunctionSample
	for h := tally.HourOf(from); h < tally.HourOf(to); h++ {
		samples = append(samples, tally.FunctionSample{Cluster: "prod", Hour: h, PodUID: "p2", Container: "api", StackID: fixture.StackHot, Samples: 4, CPUNanos: 4e9})
	}
	if err := db.AddFunctionSamples(ctx, samples); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(48 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	srv := serveDB(t, db, func() time.Time { return fixture.Day1.Add(47 * time.Hour) })
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))

	var got struct {
		Window    tally.Window `json:"window"`
		Functions []struct {
			Name        string                  `json:"name"`
			Total       struct{ Amount string } `json:"total"`
			TotalAnnual struct{ Amount string } `json:"totalAnnual"`
		} `json:"functions"`
	}
	get(t, srv.URL+"/api/v1/functions?workload=shop/api&window=2d&image=shop/api:1.1", &got)
	if want := (tally.Window{Start: from, End: to}); got.Window != want {
		t.Errorf("window %v, want %v: the hours 1.1 ran", got.Window, want)
	}
	if len(got.Functions) == 0 {
		t.Fatal("no functions")
	}
	f := got.Functions[0]
	annual, err := tally.MustParseMoney(f.Total.Amount, "USD").MulRatio(365*24, 12)
	if err != nil {
		t.Fatal(err)
	}
	if f.TotalAnnual.Amount != annual.Decimal() {
		t.Errorf("%s: %s in 12 hours, %s a year; want %s", f.Name, f.Total.Amount, f.TotalAnnual.Amount, annual.Decimal())
	}

	// As the base of a diff, 1.1 is read over the days of those hours: all of its costs.
	var diff struct {
		Base struct {
			Window        tally.Window `json:"window"`
			HeadFunctions []struct {
				Name        string                  `json:"name"`
				Total       struct{ Amount string } `json:"total"`
				TotalAnnual struct{ Amount string } `json:"totalAnnual"`
			} `json:"headFunctions"`
		} `json:"base"`
	}
	get(t, srv.URL+"/api/v1/functions?workload=shop/api&window=2d&image=shop/api:1.0&baseImage=shop/api:1.1", &diff)
	if want := (tally.Window{Start: from, End: to}); diff.Base.Window != want {
		t.Errorf("base's window %v, want %v: the hours 1.1 ran", diff.Base.Window, want)
	}
	for _, b := range diff.Base.HeadFunctions {
		if b.Name == f.Name && (b.Total.Amount != f.Total.Amount || b.TotalAnnual.Amount != f.TotalAnnual.Amount) {
			t.Errorf("1.1's %s as the base: %s, %s a year; want %s, %s a year, as 1.1's own view", b.Name,
				b.Total.Amount, b.TotalAnnual.Amount, f.Total.Amount, f.TotalAnnual.Amount)
		}
	}
}
