package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
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
			Bill       string `json:"bill"`
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

// TestReconciliationBasis: GET /api/v1/reconciliation?basis=billed|list
// compares the bill and the allocations on that basis, billed being the
// invoice's figures (a Savings Plan's fees as charged, not spread). It
// compared amortized cost only, so the invoice a finance team holds was
// nowhere; an unknown basis is a 400 naming the parameter and its values.
func TestReconciliationBasis(t *testing.T) {
	db := pgtest.New(t)
	fixture.CoveredNode(t, db)
	srv := serveAttributed(t, db, 48, fixture.Day1.Add(50*time.Hour))
	window := url.QueryEscape(fixture.Day1.Format(time.DateOnly) + "," + fixture.Day1.AddDate(0, 0, 2).Format(time.DateOnly))
	for _, tc := range []struct {
		query, basis, day1, day2 string
	}{
		{"", "amortized", fixture.CoveredNodeAmortized, fixture.CoveredNodeAmortized},
		{"&basis=amortized", "amortized", fixture.CoveredNodeAmortized, fixture.CoveredNodeAmortized},
		{"&basis=billed", "billed", fixture.CoveredNodeBilledDay1, fixture.CoveredNodeBilled},
		{"&basis=list", "list", fixture.CoveredNodeList, fixture.CoveredNodeList},
	} {
		var got struct {
			Basis string `json:"basis"`
			Days  []struct {
				Day        string `json:"day"`
				Bill       string `json:"bill"`
				Total      string `json:"total"`
				Difference string `json:"difference"`
				Status     string `json:"status"`
			} `json:"days"`
			Largest string `json:"largestDifference"`
		}
		if resp := get(t, srv.URL+"/api/v1/reconciliation?window="+window+tc.query, &got); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", tc.query, resp.StatusCode)
		}
		if got.Basis != tc.basis || len(got.Days) != 2 || got.Largest != "0" {
			t.Fatalf("%s: basis %q, %d days, largest difference %s; want %s, 2 days, 0", tc.query, got.Basis, len(got.Days), got.Largest, tc.basis)
		}
		for i, want := range []string{tc.day1, tc.day2} {
			if d := got.Days[i]; d.Bill != want || d.Total != want || d.Difference != "0" || d.Status != "ok" {
				t.Errorf("%s %s: bill %s, attributed %s, difference %s, %s; want %s both, ok", tc.basis, d.Day, d.Bill, d.Total, d.Difference, d.Status, want)
			}
		}
	}
	resp := get(t, srv.URL+"/api/v1/reconciliation?basis=invoice", nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `basis \"invoice\": want amortized, billed or list`) {
		t.Errorf("basis=invoice: %d %s; want 400 naming basis and its values", resp.StatusCode, body)
	}
}
