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
// node; both when absent), cluster and namespace (the target's; node plans,
// of no namespace, are left out with a namespace).
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
	cluster, namespace := q.Get("cluster"), q.Get("namespace")
	for _, f := range []struct{ name, value string }{{"cluster", cluster}, {"namespace", namespace}} {
		if strings.Contains(f.value, "/") {
			s.error(w, r, tally.Errorf(tally.EInvalid, "%s %q: a %s's name has no '/'", f.name, f.value, f.name))
			return
		}
	}
	// Targets are cluster/namespace/Kind/name/container and cluster/group.
	matches := func(target string) bool {
		c, rest, _ := strings.Cut(target, "/")
		ns, _, container := strings.Cut(rest, "/")
		return (cluster == "" || c == cluster) && (namespace == "" || container && ns == namespace)
	}
	resp := rightsizingResponse{Containers: []tally.Recommendation{}, Nodes: []tally.Recommendation{}, MonthlySavings: map[string]*savingsTotals{}}
	load := func(k string, into *[]tally.Recommendation, sums func(*savingsTotals) (saved, added *tally.Money)) bool {
		recs, err := s.recs.Recommendations(r.Context(), k)
		if err != nil {
			s.error(w, r, err)
			return false
		}
		for _, rec := range recs {
			if !matches(rec.Target) {
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
