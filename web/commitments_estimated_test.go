package web

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestCommitmentsAPIStartEstimated: a commitment whose bill does not date
// its term (a GCP CUD) has its start reckoned from its first charge in the
// stored bill and its end a term later; the inventory says its start is
// estimated ("startEstimated") and the expiry calendar that its month's
// ends are ("estimated"), so the end is not read as the bill's. A
// commitment whose source dated it says neither.
func TestCommitmentsAPIStartEstimated(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	commitment := func(id string, months int, estimated bool) tally.Commitment {
		return tally.Commitment{BillingAccountID: "333", ID: id, Provider: tally.ProviderGCP, Kind: tally.CommitCUDFlexible,
			TermMonths: months, Start: start, End: start.AddDate(0, months, 0), PaymentOption: "No Upfront",
			HourlyCommitment: tally.MustParseMoney("1", "USD"), RecurringHourlyFee: tally.MustParseMoney("1", "USD"),
			State: "active", Source: "billing", StartEstimated: estimated}
	}
	if err := db.UpsertCommitments(ctx, []tally.Commitment{commitment("estimated", 12, true), commitment("dated", 36, false)}); err != nil {
		t.Fatal(err)
	}
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Auth: db, Now: func() time.Time { return start.Add(48 * time.Hour) }})
	get := viewerGet(t, db, s)
	var inv struct {
		Commitments []struct {
			ID             string `json:"id"`
			StartEstimated bool   `json:"startEstimated"`
		} `json:"commitments"`
	}
	code, body := get("/api/v1/commitments/inventory?account=333")
	if err := json.Unmarshal(body, &inv); code != http.StatusOK || err != nil {
		t.Fatalf("inventory: %d %s", code, body)
	}
	got := map[string]bool{}
	for _, c := range inv.Commitments {
		got[c.ID] = c.StartEstimated
	}
	if len(got) != 2 || !got["estimated"] || got["dated"] {
		t.Errorf("inventory's start estimated %v, want estimated: true, dated: false\n%s", got, body)
	}
	var exp struct {
		Expiries []struct {
			Commitments []string `json:"commitments"`
			Estimated   bool     `json:"estimated"`
		} `json:"expiries"`
	}
	code, body = get("/api/v1/commitments/expiries?account=333")
	if err := json.Unmarshal(body, &exp); code != http.StatusOK || err != nil || len(exp.Expiries) != 2 {
		t.Fatalf("expiries: %d %s", code, body)
	}
	for _, e := range exp.Expiries {
		if want := e.Commitments[0] == "estimated"; e.Estimated != want {
			t.Errorf("expiry of %v estimated %v, want %v", e.Commitments, e.Estimated, want)
		}
	}
}
