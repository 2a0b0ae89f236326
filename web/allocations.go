package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// AllocationStore answers allocation queries.
type AllocationStore interface {
	AllocationRows(ctx context.Context, q attribution.Query) ([]attribution.Row, error)
	// BillingCurrencies returns, per billing account, the currency it is
	// billed in: an answer without costs is in the organization's.
	BillingCurrencies(ctx context.Context) (map[string]tally.Currency, error)
	// Reconciliation compares each whole UTC day of w of each billing
	// account's bill with what attribution spread of it, both on basis.
	Reconciliation(ctx context.Context, w tally.Window, basis tally.CostBasis) ([]attribution.ReconRow, error)
}

// allocationQuery reads the query parameters shared by Tally's and OpenCost's
// allocation endpoints. Idle, shared and shareNamespaces default to the
// organization's stored shared-cost rules (def).
func allocationQuery(v url.Values, now time.Time, def tally.CostSettings) (attribution.Query, error) {
	var q attribution.Query
	var err error
	window := v.Get("window")
	if window == "" {
		window = "7d"
	}
	if q.Window, err = queryWindow(window, now); err != nil {
		return q, err
	}
	q.Window = wholeHours(q.Window)
	if q.Step, err = attribution.ParseStep(v.Get("step")); err != nil {
		return q, err
	}
	for _, a := range splitList(v.Get("aggregate")) {
		d, err := attribution.ParseDimension(a)
		if err != nil {
			return q, err
		}
		q.Aggregate = append(q.Aggregate, d)
	}
	if len(q.Aggregate) == 0 {
		q.Aggregate = []attribution.Dimension{{Field: "namespace"}}
	}
	if q.Filters, err = attribution.ParseFilter(v.Get("filter")); err != nil {
		return q, err
	}
	q.Idle = attribution.IdleMode(orDefault(v.Get("idle"), orDefault(def.Idle, string(attribution.IdleSeparate))))
	q.Shared = attribution.SharedMode(orDefault(v.Get("shared"), orDefault(def.Shared, string(attribution.SharedWeighted))))
	q.ShareNamespaces = def.ShareNamespaces
	if v.Has("shareNamespaces") {
		q.ShareNamespaces = splitList(v.Get("shareNamespaces"))
	}
	if q.Basis, err = tally.ParseCostBasis(v.Get("basis")); err != nil {
		return q, err
	}
	return q, q.Validate()
}

// wholeHours widens w to hour boundaries: costs are kept per hour, so a
// window whose bounds fall inside hours (a dashboard's time range, a
// script's "now") answers the whole hours it touches, and says so in the
// window it returns; steps then start on hours.
func wholeHours(w tally.Window) tally.Window { return w.Widen(time.Hour) }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// allocations answers GET /api/v1/allocations.
func (s *Server) allocations(w http.ResponseWriter, r *http.Request) {
	def, err := s.costSettings(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	q, err := allocationQuery(filterQuery(r, attribution.ParseFilter), s.now(), def)
	q.Aliases = s.aliases
	if err == nil {
		err = notFuture("window", q.Window, s.now())
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		s.error(w, r, tally.Errorf(tally.EInvalid, "format %q: want json or csv", format))
		return
	}
	groups, err := s.aggregate(r.Context(), q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="tally-allocations.csv"`)
		if err := attribution.WriteCSV(w, q, groups); err != nil {
			s.log.ErrorContext(r.Context(), "write csv", "err", err)
		}
		return
	}
	v := attribution.NewView(q, groups)
	if v.Currency == "" {
		if v.Currency, err = s.orgCurrency(r.Context()); err != nil {
			s.error(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// orgCurrency returns the currency the organization is billed in, the
// currency of an answer about its costs that has none (a window before
// the bill): billedIn of every account.
func (s *Server) orgCurrency(ctx context.Context) (string, error) {
	curs, err := s.allocs.BillingCurrencies(ctx)
	return string(attribution.BilledIn(curs, "")), err
}

func (s *Server) aggregate(ctx context.Context, q attribution.Query) ([]attribution.Group, error) {
	rows, err := s.allocs.AllocationRows(ctx, q)
	if err != nil {
		return nil, err
	}
	return attribution.Aggregate(rows, q)
}
