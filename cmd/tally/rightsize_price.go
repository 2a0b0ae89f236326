package main

import (
	"context"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/rightsizing"
)

// attributedPricer prices a workload at what attribution charged it per
// core-hour and GiB-hour, else at its cluster's average, else the fallback.
type attributedPricer struct {
	workloads map[tally.WorkloadRef]postgres.UnitPrice
	clusters  map[tally.ClusterID]postgres.UnitPrice
	fallback  rightsizing.UnitPrices
}

func newAttributedPricer(ctx context.Context, db *postgres.DB, w tally.Window, fallback rightsizing.UnitPrices) (*attributedPricer, error) {
	prices, err := db.AttributedUnitPrices(ctx, w)
	if err != nil {
		return nil, err
	}
	p := &attributedPricer{workloads: map[tally.WorkloadRef]postgres.UnitPrice{}, clusters: map[tally.ClusterID]postgres.UnitPrice{}, fallback: fallback}
	for _, u := range prices {
		if u.Namespace == "" && u.Workload == "" {
			p.clusters[u.Cluster] = u
			continue
		}
		p.workloads[tally.WorkloadRef{Cluster: u.Cluster, Namespace: u.Namespace, Kind: u.Kind, Name: u.Workload}] = u
	}
	return p, nil
}

// UnitPrices implements rightsizing.Pricer.
func (p *attributedPricer) UnitPrices(w tally.WorkloadRef) (rightsizing.UnitPrices, error) {
	out := p.fallback
	if c, ok := p.clusters[w.Cluster]; ok {
		out = pick(out, c)
	}
	if u, ok := p.workloads[w]; ok {
		out = pick(out, u)
	}
	return out, nil
}

func pick(base rightsizing.UnitPrices, u postgres.UnitPrice) rightsizing.UnitPrices {
	if !u.CPUCoreHour.IsZero() {
		base.CPUCoreHour = u.CPUCoreHour
	}
	if !u.MemoryGiBHour.IsZero() {
		base.MemoryGiBHour = u.MemoryGiBHour
	}
	return base
}
