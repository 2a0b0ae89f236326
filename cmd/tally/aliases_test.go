package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// TestCostsAliasLabels: tally costs filters and aggregates by OpenCost's
// alias fields, reading the labels its flags name.
func TestCostsAliasLabels(t *testing.T) {
	c := costsCmd{Window: "7d", Step: "window", Aggregate: []string{"team"}, Filter: `team:"payments"+environment!:"dev"`,
		Idle: "separate", Shared: "weighted", Basis: "amortized"}
	c.TeamLabel = "squad"
	q, err := c.query(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if q.Aliases.Label("team") != "squad" || q.Aliases.Label("environment") != "env" {
		t.Errorf("aliases %+v: want team squad, environment env (OpenCost's default)", q.Aliases)
	}
	if len(q.Aggregate) != 1 || q.Aggregate[0] != (attribution.Dimension{Field: "team"}) || len(q.Filters) != 2 {
		t.Errorf("aggregate %+v, filters %+v", q.Aggregate, q.Filters)
	}
	c.TeamLabel = "squad,team"
	if _, err := c.query(time.Now()); tally.ErrorCode(err) != tally.EInvalid {
		t.Errorf("--team-label squad,team: %v, want EInvalid", err)
	}
}

// TestServeRefusesBadAliasLabel: serve checks its alias labels before
// opening the database, as a bad flag (exit 2).
func TestServeRefusesBadAliasLabel(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"--log-format", "text", "serve", "--product-label", "app name"}, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), `product label "app name"`) {
		t.Errorf("serve --product-label 'app name': exit %d, %s; want %d naming the label", code, errb.String(), exitUsage)
	}
}
