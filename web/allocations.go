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
	if q.Window, err = tally.ParseWindow(window, now); err != nil {
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
	v := newAllocationsView(q, groups)
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
	return string(billedIn(curs, "")), err
}

// billedIn returns the currency account is billed in, given each account's
// (curs); for account "", that of every account, or "" when they are billed
// in several (an answer then has the currency of the clusters it selects)
// or there is no bill yet.
func billedIn(curs map[string]tally.Currency, account string) tally.Currency {
	if account != "" {
		return curs[account]
	}
	var cur tally.Currency
	for _, c := range curs {
		if cur != "" && c != cur {
			return ""
		}
		cur = c
	}
	return cur
}

func (s *Server) aggregate(ctx context.Context, q attribution.Query) ([]attribution.Group, error) {
	rows, err := s.allocs.AllocationRows(ctx, q)
	if err != nil {
		return nil, err
	}
	return attribution.Aggregate(rows, q)
}

// costView is a step's costs for JSON: money as exact decimal strings.
type costView struct {
	Start                 time.Time `json:"start"`
	End                   time.Time `json:"end"`
	CPUCost               string    `json:"cpuCost"`
	RAMCost               string    `json:"ramCost"`
	GPUCost               string    `json:"gpuCost"`
	PVCost                string    `json:"pvCost"`
	NetworkCost           string    `json:"networkCost"`
	LoadBalancerCost      string    `json:"loadBalancerCost"`
	SharedCost            string    `json:"sharedCost"`
	ExternalCost          string    `json:"externalCost"`
	OtherCost             string    `json:"otherCost"`
	IdleCost              string    `json:"idleCost"`
	TotalCost             string    `json:"totalCost"`
	CPUCoreHours          float64   `json:"cpuCoreHours"`
	CPUCoreRequestAverage float64   `json:"cpuCoreRequestAverage"`
	CPUCoreUsageAverage   float64   `json:"cpuCoreUsageAverage"`
	RAMByteHours          float64   `json:"ramByteHours"`
	RAMByteRequestAverage float64   `json:"ramByteRequestAverage"`
	RAMByteUsageAverage   float64   `json:"ramByteUsageAverage"`
	GPUHours              float64   `json:"gpuHours"`
	Efficiency            float64   `json:"efficiency"`
	Estimated             bool      `json:"estimated"`
}

func newCostView(c *attribution.StepCost) costView {
	hours := c.Window.Duration().Hours()
	avg := func(v float64) float64 {
		if hours == 0 {
			return 0
		}
		return v / hours
	}
	return costView{
		Start: c.Window.Start, End: c.Window.End,
		CPUCost: c.CPU.Decimal(), RAMCost: c.RAM.Decimal(), GPUCost: c.GPU.Decimal(), PVCost: c.PV.Decimal(),
		NetworkCost: c.Network.Decimal(), LoadBalancerCost: c.LoadBalancer.Decimal(), SharedCost: c.Shared.Decimal(),
		ExternalCost: c.External.Decimal(), OtherCost: c.Other.Decimal(), IdleCost: c.IdleShared.Decimal(), TotalCost: c.Total.Decimal(),
		CPUCoreHours: c.CPUCoreHours, CPUCoreRequestAverage: avg(c.CPURequestCoreHours), CPUCoreUsageAverage: avg(c.CPUUsageCoreHours),
		RAMByteHours: c.RAMByteHours, RAMByteRequestAverage: avg(c.RAMRequestByteHours), RAMByteUsageAverage: avg(c.RAMUsageByteHours),
		GPUHours: c.GPUHours, Efficiency: c.Efficiency(), Estimated: c.Estimated,
	}
}

type groupView struct {
	Name  string     `json:"name"`
	Keys  []string   `json:"keys"`
	Total costView   `json:"total"`
	Steps []costView `json:"steps"`
}

type allocationsView struct {
	Window    tally.Window `json:"window"`
	Step      string       `json:"step"`
	Aggregate []string     `json:"aggregate"`
	Currency  string       `json:"currency"`
	Total     string       `json:"totalCost"`
	Groups    []groupView  `json:"groups"`
}

func newAllocationsView(q attribution.Query, groups []attribution.Group) allocationsView {
	v := allocationsView{Window: q.Window, Step: q.Step.String(), Groups: make([]groupView, 0, len(groups))}
	if q.Step == 0 {
		v.Step = "window"
	}
	for _, d := range q.Aggregate {
		v.Aggregate = append(v.Aggregate, d.String())
	}
	var total tally.Money
	for i := range groups {
		g := &groups[i]
		// A reserved group has no keys: [], not null.
		gv := groupView{Name: g.Name, Keys: list(g.Keys), Total: newCostView(&g.Total), Steps: make([]costView, 0, len(g.Steps))}
		for j := range g.Steps {
			gv.Steps = append(gv.Steps, newCostView(&g.Steps[j]))
		}
		v.Groups = append(v.Groups, gv)
		total, _ = total.Add(g.Total.Total)
		if c := g.Total.Total.Currency(); c != "" {
			v.Currency = string(c)
		}
	}
	v.Total = total.Decimal()
	return v
}
