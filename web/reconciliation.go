package web

import (
	"net/http"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// reconDay is a day of one account's reconciliation as the API answers
// it: money as exact decimal strings, as allocations'.
type reconDay struct {
	Day         string         `json:"day"`
	Account     string         `json:"billingAccountId"`
	Currency    tally.Currency `json:"currency"`
	Bill        string         `json:"bill"` // the bill's total on the response's basis
	Allocated   string         `json:"allocated"`
	Idle        string         `json:"idle"`
	Shared      string         `json:"shared"`
	Unallocated string         `json:"unallocated"`
	Total       string         `json:"total"`
	Difference  string         `json:"difference"`
	Estimated   bool           `json:"estimated"`
	Status      string         `json:"status"` // ok, mismatch, or estimated (the bill does not cover the day yet)
}

// reconResponse is the body of GET /api/v1/reconciliation.
type reconResponse struct {
	Window tally.Window `json:"window"`
	// Basis is the cost basis of the days' bill and allocations:
	// amortized, billed (the invoice's figures) or list.
	Basis      tally.CostBasis `json:"basis"`
	Tolerance  string          `json:"tolerance"`
	Days       []reconDay      `json:"days"`
	OK         int             `json:"ok"`
	Mismatched int             `json:"mismatched"`
	Estimated  int             `json:"estimated"`
	// Largest is the largest absolute difference of a billed day.
	Largest string `json:"largestDifference"`
}

// maxBillWindow is the longest window of the bill the commitment and
// reconciliation views read day by day: three years ("at most three
// years").
const maxBillWindow = 3 * 366 * 24 * time.Hour

// reconciliation answers GET /api/v1/reconciliation?window=30d&basis=billed:
// each whole UTC day of the window of each billing account, its bill
// against what attribution spread of it, both on the basis (amortized by
// default), as tally attribute prints it.
func (s *Server) reconciliation(w http.ResponseWriter, r *http.Request) {
	v := orDefault(r.URL.Query().Get("window"), "30d")
	basis, err := tally.ParseCostBasis(r.URL.Query().Get("basis"))
	var win tally.Window
	if err == nil {
		win, err = queryWindow(v, s.now())
	}
	if err == nil {
		err = notFuture("window", win, s.now())
	}
	if err == nil && win.Duration() > maxBillWindow {
		err = tally.Errorf(tally.EInvalid, "window %q: at most three years", v)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	rows, err := s.allocs.Reconciliation(r.Context(), win, basis)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newReconResponse(win, basis, rows))
}

func newReconResponse(win tally.Window, basis tally.CostBasis, rows []attribution.ReconRow) reconResponse {
	resp := reconResponse{Window: win, Basis: basis, Tolerance: attribution.Tolerance, Days: make([]reconDay, 0, len(rows)), Largest: "0"}
	var largest tally.Money
	for i := range rows {
		row := &rows[i]
		d := reconDay{Day: tally.FormatDay(row.Day), Account: row.Account, Currency: row.Currency, Bill: row.Bill.Decimal(),
			Allocated: row.Allocated.Decimal(), Idle: row.Idle.Decimal(), Shared: row.Shared.Decimal(), Unallocated: row.Unallocated.Decimal(),
			Total: row.Total().Decimal(), Difference: row.Difference().Decimal(), Estimated: row.Estimated, Status: row.Status()}
		switch d.Status {
		case "ok":
			resp.OK++
		case "mismatch":
			resp.Mismatched++
		default:
			resp.Estimated++
		}
		if diff := row.Difference().Abs(); row.HasBill {
			if c, err := diff.Cmp(largest); err != nil || c > 0 {
				largest = diff
			}
		}
		resp.Days = append(resp.Days, d)
	}
	resp.Largest = largest.Decimal()
	return resp
}
