package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// FunctionStore answers dollars-per-function queries.
type FunctionStore interface {
	StackSpend(ctx context.Context, f attribution.StackFilter) ([]attribution.StackSpend, error)
	ProfiledWorkloads(ctx context.Context, w tally.Window) ([]attribution.ProfiledWorkload, error)
	WorkloadImages(ctx context.Context, namespace, workload string, start, end time.Time) ([]attribution.ImageSpan, error)
	ProfiledContainers(ctx context.Context, f attribution.StackFilter) ([]attribution.ProfiledContainer, error)
}

type functionsView struct {
	Workload  string                     `json:"workload"`
	Window    tally.Window               `json:"window"`
	Total     tally.Money                `json:"total"`
	Functions []attribution.FunctionCost `json:"functions"`
	Flame     *attribution.FlameNode     `json:"flame"`
	Images    []attribution.ImageSpan    `json:"images"`
	// Estimated says the costs include node-hours priced from the catalog
	// (the bill does not cover them yet): estimatedIn.
	Estimated bool `json:"estimated"`
	// Unprofiled is the workload's CPU cost that Total leaves out: that of
	// its containers without CPU profiles.
	Unprofiled unprofiledCPU `json:"unprofiled"`
	// Base is set for a diff: the window or image compared against.
	Base *functionsBase `json:"base,omitempty"`
}

type functionsBase struct {
	Window    tally.Window               `json:"window"`
	Image     string                     `json:"image,omitempty"`
	Total     tally.Money                `json:"total"`
	Functions []attribution.FunctionCost `json:"functions"`
	Estimated bool                       `json:"estimated"` // as functionsView's
	// HeadFunctions is the base's cost of each of the head's top functions,
	// in their order: a function can be in the head's top list and not in
	// the base's yet cost something in the base, so Functions alone cannot
	// give every head function's change. A function that did not run in the
	// base costs zero.
	HeadFunctions []attribution.FunctionCost `json:"headFunctions"`
}

// functions answers GET /api/v1/functions?workload=NS/NAME[&cluster=][&container=][&window=7d]
// [&image=][&baseWindow=|&baseImage=][&top=50][&format=json|pprof].
func (s *Server) functions(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	f, err := stackFilter(v, s.now())
	if err != nil {
		s.error(w, r, err)
		return
	}
	stacks, err := s.funcs.StackSpend(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if _, err := stacksCurrency(stacks); err != nil {
		s.error(w, r, err)
		return
	}
	span, err := s.ranIn(r.Context(), f, f.Window)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if span, err = s.costed(r.Context(), span); err != nil {
		s.error(w, r, err)
		return
	}
	if v.Get("format") == "pprof" {
		p := attribution.DollarsProfile(stacks, span.Duration(), span.End)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="tally-dollars.pb.gz"`)
		if err := p.Write(w); err != nil {
			s.log.ErrorContext(r.Context(), "write pprof", "err", err)
		}
		return
	}
	view, err := s.functionsView(r.Context(), v, f, span, stacks)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view)
}

// profiledWorkloads lists the workloads with CPU profiles costed in the
// window (days), the most expensive first: the Functions page starts at
// the first.
func (s *Server) profiledWorkloads(w http.ResponseWriter, r *http.Request) {
	win, err := queryWindow(orDefault(r.URL.Query().Get("window"), "7d"), s.now())
	if err == nil {
		err = notFuture("window", win, s.now())
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	win = wholeDays(win)
	ws, err := s.funcs.ProfiledWorkloads(r.Context(), win)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Window    tally.Window                   `json:"window"`
		Workloads []attribution.ProfiledWorkload `json:"workloads"`
	}{win, list(ws)})
}

// functionsView costs stacks, those of f, over span: f's window narrowed to
// the hours with costs.
func (s *Server) functionsView(ctx context.Context, v url.Values, f attribution.StackFilter, span tally.Window, stacks []attribution.StackSpend) (*functionsView, error) {
	top, err := topParam(v)
	if err != nil {
		return nil, err
	}
	view := &functionsView{Workload: f.Namespace + "/" + f.Workload, Window: span}
	if view.Functions, view.Total, err = topFunctions(stacks, span.Duration(), top, ""); err != nil {
		return nil, err
	}
	if view.Estimated, err = s.estimatedIn(ctx, f); err != nil {
		return nil, err
	}
	if view.Unprofiled, err = s.unprofiled(ctx, f, view.Total.Currency()); err != nil {
		return nil, err
	}
	if view.Images, err = s.funcs.WorkloadImages(ctx, f.Namespace, f.Workload, f.Window.Start.AddDate(0, 0, -90), f.Window.End); err != nil {
		return nil, err
	}
	view.Images = list(view.Images)
	base, ok, err := baseFilter(v, f, s.now())
	if err != nil {
		return nil, err
	}
	if !ok {
		view.Flame, err = attribution.Flame(stacks)
		return view, err
	}
	baseRan := base.Window
	if base.Image != "" {
		// An image is compared where it ran: the version before the
		// head's ran mostly before the window, when the images listed
		// with the view (the 90 days before it) were deployed. Its stacks
		// are read over the days of those hours.
		if baseRan, err = s.ranIn(ctx, base, tally.Window{Start: f.Window.Start.AddDate(0, 0, -90), End: f.Window.End}); err != nil {
			return nil, err
		}
		base.Window = wholeDays(baseRan)
	}
	baseStacks, err := s.funcs.StackSpend(ctx, base)
	if err != nil {
		return nil, err
	}
	if _, err := stacksCurrency(slices.Concat(baseStacks, stacks)); err != nil {
		return nil, err
	}
	baseSpan, err := s.costed(ctx, baseRan)
	if err != nil {
		return nil, err
	}
	view.Base = &functionsBase{Window: baseSpan, Image: base.Image}
	if view.Base.Estimated, err = s.estimatedIn(ctx, base); err != nil {
		return nil, err
	}
	all, err := attribution.Functions(baseStacks, baseSpan.Duration())
	if err != nil {
		return nil, err
	}
	cur := view.Total.Currency() // of the base's zeros, when it has no stacks
	view.Base.HeadFunctions = sameFunctions(view.Functions, all, cur)
	if view.Base.Functions, view.Base.Total, err = topFunctions(baseStacks, baseSpan.Duration(), top, cur); err != nil {
		return nil, err
	}
	scaled, err := scaleStacks(baseStacks, span.Duration(), baseSpan.Duration())
	if err != nil {
		return nil, err
	}
	view.Flame, err = attribution.FlameDiff(scaled, stacks)
	return view, err
}

// estimatedIn reports whether the costs of f's workload (its cluster and
// container, when f names them) over the days of f's window, which its
// stack costs are read over, include node-hours estimated from the catalog:
// its functions' costs, a share of its CPU cost, do then too.
func (s *Server) estimatedIn(ctx context.Context, f attribution.StackFilter) (bool, error) {
	if s.allocs == nil {
		return false, nil
	}
	rows, err := s.allocs.AllocationRows(ctx, workloadQuery(f))
	if err != nil {
		return false, fmt.Errorf("estimates in the costs of %s/%s: %w", f.Namespace, f.Workload, err)
	}
	for _, r := range rows {
		if ownRow(r) && r.Estimated {
			return true, nil
		}
	}
	return false, nil
}

// workloadQuery is the allocations query of f's workload (its cluster and
// container, when f names them) over f's window, at its own costs (idle
// hidden, shared costs apart), aggregated by aggregate.
func workloadQuery(f attribution.StackFilter, aggregate ...attribution.Dimension) attribution.Query {
	q := attribution.Query{Window: f.Window, Idle: attribution.IdleHide, Shared: attribution.SharedSeparate, Basis: tally.BasisAmortized,
		Aggregate: aggregate,
		Filters:   []attribution.Filter{{Dim: attribution.Dimension{Field: "controller"}, Values: []string{f.Namespace + "/" + f.Workload}}}}
	if f.Cluster != "" {
		q.Filters = append(q.Filters, attribution.Filter{Dim: attribution.Dimension{Field: "cluster"}, Values: []string{string(f.Cluster)}})
	}
	if f.Container != "" {
		q.Filters = append(q.Filters, attribution.Filter{Dim: attribution.Dimension{Field: "container"},
			Values: []string{f.Namespace + "/" + f.Workload + "/" + f.Container}})
	}
	return q
}

// ownRow reports whether r, a row of a workloadQuery, is the workload's
// own: idle and shared rows of every cluster come too, for spreading, and
// are not its cost.
func ownRow(r attribution.Row) bool {
	return !r.Outside && r.Class == ""
}

// scaleStacks returns the stacks' costs over base, at their rate over
// head: the differential flamegraph's change is the head's cost less what
// the base would have cost over as long (two image versions ran for
// different days; a year of each is compared, as Change / year does).
func scaleStacks(stacks []attribution.StackSpend, head, base time.Duration) ([]attribution.StackSpend, error) {
	if head == base || head <= 0 || base <= 0 {
		return stacks, nil
	}
	out := make([]attribution.StackSpend, len(stacks))
	for i, st := range stacks {
		c, err := st.Cost.MulRatio(uint64(head/time.Second), uint64(base/time.Second))
		if err != nil {
			return nil, fmt.Errorf("base cost of a stack over %v: %w", head, err)
		}
		out[i] = attribution.StackSpend{Frames: st.Frames, Cost: c, Samples: st.Samples}
	}
	return out, nil
}

// ranIn narrows w to the hours f's image ran in within it (f's workload,
// and container when f names one): a version deployed for part of the
// window is costed, and a year of it counted, over the hours it ran. A
// filter without an image, or an image that did not run in w, leaves w.
func (s *Server) ranIn(ctx context.Context, f attribution.StackFilter, w tally.Window) (tally.Window, error) {
	if f.Image == "" {
		return w, nil
	}
	spans, err := s.funcs.WorkloadImages(ctx, f.Namespace, f.Workload, w.Start, w.End)
	if err != nil {
		return w, err
	}
	var ran tally.Window
	for _, sp := range spans {
		if sp.Image != f.Image || (f.Container != "" && sp.Container != f.Container) {
			continue
		}
		// The days it was profiled, narrowed to the hours its pods ran.
		start, end := sp.First.UTC(), sp.Last.UTC().Add(24*time.Hour)
		if sp.From.After(start) {
			start = sp.From.UTC().Truncate(time.Hour)
		}
		if !sp.To.IsZero() && sp.To.Before(end) {
			end = wholeHours(tally.Window{Start: sp.To, End: sp.To}).End
		}
		if ran.End.IsZero() || start.Before(ran.Start) {
			ran.Start = start
		}
		if end.After(ran.End) {
			ran.End = end
		}
	}
	if ran.End.IsZero() {
		return w, nil
	}
	ran = tally.Window{Start: ran.Start.UTC(), End: ran.End.UTC()}.Intersect(w)
	if !ran.Start.Before(ran.End) {
		return w, nil
	}
	return ran, nil
}

// topFunctions returns the top functions of stacks, and their total, in
// their currency, or in cur if there are none.
func topFunctions(stacks []attribution.StackSpend, window time.Duration, top int, cur tally.Currency) ([]attribution.FunctionCost, tally.Money, error) {
	fs, err := attribution.Functions(stacks, window)
	if err != nil {
		return nil, tally.Money{}, err
	}
	if c, err := stacksCurrency(stacks); err != nil {
		return nil, tally.Money{}, err
	} else if c != "" {
		cur = c
	}
	total := tally.Zero(cur)
	for _, s := range stacks {
		if total, err = total.Add(s.Cost); err != nil {
			return nil, tally.Money{}, fmt.Errorf("total of functions: %w", err)
		}
	}
	if len(fs) > top {
		fs = fs[:top]
	}
	return fs, total, nil
}

// sameFunctions returns, for each function of head, the one of the same
// name in base, or a zero cost of that name in cur.
func sameFunctions(head, base []attribution.FunctionCost, cur tally.Currency) []attribution.FunctionCost {
	byName := make(map[string]attribution.FunctionCost, len(base))
	for _, f := range base {
		byName[f.Name] = f
	}
	out := make([]attribution.FunctionCost, len(head))
	for i, f := range head {
		b, ok := byName[f.Name]
		if !ok {
			zero := tally.Zero(cur)
			b = attribution.FunctionCost{Name: f.Name, Self: zero, Total: zero, SelfAnnual: zero, TotalAnnual: zero}
		}
		out[i] = b
	}
	return out
}

// stacksCurrency returns the one currency stacks are costed in ("" for
// none). Several are an error: the totals, flame graphs and pprof profiles
// of stacks need one. A workload name running in clusters billed in
// different currencies is the user's to narrow, like allocations
// (attribution.Aggregate).
func stacksCurrency(stacks []attribution.StackSpend) (tally.Currency, error) {
	var cur tally.Currency
	for _, s := range stacks {
		c := s.Cost.Currency()
		if c == "" {
			continue
		}
		if cur != "" && c != cur {
			return "", tally.Errorf(tally.EInvalid, "the functions span currencies %s and %s: filter by cluster so one currency remains", cur, c)
		}
		cur = c
	}
	return cur, nil
}

// topParam reads top, how many functions to list: 50 unless set.
func topParam(v url.Values) (int, error) {
	s := v.Get("top")
	if s == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, tally.Errorf(tally.EInvalid, "top %q: want a number of functions, 1 or more", s)
	}
	return n, nil
}

// stackFilter reads the head side of a functions request, and checks the
// parameters the request is answered with (format, top, the base) before
// any is queried.
func stackFilter(v url.Values, now time.Time) (attribution.StackFilter, error) {
	var f attribution.StackFilter
	switch format := v.Get("format"); format {
	case "", "json", "pprof":
	default:
		return f, tally.Errorf(tally.EInvalid, "format %q: want json or pprof", format)
	}
	if _, err := topParam(v); err != nil {
		return f, err
	}
	if v.Get("baseWindow") != "" && v.Get("baseImage") != "" {
		return f, tally.Errorf(tally.EInvalid, "baseWindow %q and baseImage %q: compare with one, baseWindow or baseImage", v.Get("baseWindow"), v.Get("baseImage"))
	}
	ns, name, ok := strings.Cut(v.Get("workload"), "/")
	if !ok || ns == "" || name == "" {
		return f, tally.Errorf(tally.EInvalid, "workload %q: want NAMESPACE/NAME", v.Get("workload"))
	}
	w, err := queryWindow(orDefault(v.Get("window"), "7d"), now)
	if err == nil {
		err = notFuture("window", w, now)
	}
	if err != nil {
		return f, err
	}
	f = attribution.StackFilter{Window: wholeDays(w), Cluster: tally.ClusterID(v.Get("cluster")), Namespace: ns, Workload: name,
		Container: v.Get("container"), Image: v.Get("image")}
	return f, nil
}

// baseFilter returns the comparison side of a diff: another window or image.
func baseFilter(v url.Values, head attribution.StackFilter, now time.Time) (attribution.StackFilter, bool, error) {
	base := head
	switch {
	case v.Get("baseWindow") != "":
		w, err := queryWindow(v.Get("baseWindow"), now)
		if err != nil {
			return base, false, tally.Errorf(tally.EInvalid, "baseWindow: %s", tally.ErrorMessage(err))
		}
		if err := notFuture("baseWindow", w, now); err != nil {
			return base, false, err
		}
		base.Window = wholeDays(w)
	case v.Get("baseImage") != "":
		base.Image = v.Get("baseImage")
	default:
		return base, false, nil
	}
	return base, true, nil
}

// costed narrows w to the hours attributed so far that have costs. A
// window reaching past the last of them (today, before its bill arrives;
// hours attributed with nothing in them, no agent or bill having sent
// anything yet) or before the first has no costs there: a year of the
// window's costs, and the previous window the dashboard compares with,
// count only the hours with costs. A window with none at all is left as
// it is.
func (s *Server) costed(ctx context.Context, w tally.Window) (tally.Window, error) {
	if s.statusStore == nil {
		return w, nil
	}
	st, err := s.statusStore.DataStatus(ctx)
	if err != nil {
		return w, fmt.Errorf("hours attributed: %w", err)
	}
	if st.LastCosted.IsZero() {
		return w, nil
	}
	c := w
	if end := st.LastCosted.Add(time.Hour); end.Before(c.End) {
		c.End = end
	}
	if st.FirstCosted.After(c.Start) {
		c.Start = st.FirstCosted
	}
	if !c.Start.Before(c.End) {
		return w, nil
	}
	return c, nil
}

// wholeDays widens w to midnights: stack costs are kept per day.
func wholeDays(w tally.Window) tally.Window { return w.Widen(24 * time.Hour) }
