package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/demo"
	"github.com/tallyhq/tally/forecast"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/pricing"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/report"
	"github.com/tallyhq/tally/web"
)

// agentIngestPath is where agents post their batches.
const agentIngestPath = "/api/v1/ingest/agent"

// demoLoader loads a generated organization the way a real installation
// gets its data: bills through `tally ingest`'s readers, agent batches over
// HTTP to the running server with per-cluster agent tokens.
type demoLoader struct {
	app   *app
	db    *postgres.DB
	dir   string
	m     *demo.Manifest
	truth *demo.Truth
	url   string
}

func (l *demoLoader) run(ctx context.Context) error {
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"ingest the bills", l.ingestBills},
		{"load the offline price catalog", l.loadPrices},
		{"register the clusters", l.registerClusters},
		{"post the agents' batches", l.postAgentBatches},
		{"compact the function samples", l.compactSamples},
		{"attribute", l.attribute},
		{"forecast spend", l.forecast},
		{"right-size", l.rightsize},
		{"recommend commitments", l.recommendCommitments},
		{"check against the truth", l.verify},
	}
	for _, s := range steps {
		t := time.Now()
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("demo: %s: %w", s.name, err)
		}
		l.app.log.Info("demo: "+s.name, "took", time.Since(t).Round(10*time.Millisecond))
	}
	return nil
}

func (l *demoLoader) ingestBills(ctx context.Context) error {
	for _, step := range l.m.Ingest {
		parser, err := parserFor(step.Source)
		if err != nil {
			return err
		}
		files, cleanup, err := locateFiles(ctx, step.Source, []string{filepath.Join(l.dir, filepath.FromSlash(step.Path))}, awscur.S3Options{})
		if err != nil {
			return err
		}
		res, err := ingest.Run(ctx, l.db, step.Source, parser, files, ingest.Options{})
		cleanup()
		if err != nil {
			return fmt.Errorf("%s %s: %w", step.Source, step.Path, err)
		}
		l.app.log.Debug("ingested", "source", step.Source, "rows", res.Rows)
	}
	return nil
}

// loadPrices loads the offline AWS snapshot and, for the GCP clusters'
// regions, the machine types priced from the rates the generated GCP bill
// charges (the demo's stand-in for the Cloud Billing Catalog, which needs
// network access: `tally pricing gcp`).
func (l *demoLoader) loadPrices(ctx context.Context) error {
	prices, err := pricing.Snapshot()
	if err != nil {
		return err
	}
	regions := map[string]bool{}
	for _, c := range l.truth.Clusters {
		if c.Provider == tally.ProviderGCP {
			regions[c.Region] = true
		}
	}
	var rates []pricing.GCPRate
	for region := range regions {
		for _, r := range demo.GCPRates() {
			rates = append(rates, pricing.GCPRate{Region: region, Family: r.Family, PurchaseOption: r.PurchaseOption, CPU: r.CPU, RAM: r.RAM})
		}
	}
	gcp, err := pricing.PriceGCPMachineTypes(rates, l.m.Start, "tally demo (the generated GCP bill's rates)")
	if err != nil {
		return err
	}
	return l.db.UpsertPrices(ctx, append(prices, gcp...))
}

// registerClusters records the clusters and the accounts that pay for their
// nodes, as an administrator does with tally cluster set.
func (l *demoLoader) registerClusters(ctx context.Context) error {
	for _, c := range l.truth.Clusters {
		if err := l.db.UpsertCluster(ctx, tally.Cluster{ID: c.ID, Name: string(c.ID), Provider: c.Provider, Region: c.Region,
			BillingAccountID: c.BillingAccountID}); err != nil {
			return err
		}
	}
	return nil
}

// postAgentBatches sends every batch to the server's agent endpoint, a few at
// a time, each with its cluster's agent token.
func (l *demoLoader) postAgentBatches(ctx context.Context) error {
	tokens := map[tally.ClusterID]string{}
	for _, c := range l.truth.Clusters {
		secret, tok := web.NewToken()
		tok.Kind, tok.Role, tok.Cluster, tok.Name = tally.TokenAgent, tally.RoleAgent, c.ID, "tally demo"
		if _, err := l.db.CreateToken(ctx, tok); err != nil {
			return err
		}
		tokens[c.ID] = secret
	}
	client := &http.Client{Timeout: time.Minute}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	var sent atomic.Int64
	var mu sync.Mutex
	lastLog := time.Now()
	// Day by day, as a fleet's agents post, so the concurrent posts are of
	// different nodes: the endpoint takes a node's batches one at a time
	// (postgres.refuseOverlapsTx), and the manifest lists them node by node.
	order := make([]int, len(l.m.Agent))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(l.m.Agent[a].Day, l.m.Agent[b].Day) })
	for _, i := range order {
		f := l.m.Agent[i]
		g.Go(func() error {
			body, err := demo.ReadFile(l.dir, fmt.Sprintf("agent[%d].path", i), f.Path)
			if err != nil {
				return err
			}
			if err := postBatch(ctx, client, l.url+agentIngestPath, tokens[f.Cluster], body); err != nil {
				return fmt.Errorf("%s: %w", f.Path, err)
			}
			n := sent.Add(1)
			mu.Lock()
			if time.Since(lastLog) > 5*time.Second {
				lastLog = time.Now()
				l.app.log.Info("demo: agent batches", "sent", n, "of", len(l.m.Agent))
			}
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

// postBatch posts one batch, again after the server's Retry-After while it
// answers 429 (the agent endpoint's per-token rate), as tally-agent does.
func postBatch(ctx context.Context, client *http.Client, url, token string, gz []byte) error {
	for {
		wait, err := postBatchOnce(ctx, client, url, token, gz)
		if err != nil || wait == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// postBatchOnce posts a batch; a 429 answer returns its Retry-After (at
// least a second) instead of an error.
func postBatchOnce(ctx context.Context, client *http.Client, url, token string, gz []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(gz))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests {
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return time.Duration(max(secs, 1)) * time.Second, nil
	}
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return 0, fmt.Errorf("POST %s: %s: %s", agentIngestPath, resp.Status, bytes.TrimSpace(msg))
	}
	return 0, nil
}

// compactSamples compacts what the agent batches appended, as tally serve
// does each minute, so attribution reads one row per hour × container × stack.
func (l *demoLoader) compactSamples(ctx context.Context) error {
	c, err := l.db.CompactFunctionSamples(ctx)
	if err == nil {
		l.app.log.Info("demo: compacted function samples", "hours", c.Hours, "appended", c.Appended, "merged", c.Merged)
	}
	return err
}

func (l *demoLoader) attribute(ctx context.Context) error {
	share, err := l.db.ShareBasis(ctx)
	if err != nil {
		return err
	}
	var sum attribution.Summary
	err = l.app.attributeLocked(ctx, l.db, func(ctx context.Context) (err error) {
		w := tally.Window{Start: l.m.Start, End: l.m.End}
		job := l.app.attributionJob(l.db, share)
		job.Progress = logDays(l.app.log, w, time.Now(), progressEvery, job.Progress)
		sum, err = job.Attribute(ctx, w, true)
		return err
	})
	if err != nil {
		return err
	}
	l.app.log.Info("demo: attributed", "hours", sum.Hours, "allocations", sum.Allocations, "estimatedNodeHours", sum.EstimatedNodeHrs)
	for _, w := range sum.Warnings {
		l.app.log.Debug("demo: attribution", "warning", w)
	}
	return nil
}

func (l *demoLoader) recommendCommitments(ctx context.Context) error {
	_, err := commitments.RecommendAccounts(ctx, l.db, scheduledCommitments(l.m.End))
	return err
}

func (l *demoLoader) forecast(ctx context.Context) error {
	_, err := forecast.ForecastSpend(ctx, l.db, scheduledForecast(l.m.End))
	return err
}

func (l *demoLoader) rightsize(ctx context.Context) error {
	return l.app.refreshRightsizing(ctx, l.db, l.m.End)
}

// demoReportConfig is the weekly report of the demo: the organization, with
// a monthly budget 5% above its last full month's amortized spend.
func demoReportConfig(t *demo.Truth, url string) report.Config {
	cfg := report.DefaultConfig()
	cfg.DashboardURL = url
	months := map[string]tally.Money{}
	var last string
	for _, d := range t.Daily {
		m, err := tally.ParseMoney(d.Amortized, tally.Currency(t.Currency))
		if err != nil {
			continue
		}
		key := d.Day[:7]
		months[key], _ = months[key].Add(m)
		if key > last {
			last = key
		}
	}
	lastFull, _ := time.Parse("2006-01", last)
	lastFull = lastFull.AddDate(0, -1, 0)
	if spend, ok := months[lastFull.Format("2006-01")]; ok && len(cfg.Audiences) > 0 {
		cfg.Audiences[0].Budget, _ = spend.MulRatio(105, 100)
		cfg.Audiences[0].Budget = cfg.Audiences[0].Budget.Round(0)
	}
	return cfg
}
