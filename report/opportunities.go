package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
)

// rightsizing lists the right-sizing recommendations of aud: for the
// organization, the node plans of the clusters that have them and the
// container recommendations of the others (a node plan packs its pods at
// their recommended requests, so its saving holds theirs: adding both
// counted the containers twice); for a team, those of its workloads.
func (b *Builder) rightsizing(ctx context.Context, aud Audience, workloads map[string]tally.Money, ln linker, zero tally.Money) (Opportunities, error) {
	containers, err := b.Store.Recommendations(ctx, tally.RecommendContainer)
	if err != nil {
		return Opportunities{}, fmt.Errorf("right-sizing recommendations: %w", err)
	}
	var recs []tally.Recommendation
	inNodePlans := 0
	if aud.Org() {
		nodes, err := b.Store.Recommendations(ctx, tally.RecommendNode)
		if err != nil {
			return Opportunities{}, fmt.Errorf("node right-sizing recommendations: %w", err)
		}
		planned := map[string]bool{}
		for _, r := range nodes {
			planned[clusterOf(r.Target)] = true
		}
		recs = nodes
		for _, r := range containers {
			if planned[clusterOf(r.Target)] {
				inNodePlans++
				continue
			}
			recs = append(recs, r)
		}
	} else {
		for _, r := range containers {
			// cluster/namespace/Kind/name/container
			p := strings.SplitN(r.Target, "/", 5)
			if len(p) < 4 {
				continue
			}
			if _, ok := workloads[p[1]+"/"+p[3]]; ok {
				recs = append(recs, r)
			}
		}
	}
	o := opportunities(recs, b.Top, zero, func(r tally.Recommendation) string { return ln.rightsizing(r.Target) })
	o.InNodePlans = inNodePlans
	if o.Count == 0 {
		o.Available = false
		o.Unavailable = "not available yet: no right-sizing recommendations are stored (tally rightsize computes them)"
	}
	return o, nil
}

// clusterOf is the cluster a right-sizing target names first
// (cluster/group, cluster/namespace/Kind/name/container).
func clusterOf(target string) string {
	c, _, _ := strings.Cut(target, "/")
	return c
}

// commitmentRecs lists the commitment purchases recommended.
func (b *Builder) commitmentRecs(ctx context.Context, ln linker, zero tally.Money) (Opportunities, error) {
	all, err := b.Store.Recommendations(ctx, tally.RecommendCommitment)
	if err != nil {
		return Opportunities{}, fmt.Errorf("commitment recommendations: %w", err)
	}
	// The purchases: a held pool buys nothing, and the Commitments page a
	// link opens does not list it.
	var recs []tally.Recommendation
	for _, r := range all {
		if commitments.Buys(r) {
			recs = append(recs, r)
		}
	}
	o := opportunities(recs, b.Top, zero, func(r tally.Recommendation) string { return ln.commitments(r.Target) })
	if o.Count == 0 {
		o.Available = false
		o.Unavailable = "not available yet: no commitment recommendations are stored (tally commitments recommend computes them)"
		if len(all) > 0 {
			o.Unavailable = fmt.Sprintf("no purchase recommended now: the %d pool(s) are held at the commitments in force", len(all))
		}
	}
	return o, nil
}

func opportunities(recs []tally.Recommendation, top int, zero tally.Money, link func(tally.Recommendation) string) Opportunities {
	sort.SliceStable(recs, func(i, j int) bool {
		c, _ := recs[i].MonthlySavings.Cmp(recs[j].MonthlySavings)
		return c > 0
	})
	o := Opportunities{Available: true, Total: zero, Added: zero, Count: len(recs)}
	for i, r := range recs {
		if r.MonthlySavings.Sign() < 0 {
			o.Added, _ = o.Added.Sub(r.MonthlySavings)
			o.CostMore++
		} else {
			o.Total, _ = o.Total.Add(r.MonthlySavings)
		}
		if i < top {
			o.Items = append(o.Items, Opportunity{Kind: r.Kind, Target: r.Target, Explanation: r.Explanation,
				MonthlySavings: r.MonthlySavings, Link: link(r)})
		}
	}
	return o
}

// HoursPerMonth is the average month (8,760 h / 12) commitments are priced in.
const HoursPerMonth = 730

func (b *Builder) expiring(ctx context.Context, from time.Time, ln linker) ([]Expiring, error) {
	until := from.Add(30 * day)
	cs, err := b.Store.Commitments(ctx, "", tally.Window{Start: from, End: until})
	if err != nil {
		return nil, fmt.Errorf("commitments: %w", err)
	}
	var out []Expiring
	for _, c := range cs {
		if c.End.After(until) || !c.End.After(from) {
			continue
		}
		// What it costs an hour, as the commitments status counts it: the
		// hourly commitment, or the recurring fee plus the upfront fee spread
		// over the term (an All Upfront RI was listed at 0).
		hourly, err := commitments.HourlyCost(c)
		if err != nil {
			return nil, fmt.Errorf("commitment %s: %w", c.ID, err)
		}
		monthly, _ := hourly.MulRatio(HoursPerMonth, 1)
		out = append(out, Expiring{ID: c.ID, Kind: c.Kind, Account: c.BillingAccountID, End: c.End, EndEstimated: c.StartEstimated,
			DaysLeft: int(math.Ceil(c.End.Sub(from).Hours() / 24)), Hourly: hourly, Monthly: monthly.Round(2), Link: ln.commitments(c.ID)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].End.Before(out[j].End) })
	return out, nil
}
