package attribution

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tallyhq/tally"
)

// Store is what the attribution job reads and writes. postgres.DB implements it.
type Store interface {
	Clusters(ctx context.Context) ([]tally.Cluster, error)
	Nodes(ctx context.Context, cluster tally.ClusterID, w tally.Window) ([]tally.Node, error)
	Pods(ctx context.Context, cluster tally.ClusterID, w tally.Window) ([]tally.Pod, error)
	CostLinesOverlapping(ctx context.Context, w tally.Window) ([]tally.CostLine, error)
	HourlyUsage(ctx context.Context, w tally.Window) ([]HourUsage, error)
	AllFunctionSamples(ctx context.Context, w tally.Window) ([]tally.FunctionSample, error)
	// PricesIn returns the catalog prices in effect at some time in w: per
	// key, the latest that took effect by w's start (or the first, when
	// none had), and those taking effect within w.
	PricesIn(ctx context.Context, w tally.Window) ([]tally.InstancePrice, error)
	// UnitPricesIn returns the unit prices in effect at some time in w, as
	// PricesIn returns prices.
	UnitPricesIn(ctx context.Context, w tally.Window) ([]tally.UnitPrice, error)
	BilledThrough(ctx context.Context) (map[string]time.Time, error)
	// BillingCurrencies returns, per billing account, the currency of its
	// latest bill: estimates of its node-hours are in that currency only.
	BillingCurrencies(ctx context.Context) (map[string]tally.Currency, error)
	// SaveHours replaces the hours' allocations and stack costs (and their
	// share of the daily rollups) and records the hours, atomically. A day
	// whose stack costs were saved only as a daily sum (DailyStackHours)
	// loses that sum when one of its hours is saved: the job saves all of
	// that day's attributed hours in the same run.
	SaveHours(ctx context.Context, hours []HourState, allocs []tally.Allocation, stacks []StackCost) error
	// DailyStackHours returns the attributed hours of w whose stack costs
	// are only in their day's sum: those saved before stack costs were
	// saved by hour.
	DailyStackHours(ctx context.Context, w tally.Window) ([]tally.Hour, error)
	// StaleHours returns the hours of w that were never attributed, were
	// computed with another share basis than share or by another
	// EngineVersion, have their stack costs only in a daily sum that was
	// dropped (DailyStackHours of a day with an hour saved since: a run
	// stopped before it saved them all), were estimated and are
	// billed now, or whose data changed after the read they were computed
	// from: their bill (the billing period of their month, or of a line
	// charged in them billed in another month) was ingested, or agent data
	// of them was received (or usage, samples, pods or nodes of them were
	// stored otherwise).
	StaleHours(ctx context.Context, w tally.Window, share ShareBasis) ([]tally.Hour, error)
	// ReadMark marks the start of a read: what the store has committed by
	// now, and its clock.
	ReadMark(ctx context.Context) (ReadMark, error)
	// PrunedBefore returns the time before which the hourly and raw data
	// were dropped (the zero time when none were): those hours keep the
	// allocations they had and can no longer be attributed.
	PrunedBefore(ctx context.Context) (time.Time, error)
	// SamplesPrunedBefore returns the time before which function samples
	// were dropped (the zero time when none were): the CPU cost of those
	// hours is split by the stack costs saved for them (SavedStackCosts).
	SamplesPrunedBefore(ctx context.Context) (time.Time, error)
	// SavedStackCosts returns the stack costs saved for the hours of w,
	// and the CPU cost of the workloads' containers they split, from the
	// allocations saved with them.
	SavedStackCosts(ctx context.Context, w tally.Window) ([]StackCost, []WorkloadCPU, error)
}

// ReadMark is where a read of the store began: the store's clock, and an
// opaque token of the data committed by then. An hour records the mark of
// the read it was computed from; data committed after the mark (a bill
// ingested, agent data received) makes it stale, however the writer's
// commit and the read interleave.
type ReadMark struct {
	At    time.Time
	Token string
}

// saveBatchRows bounds how many allocations the job buffers before saving
// the hours computed so far in one transaction: a small fleet saves a day at
// a time, a large one an hour or a few.
const saveBatchRows = 100_000

// EngineVersion is the version of the rules the engine attributes by. A
// store records it with every hour, and an hour computed by another version
// is stale. Raise it with a change that changes what a stored hour's
// allocations would be (version 2: unowned charges over more than a day are
// tally.CostPeriod; version 3: an allocation that ran part of its hour
// records when, tally.Allocation.Ran, its costs unchanged).
const EngineVersion = 3

// HourState records that an hour was attributed.
type HourState struct {
	Hour tally.Hour
	// Read is the mark of the read the hour was computed from.
	Read ReadMark
	// Share is the share basis it was computed with.
	Share       ShareBasis
	Estimated   bool
	Allocations int
	// EstimatedAccounts are the billing accounts whose node-hours were
	// estimated: the hour is stale once one of them is billed through it.
	EstimatedAccounts []string
	// NodeHours counts the nodes with costs in the hour (billed or
	// estimated), EstimatedNodeHours those of them estimated.
	NodeHours, EstimatedNodeHours int
}

// Job runs the engine over stored data, a day at a time.
type Job struct {
	Engine *Engine
	Store  Store
	// Now is the clock that says which hours have ended (only those are
	// attributed). Default time.Now.
	Now func() time.Time
	// Progress, if set, is called after each day of the window, with the
	// day's summary (zero for a day with no stale hour), from one
	// goroutine at a time: a caller counting days counts them all.
	Progress func(day time.Time, sum Summary)
	// Workers is how many days are attributed at once. Days are independent,
	// so each worker keeps its own database session busy. Default 2.
	Workers int
}

// Attribute (re)computes the stale hours of w (all of them when force is
// set), a day at a time on Workers days at once, and returns the combined
// summary of the hours of w. Hours are saved in atomic batches, so running
// it twice gives the same allocations and an interrupted run leaves every
// hour whole. Each saved hour replaces its own stack costs, so the rest of
// its day keeps theirs; a day whose stack costs are only a daily sum, saved
// before they were saved by hour, has its attributed hours computed and
// saved too, once. Hours before the store's PrunedBefore are left as they
// are, with a warning; force over any of them is an error.
func (j *Job) Attribute(ctx context.Context, w tally.Window, force bool) (Summary, error) {
	var total Summary
	if !onTheHour(w.Start) || !onTheHour(w.End) {
		return total, tally.Errorf(tally.EInvalid, "attribution window %v: must start and end on the hour", w)
	}
	pruned, err := j.Store.PrunedBefore(ctx)
	if err != nil {
		return total, err
	}
	if w.Start.Before(pruned) {
		if force {
			return total, tally.Errorf(tally.EInvalid, "attribution window %v: the usage and hourly allocations before %s were pruned; those hours can no longer be attributed",
				w, tally.FormatDay(pruned))
		}
		total.Warnings = append(total.Warnings, fmt.Sprintf("the hours before %s were pruned (tally prune): they keep the allocations they had, and a bill changed since is not attributed again",
			tally.FormatDay(pruned)))
		w.Start = pruned
	}
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	end := earliest(w.End, now().UTC().Truncate(time.Hour))
	workers := j.Workers
	if workers <= 0 {
		workers = 2
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for day := w.Start.UTC().Truncate(24 * time.Hour); day.Before(end); day = day.Add(24 * time.Hour) {
		dw := tally.Window{Start: day, End: earliest(day.Add(24*time.Hour), end)}
		if dw.Start.Before(w.Start) {
			dw.Start = w.Start
		}
		if !dw.Start.Before(dw.End) {
			continue // w starts at the present: no hour of it has ended
		}
		g.Go(func() error {
			stale := dw.Hours()
			if !force {
				var err error
				if stale, err = j.Store.StaleHours(gctx, dw, j.Engine.Share()); err != nil {
					return err
				}
			}
			var sum Summary
			if len(stale) > 0 {
				var err error
				if sum, err = j.day(gctx, dw, stale); err != nil {
					return fmt.Errorf("attribute %s: %w", tally.FormatDay(dw.Start), err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			total.merge(sum)
			if j.Progress != nil {
				j.Progress(dw.Start, sum)
			}
			return nil
		})
	}
	err = g.Wait()
	return total, err
}

// day saves the stale hours of report, the part of a day asked for, and the
// day's hours whose stack costs are only in its daily sum: it runs the engine
// over each run of consecutive hours to save, and saves them in batches as
// they are computed (each batch atomically). The summary counts the hours of
// report computed.
func (j *Job) day(ctx context.Context, report tally.Window, stale []tally.Hour) (Summary, error) {
	// An hour reflects the data read from here on: data committed after
	// the mark (during the read or later) marks the hour stale again,
	// never the other way round. That includes how far each bill reaches,
	// read after the mark too: read before, a bill landing in between would
	// leave node-hours estimated that its lines cover, recorded as seen.
	mark, err := j.Store.ReadMark(ctx)
	if err != nil {
		return Summary{}, err
	}
	dayStart := report.Start.Truncate(24 * time.Hour)
	daily, err := j.Store.DailyStackHours(ctx, tally.Window{Start: dayStart, End: dayStart.Add(24 * time.Hour)})
	if err != nil {
		return Summary{}, err
	}
	write := make(map[tally.Hour]bool, len(stale)+len(daily))
	for _, h := range slices.Concat(stale, daily) {
		write[h] = true
	}
	billedThrough, err := j.Store.BilledThrough(ctx)
	if err != nil {
		return Summary{}, err
	}
	var sum Summary
	hours := slices.Sorted(maps.Keys(write))
	for _, run := range consecutive(hours) {
		s, err := j.compute(ctx, run, report, mark, billedThrough, write)
		sum.merge(s)
		if err != nil {
			return sum, err
		}
	}
	sum.Saved = len(hours)
	return sum, nil
}

// consecutive returns the runs of consecutive hours of sorted hours.
func consecutive(hours []tally.Hour) []tally.Window {
	var runs []tally.Window
	for _, h := range hours {
		if n := len(runs); n > 0 && runs[n-1].End.Equal(h.Start()) {
			runs[n-1].End = h.End()
			continue
		}
		runs = append(runs, h.Window())
	}
	return runs
}

// compute runs the engine over run, hours of one day read after mark, and
// saves the hours of write it computes.
func (j *Job) compute(ctx context.Context, run, report tally.Window, mark ReadMark, billedThrough map[string]time.Time, write map[tally.Hour]bool) (Summary, error) {
	in, stacks, err := j.load(ctx, run)
	if err != nil {
		return Summary{}, err
	}
	in.BilledThrough, in.Report = billedThrough, report
	var pending []HourState
	var buf []tally.Allocation
	var stackBuf []StackCost
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := j.Store.SaveHours(ctx, pending, buf, stackBuf)
		pending, buf, stackBuf = pending[:0], buf[:0], stackBuf[:0]
		return err
	}
	sum, err := j.Engine.Run(in, func(h tally.Hour, as []tally.Allocation) error {
		if !write[h] {
			return nil
		}
		var err error
		if stackBuf, err = stacks.hour(stackBuf, h, as); err != nil {
			return err
		}
		pending = append(pending, j.hourState(h, mark, as))
		buf = append(buf, as...)
		if len(buf) >= saveBatchRows {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if run.Start.Before(stacks.samplesPruned) {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("the function samples before %s were pruned (tally prune --keep-samples): those hours' CPU cost is split by function as their stack costs saved from the samples split it",
			tally.FormatDay(stacks.samplesPruned)))
	}
	return sum, err
}

// hourState is the record of hour h computed from the read at mark, with
// allocations as.
func (j *Job) hourState(h tally.Hour, mark ReadMark, as []tally.Allocation) HourState {
	var est []string
	nodes := map[nodeKey]bool{} // node → estimated
	for i := range as {
		if as[i].Estimated && !slices.Contains(est, as[i].BillingAccountID) {
			est = append(est, as[i].BillingAccountID)
		}
		if as[i].Node != "" {
			k := nodeKey{as[i].Cluster, as[i].Node}
			nodes[k] = nodes[k] || as[i].Estimated
		}
	}
	estNodes := 0
	for _, e := range nodes {
		if e {
			estNodes++
		}
	}
	return HourState{Hour: h, Read: mark, Share: j.Engine.Share(), Estimated: len(est) > 0,
		Allocations: len(as), EstimatedAccounts: est, NodeHours: len(nodes), EstimatedNodeHours: estNodes}
}

// load reads the input of w, hours of one day. Its nodes are those of the
// whole day: a node takes its instance's bill lines in hours of its day no
// node of the instance is alive in (nodeFor), before it started too, so
// those hours are the same whatever part of the day is computed, and
// whether the present has passed the node's start or not. The stack costs
// split the hours' CPU cost by their function samples, or, in hours whose
// samples were pruned, as the stack costs saved for them did.
func (j *Job) load(ctx context.Context, w tally.Window) (Input, *stackCosts, error) {
	in := Input{Window: w}
	var err error
	if in.Clusters, err = j.Store.Clusters(ctx); err != nil {
		return in, nil, err
	}
	day := w.Start.Truncate(24 * time.Hour)
	if in.Nodes, err = j.Store.Nodes(ctx, "", tally.Window{Start: day, End: day.Add(24 * time.Hour)}); err != nil {
		return in, nil, err
	}
	if in.Pods, err = j.Store.Pods(ctx, "", w); err != nil {
		return in, nil, err
	}
	if in.Lines, err = j.Store.CostLinesOverlapping(ctx, w); err != nil {
		return in, nil, err
	}
	if in.Usage, err = j.Store.HourlyUsage(ctx, w); err != nil {
		return in, nil, err
	}
	if in.Prices, err = j.Store.PricesIn(ctx, w); err != nil {
		return in, nil, err
	}
	if in.UnitPrices, err = j.Store.UnitPricesIn(ctx, w); err != nil {
		return in, nil, err
	}
	if in.BillingCurrency, err = j.Store.BillingCurrencies(ctx); err != nil {
		return in, nil, err
	}
	samples, err := j.Store.AllFunctionSamples(ctx, w)
	if err != nil {
		return in, nil, err
	}
	stacks := newStackCosts(samples, in.Pods)
	samplesPruned, err := j.Store.SamplesPrunedBefore(ctx)
	if err != nil || !w.Start.Before(samplesPruned) {
		return in, stacks, err
	}
	saved, cpu, err := j.Store.SavedStackCosts(ctx, tally.Window{Start: w.Start, End: earliest(w.End, samplesPruned)})
	return in, stacks.withSaved(samplesPruned, saved, cpu), err
}

func onTheHour(t time.Time) bool { return t.Equal(t.Truncate(time.Hour)) }

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (s *Summary) merge(o Summary) {
	s.Hours += o.Hours
	s.Allocations += o.Allocations
	s.EstimatedNodeHrs += o.EstimatedNodeHrs
	s.UnbilledNodeHours += o.UnbilledNodeHours
	s.UnpricedNodeHours += o.UnpricedNodeHours
	s.Saved += o.Saved
	seen := map[string]bool{}
	for _, w := range s.Warnings {
		seen[w] = true
	}
	for _, w := range o.Warnings {
		if !seen[w] {
			seen[w] = true
			s.Warnings = append(s.Warnings, w)
		}
	}
}
