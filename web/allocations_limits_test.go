package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// refusingAllocations fails if it is ever asked: validation must answer first.
type refusingAllocations struct{}

func (refusingAllocations) BillingCurrencies(context.Context) (map[string]tally.Currency, error) {
	return nil, nil
}

func (refusingAllocations) AllocationRows(context.Context, attribution.Query) ([]attribution.Row, error) {
	return nil, errors.New("store must not be called")
}

func (refusingAllocations) Reconciliation(context.Context, tally.Window, tally.CostBasis) ([]attribution.ReconRow, error) {
	return nil, errors.New("store must not be called")
}

// TestAllocationWindowLimits checks that a window too long, or cut into too
// many steps, is a 400 that costs no memory: any viewer can send these.
func TestAllocationWindowLimits(t *testing.T) {
	tests := []struct{ path, body string }{
		{"/api/v1/allocations?window=30000d&step=1h", "use a larger step"},
		{"/allocation/compute?window=30000d&step=1h", "use a larger step"},
		{"/api/v1/allocations?window=300000d&step=1h", "at most 100 years"},
		{"/allocation/compute?window=300000d", "at most 100 years"},
		{"/api/v1/reconciliation?window=3000d", "at most three years"},
		{"/api/v1/allocations?window=0,253370764799&step=24h", "use a larger step"},
		{"/api/v1/allocations?window=0,253402300799&step=24h", "outside the years 0001–9998"},
		{"/api/v1/allocations?window=0,9000000000000&step=24h", "outside the years 0001–9998"},
		{"/api/v1/allocations?window=7d&step=106752d", `step \"106752d\"`},
		{"/api/v1/allocations?window=2000-01-01T00:00:00Z,2100-01-01T00:00:00Z&aggregate=pod", "at most 92 days"},
		{"/allocation/compute?window=2000-01-01T00:00:00Z,2100-01-01T00:00:00Z&aggregate=node", "at most 92 days"},
		{"/api/v1/allocations?window=2400h&aggregate=namespace", "at most 92 days"},
	}
	// A relative window ends at the next hour: between 23:00 and midnight
	// "2400h" is whole days, which the daily rollups answer without the
	// hourly limit, so the clock is fixed mid-afternoon.
	now := func() time.Time { return time.Date(2026, 10, 31, 15, 4, 0, 0, time.UTC) }
	s := NewServer(Config{Readiness: readiness{}, Allocations: refusingAllocations{}, Now: now})
	for _, tt := range tests {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, asViewer(httptest.NewRequest(http.MethodGet, tt.path, nil)))
		runtime.ReadMemStats(&after)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("GET %s = %d %s, want 400 containing %q", tt.path, rec.Code, rec.Body, tt.body)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("GET %s allocated %d bytes", tt.path, n)
		}
	}
}

// TestAllocationLimitsAllowDashboardViews: every window the dashboard's
// Allocations page offers passes the limits with every aggregation and step
// it offers, except hourly steps over more than MaxSteps hours (90 days).
func TestAllocationLimitsAllowDashboardViews(t *testing.T) {
	now := time.Date(2026, 10, 31, 15, 4, 0, 0, time.UTC) // the 31st: month and lastmonth at their longest
	for _, window := range []string{"today", "yesterday", "24h", "7d", "14d", "30d", "90d", "lastweek", "month", "lastmonth"} {
		for _, agg := range []string{"cluster", "namespace", "controller", "pod", "container", "label:team"} {
			for _, step := range []string{"1h", "1d", "7d", "window"} {
				v := url.Values{"window": {window}, "aggregate": {agg}, "step": {step}}
				_, err := allocationQuery(v, now, tally.CostSettings{})
				if window == "90d" && step == "1h" {
					if err == nil || !strings.Contains(err.Error(), "use a larger step") {
						t.Errorf("%s: %v, want too many steps", v.Encode(), err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", v.Encode(), err)
				}
			}
		}
	}
}
