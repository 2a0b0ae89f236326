package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/tallyhq/tally/attribution"
)

// refusingAllocations fails if it is ever asked: validation must answer first.
type refusingAllocations struct{}

func (refusingAllocations) AllocationRows(context.Context, attribution.Query) ([]attribution.Row, error) {
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
		{"/api/v1/allocations?window=0,9000000000000&step=24h", "use a larger step"},
	}
	s := NewServer(Config{Readiness: readiness{}, Allocations: refusingAllocations{}})
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
