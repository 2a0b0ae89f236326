package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
)

// commitmentSummary is the body of GET /api/v1/commitments: what the
// dashboard's Commitments page shows. Ratios are fractions 0–1.
type commitmentSummary struct {
	// Window is the one the KPIs and their totals are of: the one asked,
	// in whole hours.
	Window          tally.Window            `json:"window"`
	Currency        tally.Currency          `json:"currency"`
	Commitments     []commitments.Holding   `json:"commitments"`
	KPIs            []commitmentKPI         `json:"kpis"`
	Current         *commitmentCurrent      `json:"current,omitempty"`
	Recommendations []summaryRecommendation `json:"recommendations"`
}

// commitmentKPI is one step of the window.
type commitmentKPI struct {
	T           time.Time `json:"t"`
	Utilization *float64  `json:"utilization"`
	Coverage    *float64  `json:"coverage"`
	ESR         *float64  `json:"esr"`
}

// commitmentCurrent is the window's totals and today's lock-in. The lock-in
// is of the commitments in force, whatever the bill; the ratios are the
// bill's, null when the window holds none (BillInWindow false).
type commitmentCurrent struct {
	Utilization  *float64 `json:"utilization"`
	Coverage     *float64 `json:"coverage"`
	ESR          *float64 `json:"esr"`
	LockInMonths float64  `json:"lockInMonths"`
	BillInWindow bool     `json:"billInWindow"`
}

// summaryRecommendation is a purchase recommendation with its monthly
// savings range (the term's P10–P90 spread over the term's months).
type summaryRecommendation struct {
	ID               int64          `json:"id"`
	Target           string         `json:"target"`
	Kind             string         `json:"kind"`
	TermMonths       int            `json:"termMonths"`
	PaymentOption    string         `json:"paymentOption"`
	HourlyCommitment tally.Money    `json:"hourlyCommitment"`
	MonthlySavings   savingsRange   `json:"monthlySavings"`
	Utilization      *float64       `json:"utilization,omitempty"`
	Explanation      string         `json:"explanation"`
	Currency         tally.Currency `json:"currency"`
}

// savingsRange holds decimal strings, as the dashboard reads them: the
// term's percentiles of net savings per month (P50 the median; the mean,
// the stored MonthlySavings, when the recommendation has no median).
type savingsRange struct {
	P10      string `json:"p10"`
	P50      string `json:"p50"`
	P90      string `json:"p90"`
	Currency string `json:"currency"`
}

// commitmentOverview answers GET /api/v1/commitments[?window=90d][&account=A]:
// the window, the commitments in force, utilization, coverage and ESR per step of the
// window, the window's totals, and the purchase recommendations.
func (s *Server) commitmentOverview(w http.ResponseWriter, r *http.Request) {
	st, account, err := s.requestedStatus(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := commitmentSummary{Window: st.Window, Currency: st.Currency, Commitments: list(st.Inventory), KPIs: []commitmentKPI{}, Recommendations: []summaryRecommendation{}}
	for _, m := range st.Series {
		out.KPIs = append(out.KPIs, commitmentKPI{T: m.Start, Utilization: m.Utilization, Coverage: m.Coverage, ESR: m.ESR})
	}
	// The lock-in is of the commitments in force: it was left out with the
	// bill's ratios when the window held no bill.
	if len(st.Series) > 0 || len(st.Inventory) > 0 {
		out.Current = &commitmentCurrent{LockInMonths: st.LockInMonths, BillInWindow: len(st.Series) > 0}
		if out.Current.BillInWindow {
			out.Current.Utilization, out.Current.Coverage, out.Current.ESR = st.Totals.Utilization, st.Totals.Coverage, st.Totals.ESR
		}
	}
	if s.recs != nil {
		recs, err := s.recs.Recommendations(r.Context(), tally.RecommendCommitment)
		if err != nil {
			s.error(w, r, err)
			return
		}
		for _, rec := range recs {
			if sr, ok := summarize(rec, account); ok {
				out.Recommendations = append(out.Recommendations, sr)
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// summarize reads a stored commitment recommendation (see
// commitments.PoolPlan.Recommendation); ok is false for one of another
// account or one that buys nothing.
func summarize(rec tally.Recommendation, account string) (summaryRecommendation, bool) {
	if account != "" && !hasAccountPrefix(rec.Target, account) || !commitments.Buys(rec) {
		return summaryRecommendation{}, false
	}
	var body struct {
		Offer          commitments.Offer `json:"offer"`
		PurchaseHourly tally.Money       `json:"purchaseHourly"`
	}
	var risk struct {
		P10         tally.Money `json:"p10"`
		P50         tally.Money `json:"p50"` // the median; recommendations stored before it was recorded lack it
		P90         tally.Money `json:"p90"`
		Utilization *float64    `json:"expectedUtilization"`
	}
	if json.Unmarshal(rec.Recommended, &body) != nil {
		return summaryRecommendation{}, false
	}
	_ = json.Unmarshal(rec.Risk, &risk)
	cur := rec.MonthlySavings.Currency()
	monthly := func(term tally.Money) string {
		if term.Currency() == "" || body.Offer.TermMonths <= 0 {
			return rec.MonthlySavings.Decimal()
		}
		m, err := term.MulRatio(1, uint64(body.Offer.TermMonths))
		if err != nil {
			return rec.MonthlySavings.Decimal()
		}
		return m.Round(2).Decimal()
	}
	return summaryRecommendation{
		ID: rec.ID, Target: rec.Target, Kind: body.Offer.Kind, TermMonths: body.Offer.TermMonths, PaymentOption: body.Offer.Payment,
		HourlyCommitment: body.PurchaseHourly, Utilization: risk.Utilization, Explanation: rec.Explanation, Currency: cur,
		MonthlySavings: savingsRange{P10: monthly(risk.P10), P50: monthly(risk.P50), P90: monthly(risk.P90), Currency: string(cur)},
	}, true
}

func hasAccountPrefix(target, account string) bool {
	return len(target) > len(account) && target[:len(account)] == account && target[len(account)] == '/'
}
