package report_test

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/report"
)

// A node plan packs its group's pods at their recommended requests, so
// what it saves already holds its containers' right-sizing (the
// Right-sizing page says "Nodes: savings a month (the containers'
// included)"). The organization's figure added the two, counting the
// containers twice ($1,008 of 449.68 + 297.20 + 127.40 + 109.60 + 24.40):
// it is the node plans' of the clusters that have them, and the
// containers on them are said to be included, not listed again. A team's
// is its own containers'.
func TestRightsizingNodePlansIncludeContainers(t *testing.T) {
	db := weeklyDB(t)
	cfg := weeklyConfig(t)
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }

	r := build(t, db, cfg, "org")
	org := r.Rightsizing
	if !org.Total.Equal(usd("449.68")) || org.Count != 1 || org.InNodePlans != 4 || len(org.Items) != 1 ||
		org.Items[0].Kind != tally.RecommendNode {
		t.Errorf("organization: %v a month from %d recommendation(s), %d container(s) in node plans, items %+v; want 449.68 from 1, 4 included, the node plan",
			org.Total, org.Count, org.InNodePlans, org.Items)
	}
	text, html := rendered(t, r)
	const want = "include the right-sizing of the 4 container(s) on them"
	if !strings.Contains(strings.Join(strings.Fields(text), " "), "Right-sizing: $450 a month from 1 recommendation(s) The node plans' savings "+want) {
		t.Errorf("text part lacks the node plans' figure and %q:\n%s", want, text)
	}
	if !strings.Contains(html, "Right-sizing: $450/month from 1 recommendation(s)") || !strings.Contains(html, want) {
		t.Errorf("HTML part lacks the node plans' figure and %q", want)
	}
	team := build(t, db, cfg, "payments").Rightsizing
	if !team.Total.Equal(usd("406.80")) || team.Count != 2 || team.InNodePlans != 0 {
		t.Errorf("payments: %v a month from %d recommendation(s), %d in node plans; want its containers' 406.80 from 2",
			team.Total, team.Count, team.InNodePlans)
	}
}

// rendered renders r as text and HTML.
func rendered(t *testing.T, r *report.Report) (text, html string) {
	t.Helper()
	text, err := report.Text(r)
	if err != nil {
		t.Fatal(err)
	}
	out, err := report.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	return text, out.HTML
}
