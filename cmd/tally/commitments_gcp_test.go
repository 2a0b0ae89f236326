package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest/gcpbilling/gcptest"
	"github.com/tallyhq/tally/internal/pgtest"
)

// `tally commitments status` on a GCP export whose Compute flexible CUD is
// billed by the consumption model (every billing account's since
// 2026-01-21): the flexible CUD's used commitment is what its fee rows'
// FEE_UTILIZATION_OFFSET credits took off, its unused one their net cost,
// and the usage its consumption model priced is covered at its list cost,
// with the resource-based CUD's figures (amortized) beside them. It read
// the flexible fees as covered usage, their used and unused parts as none.
func TestCommitmentsStatusGCPConsumptionModel(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests a month of GCP billing export")
	}
	tly := mustTally(t, "--database-url", pgtest.NewURL(t, true), "--log-level", "warn")
	ingestGCPMarch(t, tly)
	var st commitments.Status
	out := tly("commitments", "status", "--window", "2025-03-01T00:00:00Z,2025-04-01T00:00:00Z", "--step", "month", "--format", "json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	g := st.ByProvider["gcp"]
	// 13 nodes an hour of 0.194236 on demand; 7 covered by the resource
	// CUD (0.856548 of its 0.978912 an hour used), 3 by the flexible one
	// but on the first day (0.419547 of its 0.461501 an hour used).
	for _, c := range []struct{ name, got, want string }{
		{"used", g.Used.Decimal(), "939.345552"},            // 744 × 0.856548 + 720 × 0.419547
		{"unused", g.Unused.Decimal(), "132.32172"},         // 744 × 0.122364 + 24 × 0.461501 + 720 × 0.041954
		{"eligible", g.EligibleOD.Decimal(), "1878.650592"}, // 744 × 13 × 0.194236
		{"covered", g.CoveredOD.Decimal(), "1431.130848"},   // (744 × 7 + 720 × 3) × 0.194236
	} {
		if c.got != c.want {
			t.Errorf("%s: %s, want %s", c.name, c.got, c.want)
		}
	}
	if g.Utilization == nil || g.Coverage == nil || g.ESR == nil || g.Estimated {
		t.Fatalf("gcp KPIs %+v: want utilization, coverage and ESR, not estimated", g)
	}
	if u := *g.Utilization; u < 0.8765 || u > 0.8766 { // 939.345552 / 1071.667272
		t.Errorf("utilization %.5f, want 0.87653", u)
	}
	if c := *g.Coverage; c < 0.7617 || c > 0.7619 { // 1431.130848 / 1878.650592
		t.Errorf("coverage %.5f, want 0.76180", c)
	}
}

// TestSyncBillingKeepsStoredStarts: a GCP export dates no commitment's
// term, so a commitment starts at its first charge in the bill read. A
// sync over the month's last ten days moved every start stored by a sync
// over the whole month to the 22nd; the stored start of the same term is
// kept.
func TestSyncBillingKeepsStoredStarts(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests a month of GCP billing export")
	}
	tly := mustTally(t, "--database-url", pgtest.NewURL(t, true), "--log-level", "warn")
	ingestGCPMarch(t, tly)
	starts := func(window string) map[string]string {
		out := tly("commitments", "sync", "billing", "--window", window)
		got := map[string]string{}
		for _, l := range strings.Split(out, "\n")[1:] {
			// An estimated start reads "≤ 2025-03-01 (est.)".
			if f := strings.Fields(strings.ReplaceAll(l, "≤ ", "")); len(f) >= 6 && strings.HasPrefix(f[4], "2025-") {
				got[f[0]] = f[4]
			}
		}
		return got
	}
	whole := starts("2025-03-01T00:00:00Z,2025-04-01T00:00:00Z")
	if len(whole) == 0 {
		t.Fatal("the month's sync stored no commitment")
	}
	late := starts("2025-03-22T00:00:00Z,2025-04-01T00:00:00Z")
	for id, start := range whole {
		if late[id] != start {
			t.Errorf("%s: starts %s after a sync of the last ten days, want %s as stored", id, late[id], start)
		}
	}
}

// ingestGCPMarch ingests a generated GCP billing export of March 2025
// with a Compute flexible CUD of the consumption model and a resource CUD.
func ingestGCPMarch(t *testing.T, tly func(args ...string) string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), gcptest.FileName)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gcptest.WriteWith(f, 744*31, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), gcptest.Options{FlexibleCUD: true}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	tly("ingest", "gcp-billing", path)
}
