package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/commitments"
)

// CommitmentStore reads the commitment portfolio and the bill's commitment
// sums.
type CommitmentStore interface {
	// CommitmentSums returns the KPI sums of account's bill ("" for all)
	// charged in w, per step (hour, day, month), provider and currency.
	CommitmentSums(ctx context.Context, account string, w tally.Window, step string) ([]commitments.BillingSums, error)
	// Commitments returns account's commitments active at some time in w,
	// and BillingCommitments what its bill says about each (commitments.Portfolio).
	commitments.PortfolioStore
	// CommitmentActions returns the latest logged actions of account ("" for
	// all), newest first.
	CommitmentActions(ctx context.Context, account string, limit int) ([]commitments.Action, error)
	// BillingAccounts lists the billing accounts with a bill.
	BillingAccounts(ctx context.Context) ([]tally.BillingAccount, error)
	// BillingCurrencies returns, per billing account, the currency it is
	// billed in: that of a status without a bill or commitments.
	BillingCurrencies(ctx context.Context) (map[string]tally.Currency, error)
}

// commitmentRoutes mounts /api/v1/commitments…, each with the parameters
// it takes.
func (s *Server) commitmentRoutes(r chi.Router) {
	r.With(s.takes("window", "step", "account")).Get("/api/v1/commitments", s.commitmentOverview)
	r.With(s.takes("account")).Get("/api/v1/commitments/inventory", s.commitmentInventory)
	r.With(s.takes("window", "step", "account")).Get("/api/v1/commitments/status", s.commitmentStatus)
	r.With(s.takes("account")).Get("/api/v1/commitments/expiries", s.commitmentExpiries)
	r.With(s.takes("account")).Get("/api/v1/commitments/recommendations", s.commitmentRecommendations)
	r.With(s.takes("limit", "account")).Get("/api/v1/commitments/actions", s.commitmentActions)
	r.With(s.takes()).Get("/api/v1/commitments/accounts", s.commitmentAccounts)
}

// commitmentAccounts answers GET /api/v1/commitments/accounts: the billing
// accounts the other routes' account parameter selects, for a picker, each
// with its currency (one account's bill is in one currency; several
// accounts' may not be).
func (s *Server) commitmentAccounts(w http.ResponseWriter, r *http.Request) {
	as, err := s.billedAccounts(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": list(as)})
}

// billedAccount is a billing account with the currency it is billed in
// ("" when unknown).
type billedAccount struct {
	tally.BillingAccount
	Currency tally.Currency `json:"currency,omitempty"`
}

// billedAccounts lists the billing accounts with a bill, each with its
// currency: the dashboard names the currencies that keep all accounts
// from being added up.
func (s *Server) billedAccounts(ctx context.Context) ([]billedAccount, error) {
	as, err := s.commits.BillingAccounts(ctx)
	if err != nil {
		return nil, err
	}
	curs, err := s.commits.BillingCurrencies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]billedAccount, len(as))
	for i, a := range as {
		out[i] = billedAccount{BillingAccount: a, Currency: curs[a.ID]}
	}
	return out, nil
}

// commitmentStatusQuery reads window (default 30d), step (default day, or
// hour for windows up to 2 days, month beyond 180 days) and account.
func (s *Server) commitmentStatusQuery(r *http.Request) (account string, w tally.Window, step string, err error) {
	q := r.URL.Query()
	win := q.Get("window")
	if win == "" {
		win = "30d"
	}
	if w, err = queryWindow(win, s.now()); err != nil {
		return "", w, "", err
	}
	if err = notFuture("window", w, s.now()); err != nil {
		return "", w, "", err
	}
	// The bill is hourly and a step holds the lines that start in it: a
	// window from 00:30 answered 01:00 to the hour after its end, labelled
	// from 00:30.
	w = wholeHours(w)
	if w.Duration() > maxBillWindow {
		return "", w, "", tally.Errorf(tally.EInvalid, "window %q: at most three years", win)
	}
	step = q.Get("step")
	switch step {
	case "":
		step = "day"
		if w.Duration() <= 48*time.Hour {
			step = "hour"
		} else if w.Duration() > 180*24*time.Hour {
			step = "month"
		}
	case "hour":
		if w.Duration() > 31*24*time.Hour {
			return "", w, "", tally.Errorf(tally.EInvalid, "step hour: at most 31 days of window")
		}
	case "day", "month":
	default:
		return "", w, "", tally.Errorf(tally.EInvalid, "step %q: want hour, day or month", step)
	}
	return q.Get("account"), w, step, nil
}

// checkCommitmentAccount returns an ENotFound error naming account when it
// is set but Tally knows no such billing account: none with a bill, no
// commitment stored for it (one 'tally commitments sync aws --account'
// stored before its bill arrived) and no commitment recommendation. An answer about it would be an empty
// portfolio, indistinguishable from an account without commitments.
func (s *Server) checkCommitmentAccount(ctx context.Context, account string) error {
	if account == "" {
		return nil
	}
	as, err := s.commits.BillingAccounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.ID == account {
			return nil
		}
	}
	cs, err := s.commits.Commitments(ctx, account, tally.Window{Start: time.Unix(0, 0).UTC(), End: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	if len(cs) > 0 {
		return nil
	}
	if s.recs != nil {
		recs, err := s.recs.Recommendations(ctx, tally.RecommendCommitment)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if hasAccountPrefix(rec.Target, account) {
				return nil
			}
		}
	}
	return tally.Errorf(tally.ENotFound, "account %q: no billing account of that id has a bill, a commitment or a recommendation "+
		"(GET /api/v1/commitments/accounts lists them)", account)
}

// status computes the portfolio status as of now.
func (s *Server) commitmentStatusOf(ctx context.Context, account string, w tally.Window, step string) (*commitments.Status, error) {
	if err := s.checkCommitmentAccount(ctx, account); err != nil {
		return nil, err
	}
	sums, err := s.commits.CommitmentSums(ctx, account, w, step)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	cs, err := commitments.Portfolio(ctx, s.commits, account, now)
	if err != nil {
		return nil, err
	}
	return commitments.BuildStatus(now, w, step, sums, cs)
}

// commitmentStatus answers GET /api/v1/commitments/status: coverage,
// utilization, ESR, unused dollars and savings over the window and per
// step, by provider, the lock-in, the expiry calendar and the inventory.
func (s *Server) commitmentStatus(w http.ResponseWriter, r *http.Request) {
	st, _, err := s.requestedStatus(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// requestedStatus is the status over the request's window, step and account
// (commitmentStatusQuery), and the account.
func (s *Server) requestedStatus(r *http.Request) (*commitments.Status, string, error) {
	account, win, step, err := s.commitmentStatusQuery(r)
	if err != nil {
		return nil, "", err
	}
	st, err := s.commitmentStatusOf(r.Context(), account, win, step)
	if err != nil || st.Currency != "" {
		return st, account, err
	}
	// No bill in the window and no commitment in force: the status is
	// in the currency its account, or every account, is billed in.
	curs, err := s.commits.BillingCurrencies(r.Context())
	st.Currency = attribution.BilledIn(curs, account)
	return st, account, err
}

// inventoryResponse is the body of GET /api/v1/commitments/inventory.
type inventoryResponse struct {
	AsOf         time.Time              `json:"asOf"`
	Commitments  []commitments.Holding  `json:"commitments"`
	LockInMonths float64                `json:"lockInMonths"`
	HourlyCost   map[string]tally.Money `json:"hourlyCost"` // per currency
}

// commitmentInventory answers GET /api/v1/commitments/inventory: the commitments in
// force now with their hourly cost and remaining months.
func (s *Server) commitmentInventory(w http.ResponseWriter, r *http.Request) {
	now := s.now().UTC()
	st, err := s.commitmentStatusOf(r.Context(), r.URL.Query().Get("account"), tally.Window{Start: now.Add(-time.Hour), End: now}, "hour")
	if err != nil {
		s.error(w, r, err)
		return
	}
	resp := inventoryResponse{AsOf: now, Commitments: st.Inventory, LockInMonths: st.LockInMonths, HourlyCost: map[string]tally.Money{}}
	for _, h := range st.Inventory {
		if err := addByCurrency(resp.HourlyCost, h.HourlyCost); err != nil {
			s.error(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// expiriesResponse is the body of GET /api/v1/commitments/expiries.
type expiriesResponse struct {
	AsOf     time.Time                 `json:"asOf"`
	Expiries []commitments.ExpiryMonth `json:"expiries"`
}

// commitmentExpiries answers GET /api/v1/commitments/expiries: the expiry
// ladder, month by month, of the commitments in force.
func (s *Server) commitmentExpiries(w http.ResponseWriter, r *http.Request) {
	now := s.now().UTC()
	st, err := s.commitmentStatusOf(r.Context(), r.URL.Query().Get("account"), tally.Window{Start: now.Add(-time.Hour), End: now}, "hour")
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, expiriesResponse{AsOf: now, Expiries: st.Expiries})
}

// commitmentRecommendation is a stored commitment recommendation with its
// savings range lifted out of the risk document.
type commitmentRecommendation struct {
	tally.Recommendation
	ExpectedSavings *tally.Money `json:"expectedSavings"` // over the term
	P10             *tally.Money `json:"p10"`
	P90             *tally.Money `json:"p90"`
	WorstCase       *tally.Money `json:"worstCase"`
}

// commitmentRecommendationsResponse is the body of GET /api/v1/commitments/recommendations.
type commitmentRecommendationsResponse struct {
	Recommendations []commitmentRecommendation `json:"recommendations"`
	MonthlySavings  map[string]tally.Money     `json:"monthlySavings"` // per currency
}

// commitmentRecommendations answers GET
// /api/v1/commitments/recommendations[?account=A]: the current purchase
// recommendations, largest saving first, with their savings range. A pool
// that holds (buys nothing, saves nothing) is not a purchase: it is left
// out, as GET /api/v1/commitments leaves it out.
func (s *Server) commitmentRecommendations(w http.ResponseWriter, r *http.Request) {
	if s.recs == nil {
		s.error(w, r, tally.Errorf(tally.ENotConfigured, "recommendations are not available on this server"))
		return
	}
	recs, err := s.recs.Recommendations(r.Context(), tally.RecommendCommitment)
	if err != nil {
		s.error(w, r, err)
		return
	}
	prefix := r.URL.Query().Get("account")
	if err := s.checkCommitmentAccount(r.Context(), prefix); err != nil {
		s.error(w, r, err)
		return
	}
	resp := commitmentRecommendationsResponse{Recommendations: []commitmentRecommendation{}, MonthlySavings: map[string]tally.Money{}}
	for _, rec := range recs {
		if prefix != "" && !hasAccountPrefix(rec.Target, prefix) || !commitments.Buys(rec) {
			continue
		}
		cr := commitmentRecommendation{Recommendation: rec}
		var risk struct {
			E *tally.Money `json:"expectedSavings"`
			L *tally.Money `json:"p10"`
			H *tally.Money `json:"p90"`
			W *tally.Money `json:"worstCase"`
		}
		if json.Unmarshal(rec.Risk, &risk) == nil {
			cr.ExpectedSavings, cr.P10, cr.P90, cr.WorstCase = risk.E, risk.L, risk.H, risk.W
		}
		resp.Recommendations = append(resp.Recommendations, cr)
		if err := addByCurrency(resp.MonthlySavings, rec.MonthlySavings); err != nil {
			s.error(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// commitmentActions answers GET
// /api/v1/commitments/actions[?limit=N][&account=A]: the action log (of
// account A), newest first.
func (s *Server) commitmentActions(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.error(w, r, tally.Errorf(tally.EInvalid, "limit %q: want 1 to 1000", v))
			return
		}
		limit = n
	}
	account := r.URL.Query().Get("account")
	as, err := s.commits.CommitmentActions(r.Context(), account, limit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if len(as) == 0 { // none logged, or an account Tally does not know
		if err := s.checkCommitmentAccount(r.Context(), account); err != nil {
			s.error(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"actions": list(as)})
}

// addByCurrency adds m to its currency's sum in sums.
func addByCurrency(sums map[string]tally.Money, m tally.Money) error {
	cur := string(m.Currency())
	sum, err := sums[cur].Add(m)
	if err != nil {
		return err
	}
	sums[cur] = sum
	return nil
}
