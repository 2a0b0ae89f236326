package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// costRate answers tally.CostRatePath: what a core-hour of the workload's CPU
// really cost over a trailing window, and how many it uses a year.
func (s *Server) costRate(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	workload := v.Get("workload")
	ns, name, ok := strings.Cut(workload, "/")
	if !ok || ns == "" || name == "" {
		s.error(w, r, tally.Errorf(tally.EInvalid, "workload %q: want NAMESPACE/NAME", workload))
		return
	}
	kind := ""
	if k, n, ok := strings.Cut(name, "/"); ok { // namespace/kind/name
		kind, name = k, n
		if kind == "" || name == "" {
			s.error(w, r, tally.Errorf(tally.EInvalid, "workload %q: want NAMESPACE/NAME or NAMESPACE/KIND/NAME", workload))
			return
		}
	}
	window, err := queryWindow(orDefault(v.Get("window"), "30d"), s.now())
	if err == nil {
		err = notFuture("window", window, s.now())
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	q := attribution.Query{Window: window, Idle: attribution.IdleHide, Shared: attribution.SharedSeparate,
		Aggregate: []attribution.Dimension{{Field: "controller"}},
		Filters:   []attribution.Filter{{Dim: attribution.Dimension{Field: "controller"}, Values: []string{ns + "/" + name}}}}
	if kind != "" { // any case: Kubernetes writes Deployment, OpenCost deployment
		q.Filters = append(q.Filters, attribution.Filter{Dim: attribution.Dimension{Field: "controllerKind"}, Values: []string{kind}})
	}
	if c := v.Get("cluster"); c != "" {
		q.Filters = append(q.Filters, attribution.Filter{Dim: attribution.Dimension{Field: "cluster"}, Values: []string{c}})
	}
	if q.Basis, err = tally.ParseCostBasis(v.Get("basis")); err != nil {
		s.error(w, r, err)
		return
	}
	groups, err := s.aggregate(r.Context(), q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var g *attribution.Group
	for i := range groups {
		if groups[i].Name == ns+"/"+name {
			g = &groups[i]
		}
	}
	if g == nil || g.Total.CPUCoreHours == 0 {
		s.error(w, r, tally.Errorf(tally.ENotFound, "workload %s has no attributed CPU in %v", workload, window))
		return
	}
	perCoreHour, err := g.Total.CPU.MulRatio(1e6, uint64(g.Total.CPUCoreHours*1e6))
	if err != nil {
		s.error(w, r, err)
		return
	}
	// Scale the usage by the window's hours attributed so far, as
	// /api/v1/functions annualizes: a trailing window ("30d") ends at the
	// next midnight, and neither the hours still to come nor those
	// attribution has not reached yet have usage.
	costed, err := s.costed(r.Context(), window)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if now := s.now(); now.Before(costed.End) {
		costed.End = now
	}
	span := max(costed.End.Sub(costed.Start), time.Hour)
	year := float64(365*24*time.Hour) / float64(span)
	writeJSON(w, http.StatusOK, tally.CostRate{
		Workload: workload, Cluster: tally.ClusterID(v.Get("cluster")), Currency: g.Total.CPU.Currency(),
		CorehourCost: perCoreHour.Round(9).Decimal(), CoreHoursPerYear: g.Total.CPUUsageCoreHours * year,
		Window: window, Basis: string(q.Basis),
	})
}
