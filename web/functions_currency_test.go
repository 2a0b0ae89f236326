package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// stacksByImage answers each image's stacks; "" is the workload's.
type stacksByImage map[string][]attribution.StackSpend

func (s stacksByImage) StackSpend(_ context.Context, f attribution.StackFilter) ([]attribution.StackSpend, error) {
	return s[f.Image], nil
}

func (stacksByImage) WorkloadImages(context.Context, string, string, time.Time, time.Time) ([]attribution.ImageSpan, error) {
	return nil, nil
}

// TestFunctionsInOneCurrency: stacks costed in two currencies (a workload
// name in clusters billed differently) are a 400 asking for a cluster
// filter, in every format, not a zero total and then a 500.
func TestFunctionsInOneCurrency(t *testing.T) {
	stack := func(name, cost string, cur tally.Currency) attribution.StackSpend {
		return attribution.StackSpend{Frames: []tally.Function{{Name: name}}, Cost: tally.MustParseMoney(cost, cur), Samples: 10}
	}
	store := stacksByImage{
		"":    {stack("main.a", "10", "USD"), stack("main.b", "7", "EUR")},
		"usd": {stack("main.a", "10", "USD"), stack("main.b", "7", "USD")},
		"eur": {stack("main.a", "9", "EUR")},
	}
	tests := []struct {
		query  string
		status int
		body   string
	}{
		{"", 400, "the functions span currencies USD and EUR: filter by cluster"},
		{"&format=pprof", 400, "the functions span currencies USD and EUR"},
		{"&image=usd", 200, `"total":{"amount":"17","currency":"USD"}`},
		{"&image=usd&baseImage=eur", 400, "the functions span currencies EUR and USD"},
	}
	s := NewServer(Config{Readiness: readiness{}, Functions: store})
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, asViewer(httptest.NewRequest(http.MethodGet, "/api/v1/functions?workload=shop/api"+tt.query, nil)))
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("GET ?%s = %d %.300s, want %d containing %s", tt.query, rec.Code, rec.Body, tt.status, tt.body)
		}
	}
}

func (stacksByImage) ProfiledContainers(context.Context, attribution.StackFilter) ([]attribution.ProfiledContainer, error) {
	return nil, nil
}

func (stacksByImage) ProfiledWorkloads(context.Context, tally.Window) ([]attribution.ProfiledWorkload, error) {
	return nil, nil
}

// TestFunctionsListsNeverNull: a store that has no images or stacks for a
// workload answers nil; the view's lists are [] all the same, as the
// database's answers have them.
func TestFunctionsListsNeverNull(t *testing.T) {
	s := NewServer(Config{Readiness: readiness{}, Functions: stacksByImage{}})
	for _, q := range []string{"", "&baseImage=old"} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, asViewer(httptest.NewRequest(http.MethodGet, "/api/v1/functions?workload=shop/api"+q, nil)))
		if rec.Code != 200 || strings.Contains(rec.Body.String(), "null") {
			t.Errorf("GET ?%s = %d %.400s, want lists, not null", q, rec.Code, rec.Body)
		}
	}
}

// TestFunctionsZeroAmountsHaveTheCurrency: a diff against a base without
// profiles (an image never run) shows its zeros in the head's currency; they
// said {"amount":"0","currency":""} beside USD amounts.
func TestFunctionsZeroAmountsHaveTheCurrency(t *testing.T) {
	store := stacksByImage{"usd": {{Frames: []tally.Function{{Name: "main.hot"}, {Name: "main.main"}}, Cost: tally.MustParseMoney("5", "USD"), Samples: 10}}}
	s := NewServer(Config{Readiness: readiness{}, Functions: store})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, asViewer(httptest.NewRequest(http.MethodGet, "/api/v1/functions?workload=shop/api&image=usd&baseImage=never-ran", nil)))
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"currency":""`) {
		t.Errorf("GET = %d, want 200 with every amount in USD:\n%s", rec.Code, rec.Body)
	}
}
