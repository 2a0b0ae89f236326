package web

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/forecast"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// loadDailyBill stores 120 days of one EC2 line per day and account, with a
// weekly pattern, in a real database.
func loadDailyBill(t *testing.T, db *postgres.DB, end time.Time) {
	ctx := context.Background()
	run, err := db.StartIngestRun(ctx, "focus", nil)
	if err != nil {
		t.Fatal(err)
	}
	periods := map[tally.BillingPeriodKey][]tally.CostLine{}
	for _, acct := range []string{"111111111111", "222222222222"} {
		for d := 120; d >= 1; d-- {
			day := end.AddDate(0, 0, -d)
			cost := 100 + 10*math.Sin(2*math.Pi*float64(day.Weekday())/7)
			if acct == "222222222222" {
				cost *= 3
			}
			m := tally.MustParseMoney(fmt.Sprintf("%.4f", cost), "USD")
			month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
			key := tally.BillingPeriodKey{BillingAccountID: acct, Start: month, Source: "focus"}
			periods[key] = append(periods[key], tally.CostLine{
				Provider: tally.ProviderAWS, BillingAccountID: acct, BillingPeriodStart: month, BillingPeriodEnd: month.AddDate(0, 1, 0),
				ChargePeriodStart: day, ChargePeriodEnd: day.AddDate(0, 0, 1), ChargeCategory: tally.ChargeUsage,
				BilledCost: m, EffectiveCost: m, ListCost: m, ContractedCost: m, ServiceName: "Amazon EC2",
			})
		}
	}
	for key, lines := range periods {
		seq := iter.Seq2[*tally.CostLine, error](func(yield func(*tally.CostLine, error) bool) {
			for i := range lines {
				if !yield(&lines[i], nil) {
					return
				}
			}
		})
		if _, err := db.ReplaceBillingPeriod(ctx, key, run, seq); err != nil {
			t.Fatal(err)
		}
	}
}

func TestForecastsAPI(t *testing.T) {
	db := pgtest.New(t)
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	loadDailyBill(t, db, now.Truncate(24*time.Hour))
	stored, err := forecast.ForecastSpend(context.Background(), db, forecast.SpendOptions{Lag: forecast.DefaultLag, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 3 { // two accounts, one service
		t.Fatalf("stored %d forecasts, want 3", len(stored))
	}
	s := NewServer(Config{Readiness: readiness{}, Forecasts: db, Auth: db})
	secret, tok := NewToken()
	tok.Kind, tok.Role, tok.Name = tally.TokenAPI, tally.RoleViewer, "test"
	if _, err := db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	get := func(url string) (int, forecastsResponse) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		s.ServeHTTP(rec, req)
		var body forecastsResponse
		if rec.Code == http.StatusOK {
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("GET %s: %v", url, err)
			}
		}
		return rec.Code, body
	}
	code, body := get("/api/v1/forecasts?scope=spend/account/222222222222")
	if code != http.StatusOK || len(body.Forecasts) != 1 {
		t.Fatalf("GET one scope: %d %+v", code, body)
	}
	f := body.Forecasts[0]
	if f.Granularity != "day" || len(f.Points) != 90 || !f.HistoryEnd.Equal(now.Truncate(24*time.Hour).AddDate(0, 0, -2)) {
		t.Fatalf("forecast %s: %s, %d points, history end %s", f.Scope, f.Granularity, len(f.Points), f.HistoryEnd)
	}
	var params struct {
		Currency string `json:"currency"`
	}
	var acc forecast.Backtest
	if json.Unmarshal(f.Params, &params) != nil || params.Currency != "USD" || json.Unmarshal(f.Accuracy, &acc) != nil || acc.Origins == 0 {
		t.Errorf("params %s, accuracy %s", f.Params, f.Accuracy)
	}
	for _, p := range f.Points[:14] {
		if p.Mean < 250 || p.Mean > 350 || !(p.Lo95 <= p.Lo80 && p.Lo80 <= p.Hi80 && p.Hi80 <= p.Hi95) {
			t.Errorf("point %+v: want about 300 with nested intervals", p)
		}
	}
	if code, body := get("/api/v1/forecasts?scope=spend/*"); code != http.StatusOK || len(body.Forecasts) != 3 {
		t.Errorf("GET spend/*: %d, %d forecasts", code, len(body.Forecasts))
	}
	if code, _ := get("/api/v1/forecasts?scope=spend/account/999"); code != http.StatusNotFound {
		t.Errorf("GET unknown scope: %d, want 404", code)
	}
	if code, body := get("/api/v1/forecasts?scope=cpu/*"); code != http.StatusOK || len(body.Forecasts) != 0 {
		t.Errorf("GET cpu/*: %d %+v, want an empty list", code, body)
	}
}

// TestForecastsAPIEscapedScope: a scope whose name holds a character that
// scopes path-escape (a space in "Amazon EC2") is found when asked for as
// `tally forecast run` prints it (…/Amazon%20EC2 in the URL, which the query
// decodes to "Amazon EC2") and by the plain name, exactly and as a prefix; it
// answered 404 unless the escape itself was escaped (%2520).
func TestForecastsAPIEscapedScope(t *testing.T) {
	db := pgtest.New(t)
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	loadDailyBill(t, db, now.Truncate(24*time.Hour))
	if _, err := forecast.ForecastSpend(context.Background(), db, forecast.SpendOptions{Lag: forecast.DefaultLag, Now: now}); err != nil {
		t.Fatal(err)
	}
	s := NewServer(Config{Readiness: readiness{}, Forecasts: db, Auth: db})
	secret, tok := NewToken()
	tok.Kind, tok.Role, tok.Name = tally.TokenAPI, tally.RoleViewer, "test"
	if _, err := db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"spend/service/Amazon%20EC2",   // as printed, in a URL
		"spend/service/Amazon+EC2",     // a form-encoded space
		"spend/service/Amazon%2520EC2", // the escape escaped
		"spend/service/Amazon%20E*",    // a prefix
		"spend/service/Amazon%20*",
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/api/v1/forecasts?scope="+q, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		s.ServeHTTP(rec, req)
		var body forecastsResponse
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil || len(body.Forecasts) != 1 ||
			body.Forecasts[0].Scope != "spend/service/Amazon%20EC2" {
			t.Errorf("GET ?scope=%s: %d %s, want the forecast of spend/service/Amazon%%20EC2", q, rec.Code, rec.Body.String())
		}
	}
}

// TestForecastsAPIMalformedScope: a scope that is no scope (no kind, a kind
// without its key, as `tally forecast run --scope spend/account` takes it,
// an empty key) is a 400 saying what a scope is and how to list a kind; it
// was a 404, "no forecast for scope", as if the name were right and its
// forecast not made yet.
func TestForecastsAPIMalformedScope(t *testing.T) {
	db := pgtest.New(t)
	s := NewServer(Config{Readiness: readiness{}, Forecasts: db, Auth: db})
	secret, tok := NewToken()
	tok.Kind, tok.Role, tok.Name = tally.TokenAPI, tally.RoleViewer, "test"
	if _, err := db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ scope, want string }{
		{"bogus", `scope \"bogus\": want one of spend/account/…, spend/service/…`},
		{"spend/account", `scope \"spend/account\": want one of spend/account/…`},
		{"spend/account/", `scope \"spend/account/\": segment \"\": want a non-empty path-escaped name`},
		{"spend/account/1/2", `scope \"spend/account/1/2\": spend/account takes 1 key segments, got 2`},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/api/v1/forecasts?scope="+tc.scope, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		s.ServeHTTP(rec, req)
		hint := `a scope ending in * (spend/account/*) lists the newest forecast of each under it`
		if body := rec.Body.String(); rec.Code != http.StatusBadRequest || !strings.Contains(body, tc.want) || !strings.Contains(body, hint) {
			t.Errorf("GET ?scope=%s: %d %s, want 400 saying %s and %s", tc.scope, rec.Code, body, tc.want, hint)
		}
	}
}
