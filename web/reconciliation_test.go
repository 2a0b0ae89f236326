package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/fixture"
)

// TestReconciliationAPI: GET /api/v1/reconciliation answers what tally
// attribute prints, each UTC day of each billing account: the amortized
// bill against what attribution spread (allocated, idle, shared,
// unallocated), their difference and status, and a summary. It was in the
// CLI alone, so the dashboard and scripts could not show that the costs
// add up to the invoice.
func TestReconciliationAPI(t *testing.T) {
	srv := attributedServer(t, 48, fixture.Day1.Add(50*time.Hour), nil)
	var got struct {
		Window struct{ Start, End time.Time }
		Days   []struct {
			Day        string `json:"day"`
			Account    string `json:"billingAccountId"`
			Bill       string `json:"amortizedBill"`
			Total      string `json:"total"`
			Difference string `json:"difference"`
			Status     string `json:"status"`
			Currency   string `json:"currency"`
		} `json:"days"`
		OK         int    `json:"ok"`
		Mismatched int    `json:"mismatched"`
		Estimated  int    `json:"estimated"`
		Largest    string `json:"largestDifference"`
		Tolerance  string `json:"tolerance"`
	}
	window := fixture.Day1.Format(time.DateOnly) + "," + fixture.Day1.AddDate(0, 0, 2).Format(time.DateOnly)
	resp := get(t, srv.URL+"/api/v1/reconciliation?window="+url.QueryEscape(window), &got)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(got.Days) != 2 || got.OK != 2 || got.Mismatched != 0 || got.Tolerance != "0.01" {
		t.Fatalf("reconciliation %+v: want 2 days, both ok", got)
	}
	for _, d := range got.Days {
		// 24 hours of the node ($0.09) and the EKS fee ($0.10).
		if d.Account != "111" || d.Bill != "4.56" || d.Total != "4.56" || d.Difference != "0" || d.Status != "ok" || d.Currency != "USD" {
			t.Errorf("day %+v: want account 111's $4.56 billed and allocated, ok", d)
		}
	}
	if resp := get(t, srv.URL+"/api/v1/reconciliation?window=bogus", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("window=bogus: %d, want 400", resp.StatusCode)
	}
}
