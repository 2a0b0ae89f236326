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
	MonthlySavings map[string]*savingsTotals `json:"monthlySavings"`
}

// savingsTotals are a currency's right-sizing totals a month. Containers
// and Nodes sum the recommendations that save; ContainersAdded and
// NodesAdded, as positive amounts, what those that cost more add (a node
// group grown to relieve pressure). A recommendation that costs more is not
// netted into the savings, which would then understate what the others save.
type savingsTotals struct {
	Containers      tally.Money `json:"containers"`
	Nodes           tally.Money `json:"nodes"`
	ContainersAdded tally.Money `json:"containersAdded"`
	NodesAdded      tally.Money `json:"nodesAdded"`
}

// addSaving adds m, a recommendation's monthly savings, to saved when it
// saves, else its negation (what it adds) to added.
func addSaving(m tally.Money, saved, added *tally.Money) error {
	into := saved
	if m.Sign() < 0 {
		m, into = m.Neg(), added
	}
	sum, err := into.Add(m)
	*into = sum
	return err
}

// totals returns the totals of cur in sums, made when it has none, all
// zero in cur.
func totals(sums map[string]*savingsTotals, cur tally.Currency) *savingsTotals {
	t, ok := sums[string(cur)]
	if !ok {
		z := tally.Zero(cur)
		t = &savingsTotals{Containers: z, Nodes: z, ContainersAdded: z, NodesAdded: z}
		sums[string(cur)] = t
	}
	return t
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
	resp := rightsizingResponse{Containers: []tally.Recommendation{}, Nodes: []tally.Recommendation{}, MonthlySavings: map[string]*savingsTotals{}}
	load := func(k string, into *[]tally.Recommendation, sums func(*savingsTotals) (saved, added *tally.Money)) bool {
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
			saved, added := sums(totals(resp.MonthlySavings, rec.MonthlySavings.Currency()))
			if err := addSaving(rec.MonthlySavings, saved, added); err != nil {
				s.error(w, r, err)
				return false
			}
		}
		return true
	}
	containers := func(t *savingsTotals) (saved, added *tally.Money) { return &t.Containers, &t.ContainersAdded }
	nodes := func(t *savingsTotals) (saved, added *tally.Money) { return &t.Nodes, &t.NodesAdded }
	if kind != "node" && !load(tally.RecommendContainer, &resp.Containers, containers) {
		return
	}
	if kind != "container" && !load(tally.RecommendNode, &resp.Nodes, nodes) {
		return
	}
	writeJSON(w, http.StatusOK, resp)
}
