package report

import (
	"bytes"
	"image/png"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestTrendChartShowsTheBudget: a monthly budget well above the spend
// ($60,000 against some $300 a day) is drawn within the chart. The chart's
// height followed the spend and the forecast only, so the budget's line
// lay above it, cut off, while the legend still named "daily budget".
func TestTrendChartShowsTheBudget(t *testing.T) {
	start := time.Date(2026, 9, 28, 0, 0, 0, 0, time.UTC)
	r := &Report{Currency: "USD", Week: WeekOf(start.AddDate(0, 0, 49))}
	for i := range 56 {
		r.Daily = append(r.Daily, DailyCost{Day: start.AddDate(0, 0, i), Cost: tally.MustParseMoney("300", "USD")})
	}
	r.Month = MonthOutlook{Month: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Budget: tally.MustParseMoney("60000", "USD")}
	im, err := TrendChart(r)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(im.PNG))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 == uint32(colorBudget.R) && g>>8 == uint32(colorBudget.G) && bl>>8 == uint32(colorBudget.B) {
				n++
			}
		}
	}
	// The legend's sample has some 20 pixels of it; the dashed line
	// across the month's days some 200.
	if n < 100 {
		t.Errorf("%d pixels of the budget's colour: its line is not drawn", n)
	}
}
