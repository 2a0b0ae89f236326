package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/tallyhq/tally"
)

// Config configures Generate.
type Config struct {
	Seed        uint64
	Days        int            // days of history, MinDays to MaxDays
	End         time.Time      // exclusive end, midnight UTC; zero means today's midnight UTC, so the last day is yesterday
	ProfileDays int            // days before End with CPU profiles in the agent batches; 0 means none
	Workers     int            // files written in parallel; 0 means GOMAXPROCS
	Progress    func(Progress) // called from one goroutine at a time; may be nil
}

// Progress reports how far Generate is in a stage.
type Progress struct {
	Stage string // simulate, bill, write, truth
	Done  int
	Total int
}

// Stages of Generate.
const (
	StageSimulate = "simulate"
	StageBill     = "bill"
	StageWrite    = "write"
	StageTruth    = "truth"
)

// Limits of Config.
const (
	MinDays = 2
	MaxDays = 400
)

func (c Config) withDefaults(now time.Time) Config {
	if c.End.IsZero() {
		c.End = now.UTC().Truncate(24 * time.Hour)
	}
	c.End = c.End.UTC()
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c
}

func (c Config) validate() error {
	if c.Days < MinDays || c.Days > MaxDays {
		return tally.Errorf(tally.EInvalid, "demo: days %d: want %d to %d", c.Days, MinDays, MaxDays)
	}
	if !c.End.Equal(c.End.Truncate(24 * time.Hour)) {
		return tally.Errorf(tally.EInvalid, "demo: end %s: want midnight UTC", c.End.Format(time.RFC3339))
	}
	if c.ProfileDays < 0 {
		return tally.Errorf(tally.EInvalid, "demo: profile days %d: want ≥ 0", c.ProfileDays)
	}
	return nil
}

// ErrNotEmpty is returned by Generate when the output directory holds files.
var ErrNotEmpty = errors.New("output directory is not empty")

// Generate writes the organization of cfg into outDir, which must not exist
// or be empty: the bills in their real formats, the agent batches, the
// ground truth and the manifest. Nothing is left in outDir on error. The
// same Config always produces byte-identical files.
func Generate(ctx context.Context, cfg Config, outDir string) (m Manifest, err error) {
	defer func() {
		if r := recover(); r != nil {
			ie, ok := r.(internalError)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("demo: %w", ie.err)
		}
	}()
	cfg = cfg.withDefaults(time.Now())
	if err := cfg.validate(); err != nil {
		return m, err
	}
	if entries, err := os.ReadDir(outDir); err == nil && len(entries) > 0 {
		return m, tally.Errorf(tally.EConflict, "demo: %s: %w", outDir, ErrNotEmpty)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(outDir)), 0o755); err != nil {
		return m, fmt.Errorf("demo: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(outDir)), "."+filepath.Base(outDir)+".partial-")
	if err != nil {
		return m, fmt.Errorf("demo: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	g := &generator{cfg: cfg, out: &sink{root: tmp}}
	if m, err = g.run(ctx); err != nil {
		return m, err
	}
	_ = os.Remove(outDir) // an empty directory is replaced
	if err := os.Rename(tmp, outDir); err != nil {
		return m, fmt.Errorf("demo: %w", err)
	}
	return m, nil
}

type generator struct {
	cfg   Config
	out   *sink
	o     *org
	mu    sync.Mutex // guards progress and agent
	agent []AgentFile
}

func (g *generator) progress(stage string, done, total int) {
	if g.cfg.Progress == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cfg.Progress(Progress{Stage: stage, Done: done, Total: total})
}

func (g *generator) run(ctx context.Context) (Manifest, error) {
	cfg := g.cfg
	start := cfg.End.AddDate(0, 0, -cfg.Days)
	o := newOrg(cfg.Seed, start, cfg.End, cfg.ProfileDays)
	g.o = o
	o.setRegression()
	o.newExternals()

	g.progress(StageSimulate, 0, len(o.clusters))
	if err := parallel(len(o.clusters), func(i int) { o.simulate(o.clusters[i]) }); err != nil {
		return Manifest{}, err
	}
	g.progress(StageSimulate, len(o.clusters), len(o.clusters))
	if err := ctx.Err(); err != nil {
		return Manifest{}, err
	}

	g.progress(StageBill, 0, 2)
	var aws *awsBill
	var gcp *gcpBill
	if err := parallel(2, func(i int) {
		if i == 0 {
			aws = o.buildAWS()
		} else {
			gcp = o.buildGCP()
		}
	}); err != nil {
		return Manifest{}, err
	}
	acc := newTruthAcc()
	nodeCost := o.billTruth(aws, gcp, acc)
	g.progress(StageBill, 2, 2)

	m := Manifest{Version: ManifestVersion, Seed: cfg.Seed, Days: cfg.Days, ProfileDays: cfg.ProfileDays, Start: start, End: cfg.End}
	tasks := g.billTasks(aws, gcp, &m)
	var nodes []*node
	for _, c := range o.clusters {
		nodes = append(nodes, c.nodes...)
	}
	for _, n := range nodes {
		tasks = append(tasks, func() error {
			ivs := o.nodeIntervals(n)
			files, err := o.agentBatches(n, ivs, func(rel string, body []byte) error { return g.out.write(rel, KindAgent, body) })
			if err != nil {
				return err
			}
			local := newTruthAcc()
			o.allocateNode(n, ivs, nodeCost, local)
			acc.merge(local)
			g.mu.Lock()
			g.agent = append(g.agent, files...)
			g.mu.Unlock()
			return nil
		})
	}
	if err := g.runTasks(ctx, tasks); err != nil {
		return Manifest{}, err
	}

	g.progress(StageTruth, 0, 1)
	truth := o.buildTruth(acc)
	m.Truth = "truth.json"
	if err := g.out.create(m.Truth, KindTruth, false, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(truth)
	}); err != nil {
		return Manifest{}, err
	}
	g.progress(StageTruth, 1, 1)

	sort.Slice(g.agent, func(i, j int) bool { return g.agent[i].Path < g.agent[j].Path })
	m.Agent = g.agent
	m.Ingest = []IngestStep{
		{Source: "aws-cur", Path: m.CUR2.Root, Files: dataFiles(m.CUR2)},
		{Source: "focus", Path: m.FOCUS.Root, Files: dataFiles(m.FOCUS)},
		{Source: "gcp-billing", Path: "gcp/" + m.GCP.ResourceTable, Files: monthFiles(m.GCP.Resource)},
	}
	m.Files = g.out.sorted()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, err
	}
	if err := os.WriteFile(filepath.Join(g.out.root, ManifestFile), append(b, '\n'), 0o644); err != nil {
		return Manifest{}, fmt.Errorf("demo: write manifest: %w", err)
	}
	return m, nil
}

func dataFiles(e DataExport) []string {
	var out []string
	for _, p := range e.Periods {
		out = append(out, p.DataFiles...)
	}
	return out
}

func monthFiles(ms []MonthFiles) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Files...)
	}
	return out
}

// parallel runs fn(0..n-1) on n goroutines and returns the first
// internal error any of them hit.
func parallel(n int, fn func(i int)) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer recoverInto(&errs[i])
			fn(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// recoverInto turns an internalError panic of a goroutine into *errp.
func recoverInto(errp *error) {
	if r := recover(); r != nil {
		ie, ok := r.(internalError)
		if !ok {
			panic(r)
		}
		*errp = fmt.Errorf("demo: %w", ie.err)
	}
}

// runTasks runs tasks on cfg.Workers goroutines, stopping at the first error.
func (g *generator) runTasks(ctx context.Context, tasks []func() error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan func() error)
	var mu sync.Mutex
	var first error
	done := 0
	var wg sync.WaitGroup
	for range g.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				var err error
				func() {
					defer recoverInto(&err)
					err = t()
				}()
				mu.Lock()
				if err != nil && first == nil {
					first = err
					cancel()
				}
				done++
				d := done
				mu.Unlock()
				g.progress(StageWrite, d, len(tasks))
			}
		}()
	}
feed:
	for _, t := range tasks {
		select {
		case next <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// setRegression picks the regression deploy: ten days before the end (a
// third of the window for short windows), a weekday afternoon.
func (o *org) setRegression() {
	days := int(o.end.Sub(o.start) / (24 * time.Hour))
	back := 10
	if days < 30 {
		back = max(1, days/3)
	}
	day := o.end.AddDate(0, 0, -back)
	for (day.Weekday() == time.Saturday || day.Weekday() == time.Sunday) && day.After(o.start) {
		day = day.AddDate(0, 0, -1)
	}
	w := o.workload(ClusterProd, RegressedNamespace, RegressedWorkload)
	o.regression = regression{w: w, at: day.Add(14*time.Hour + 20*time.Minute), Container: RegressedContainer, Function: RegressedFunction, Factor: RegressionFactor}
}
