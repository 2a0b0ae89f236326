package web_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// TestFunctionsWindowSpansTheCostedHours: hours attributed with nothing in
// them (the scheduler attributes every hour as it passes, also those no
// agent or bill has sent anything for) have no costs: a year of the
// window's costs counts only the hours that have some. The demo's
// organization, served a day after it was generated, annualized its five
// costed days over six (runtime.goexit of checkout/checkout-api: $818.52 a
// year, not $995.87).
func TestFunctionsWindowSpansTheCostedHours(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	// The two days before the bill are attributed, empty.
	w := tally.Window{Start: fixture.Day1.Add(-48 * time.Hour), End: fixture.Day1.Add(48 * time.Hour)}
	if _, err := job.Attribute(context.Background(), w, false); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Functions: db,
		Now: func() time.Time { return fixture.Day1.Add(47 * time.Hour) }, Auth: db, Settings: db, Status: db}))
	t.Cleanup(srv.Close)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))

	type money struct{ Amount string }
	var got struct {
		Window    tally.Window `json:"window"`
		Functions []struct {
			Name        string `json:"name"`
			Total       money  `json:"total"`
			TotalAnnual money  `json:"totalAnnual"`
		} `json:"functions"`
	}
	get(t, srv.URL+"/api/v1/functions?workload=shop/api&window=4d", &got)
	// The bill's 48 hours from Day1 have costs, the hours before none.
	want := tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(48 * time.Hour)}
	if !got.Window.Start.Equal(want.Start) || !got.Window.End.Equal(want.End) {
		t.Errorf("window %v, want %v: the hours with costs", got.Window, want)
	}
	if len(got.Functions) == 0 {
		t.Fatalf("no functions")
	}
	top := got.Functions[0]
	annual, err := tally.MustParseMoney(top.Total.Amount, "USD").MulRatio(365*24, 48)
	if err != nil {
		t.Fatal(err)
	}
	if top.TotalAnnual.Amount != annual.Decimal() {
		t.Errorf("%s: %s in the window, %s a year; want %s (48 hours of costs)", top.Name, top.Total.Amount, top.TotalAnnual.Amount, annual.Decimal())
	}
}
