package web_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
)

// TestFunctionsWindowEndsWithTheData: a window reaching past the last
// attributed hour (today, before its bill) costs functions over the hours
// that have costs, so a year of them is not understated and the previous
// window the dashboard compares with is as long. The dashboard's "7d" at
// 21:00 annualized six billed days over seven (−14%), and its diff with the
// previous seven days showed every function cheaper by a seventh.
func TestFunctionsWindowEndsWithTheData(t *testing.T) {
	// Noon of the third day: its bill has not arrived, nothing of it is attributed.
	srv := attributedServer(t, 48, fixture.Day1.Add(60*time.Hour), nil)

	type money struct{ Amount string }
	var got struct {
		Window    tally.Window `json:"window"`
		Total     money        `json:"total"`
		Functions []struct {
			Name        string `json:"name"`
			Total       money  `json:"total"`
			TotalAnnual money  `json:"totalAnnual"`
		} `json:"functions"`
	}
	get(t, srv.URL+"/api/v1/functions?workload=shop/api&window=3d", &got)
	want := tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(48 * time.Hour)}
	if !got.Window.Start.Equal(want.Start) || !got.Window.End.Equal(want.End) {
		t.Errorf("window %v, want %v: it ends with the last attributed hour", got.Window, want)
	}
	if len(got.Functions) == 0 {
		t.Fatalf("no functions")
	}
	top := got.Functions[0]
	annual := tally.MustParseMoney(top.Total.Amount, "USD")
	annual, err := annual.MulRatio(365, 2)
	if err != nil {
		t.Fatal(err)
	}
	if top.TotalAnnual.Amount != annual.Decimal() {
		t.Errorf("%s: %s in the window, %s a year; want %s (two days of costs, a year is 182.5 times them)", top.Name, top.Total.Amount, top.TotalAnnual.Amount, annual.Decimal())
	}
}
