package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/tallyhq/tally"
)

// RecommendationStore lists the current recommendations of a kind, largest
// saving first.
type RecommendationStore interface {
	Recommendations(ctx context.Context, kind string) ([]tally.Recommendation, error)
}

// rightsizingResponse is the body of GET /api/v1/recommendations/rightsizing.
type rightsizingResponse struct {
	Containers []tally.Recommendation `json:"containers"`
	Nodes      []tally.Recommendation `json:"nodes"`
	// MonthlySavings totals each list per currency.
	MonthlySavings map[string]savingsTotals `json:"monthlySavings"`
}

type savingsTotals struct {
	Containers tally.Money `json:"containers"`
	Nodes      tally.Money `json:"nodes"`
}

// rightsizing answers GET /api/v1/recommendations/rightsizing: container and
// node right-sizing recommendations. Query parameters: kind (container or
// node; both when absent), cluster and namespace (prefixes of the target).
func (s *Server) rightsizing(w http.ResponseWriter, r *http.Request) {
	if s.recs == nil {
		s.error(w, r, tally.Errorf(tally.ENotConfigured, "recommendations are not available on this server"))
		return
	}
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind != "" && kind != "container" && kind != "node" {
		s.error(w, r, tally.Errorf(tally.EInvalid, "kind %q: want container or node", kind))
		return
	}
	prefix := ""
	if c := q.Get("cluster"); c != "" {
		prefix = c + "/"
		if ns := q.Get("namespace"); ns != "" {
			prefix += ns + "/"
		}
	} else if q.Get("namespace") != "" {
		s.error(w, r, tally.Errorf(tally.EInvalid, "namespace needs cluster"))
		return
	}
	resp := rightsizingResponse{Containers: []tally.Recommendation{}, Nodes: []tally.Recommendation{}, MonthlySavings: map[string]savingsTotals{}}
	load := func(k string, into *[]tally.Recommendation, total func(*savingsTotals) *tally.Money) bool {
		recs, err := s.recs.Recommendations(r.Context(), k)
		if err != nil {
			s.error(w, r, err)
			return false
		}
		for _, rec := range recs {
			if !strings.HasPrefix(rec.Target, prefix) {
				continue
			}
			*into = append(*into, rec)
			cur := string(rec.MonthlySavings.Currency())
			t := resp.MonthlySavings[cur]
			sum, err := total(&t).Add(rec.MonthlySavings)
			if err != nil {
				s.error(w, r, err)
				return false
			}
			*total(&t) = sum
			resp.MonthlySavings[cur] = t
		}
		return true
	}
	if kind != "node" && !load(tally.RecommendContainer, &resp.Containers, func(t *savingsTotals) *tally.Money { return &t.Containers }) {
		return
	}
	if kind != "container" && !load(tally.RecommendNode, &resp.Nodes, func(t *savingsTotals) *tally.Money { return &t.Nodes }) {
		return
	}
	writeJSON(w, http.StatusOK, resp)
}
