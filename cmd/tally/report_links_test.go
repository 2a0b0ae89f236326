package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/report"
	"github.com/tallyhq/tally/web"
)

// linkedFigure is a figure of the weekly email and the dashboard link
// beside it.
type linkedFigure struct {
	what, name, link string
	cost             tally.Money
}

// TestWeeklyReportLinksShowItsFigures opens the allocation links of the
// weekly email's teams, workloads and namespaces as the dashboard does
// (the same parameters on /api/v1/allocations) and finds each figure of
// the email there: the same group, window and idle and shared costs. The
// links left the idle and shared costs to the dashboard's defaults (shared
// costs weighted into each group: "data" $511 in the email, $521.77 on the
// page), the movers' links opened two weeks, and "(no team label)" was a
// part of the page's __unallocated__. When the bill starts on the
// Wednesday of the week before (an account added then), the email compares
// Wednesday to Sunday of each week, and its links opened the whole report
// week, Monday and Tuesday's costs included.
func TestWeeklyReportLinksShowItsFigures(t *testing.T) {
	for _, partWeek := range []bool{false, true} {
		t.Run(map[bool]string{false: "whole weeks", true: "from last Wednesday"}[partWeek], func(t *testing.T) {
			reportLinksShowItsFigures(t, partWeek)
		})
	}
}

func reportLinksShowItsFigures(t *testing.T, partWeek bool) {
	ctx := context.Background()
	dbURL := pgtest.NewURL(t, true)
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	fixture.WeeklyOrg(t, db)
	if partWeek {
		fixture.Unbill(t, dbURL, fixture.WeeklyStart, fixture.WeeklyReport.AddDate(0, 0, -5))
	}
	cfg, err := report.ParseConfig("report.yaml", []byte(weeklyConfigYAML))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Settings: db, Auth: db}))
	defer ts.Close()
	secret, tok := web.NewToken()
	tok.Kind, tok.Role, tok.Name = tally.TokenAPI, tally.RoleViewer, "test"
	if _, err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}

	var figures []linkedFigure
	for _, name := range []string{"org", "payments"} {
		aud, err := cfg.Audience(name)
		if err != nil {
			t.Fatal(err)
		}
		b := &report.Builder{Store: db, Config: cfg, Now: func() time.Time { return fixture.WeeklyNow }}
		r, err := b.Build(ctx, aud, report.WeekOf(fixture.WeeklyReport))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{false: 7, true: 5}[partWeek]; len(r.Compared) != want {
			t.Fatalf("%s: %d days compared, want %d", name, len(r.Compared), want)
		}
		for _, ts := range r.Teams {
			figures = append(figures, linkedFigure{name + " team", ts.Team, ts.Link, ts.ThisWeek})
		}
		for _, set := range r.Movers {
			if set.Dimension == "service" {
				continue // costs outside Kubernetes, by namespace on the page
			}
			for _, m := range set.Movers {
				figures = append(figures, linkedFigure{name + " " + set.Dimension, m.Name, m.Link, m.ThisWeek})
			}
		}
	}
	if len(figures) < 10 {
		t.Fatalf("only %d figures with links: %+v", len(figures), figures)
	}
	sawUnallocated := false
	for _, f := range figures {
		u, err := url.Parse(f.link)
		if err != nil || u.Path != "/allocations" {
			t.Errorf("%s %s: link %q is not the allocations page", f.what, f.name, f.link)
			continue
		}
		q := u.Query()
		q.Set("step", "window")
		var body struct {
			Groups []struct {
				Name  string `json:"name"`
				Total struct {
					TotalCost json.Number `json:"totalCost"`
				} `json:"total"`
			} `json:"groups"`
		}
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/allocations?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: GET %s: %d %v", f.what, f.name, q.Encode(), resp.StatusCode, err)
		}
		shown := ""
		var names []string
		for _, g := range body.Groups {
			names = append(names, g.Name+" "+g.Total.TotalCost.String())
			if g.Name == f.name {
				shown = tally.MustParseMoney(g.Total.TotalCost.String(), f.cost.Currency()).Round(2).Decimal()
			}
		}
		if want := f.cost.Round(2).Decimal(); shown != want {
			t.Errorf("%s %s: the email says %s, its link (%s) shows %q among %s", f.what, f.name, want, q.Encode(), shown, strings.Join(names, ", "))
		}
		sawUnallocated = sawUnallocated || f.name == tally.UnallocatedName
	}
	if !sawUnallocated {
		t.Errorf("no team is %s among %d figures", tally.UnallocatedName, len(figures))
	}
}
