package gcpbilling_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/gcpbilling"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// cudRow is an export row of the amortization fixture.
type cudRow struct {
	name, project, sku, hour string
	cost, qty                string
	credits                  []gcpbilling.Credit
}

func (r cudRow) json(t *testing.T) string {
	t.Helper()
	return marshalRow(t, exportRow(t, r.project, "SKU-"+r.name, r.sku, r.name, r.hour, r.cost, r.qty, r.credits))
}

// exportRow is a Compute Engine row of the export of hour hh ("07") on
// 2025-03-04, for the amortization and consumption-model fixtures.
func exportRow(t *testing.T, project, skuID, sku, resource, hh, cost, qty string, credits []gcpbilling.Credit) map[string]any {
	t.Helper()
	start, err := time.Parse(time.RFC3339, "2025-03-04T"+hh+":00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"billing_account_id": "01A2B3-C4D5E6-F7A8B9",
		"service":            map[string]string{"id": "6F81-5844-456A", "description": "Compute Engine"},
		"sku":                map[string]string{"id": skuID, "description": sku},
		"usage_start_time":   start.Format(time.RFC3339),
		"usage_end_time":     start.Add(time.Hour).Format(time.RFC3339),
		"project":            map[string]string{"id": project},
		"location":           map[string]string{"region": "us-central1"},
		"resource":           map[string]string{"name": resource},
		"cost":               json.Number(cost),
		"currency":           "USD",
		"usage":              map[string]any{"amount_in_pricing_units": json.Number(qty), "pricing_unit": "hour"},
		"credits":            credits,
		"invoice":            map[string]string{"month": "202503"},
		"cost_type":          "regular",
	}
}

// marshalRow writes an export row as a line of JSON.
func marshalRow(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func cud(amount string) []gcpbilling.Credit {
	return []gcpbilling.Credit{{Name: "Committed use discount: CPU", Amount: gcpbilling.Number(amount), ID: "CommittedUsageDiscount:1", Type: gcpbilling.CommittedUsageDiscount}}
}

const (
	n2Core = "N2 Instance Core running in Americas"
	n2Ram  = "N2 Instance Ram running in Americas"
	n2Fee  = "Commitment v1: N2 Cpu in Americas for 1 Year"
	ramFee = "Commitment v1: N2 Ram in Americas for 1 Year"
)

// ingestCUDFixture ingests the amortization fixture: a resource-based
// CUD's fees and the usage it covered, in three hours.
func ingestCUDFixture(t *testing.T) (*postgres.DB, *ingest.Result) {
	return ingestCUDFixtureWith(t, "", ingest.Options{})
}

// ingestCUDFixtureWith ingests the fixture with line (when not "") after
// its third row, with opt.
func ingestCUDFixtureWith(t *testing.T, line string, opt ingest.Options) (*postgres.DB, *ingest.Result) {
	t.Helper()
	sud := append(cud("-0.20"), gcpbilling.Credit{Name: "Sustained use discount", Amount: "-0.024", Type: gcpbilling.SustainedUsageDiscount})
	rows := []cudRow{
		// 10:00: 12 of 20 committed vCPU-hours used, 64 of 80 GiB-hours.
		{"fee-cpu-10", "p1", n2Fee, "10", "0.60", "20", nil},
		{"fee-ram-10", "p1", ramFee, "10", "0.16", "80", nil},
		{"node-a", "p1", n2Core, "10", "0.40", "8", cud("-0.40")},
		{"node-b", "p1", n2Core, "10", "0.40", "8", sud},
		{"node-a", "p1", n2Ram, "10", "0.32", "64", cud("-0.32")},
		{"other-project", "p2", n2Core, "10", "0.10", "2", cud("-0.10")}, // no fee in p2
		{"e2-node", "p1", "E2 Instance Core running in Americas", "10", "0.05", "2", cud("-0.05")},
		// 11:00: nothing covered, the whole fee is unused.
		{"fee-cpu-11", "p1", n2Fee, "11", "0.60", "20", nil},
		{"node-c", "p1", n2Core, "11", "0.40", "8", nil},
		// 12:00: fully used, split three ways: the shares sum exactly.
		{"fee-cpu-12", "p1", n2Fee, "12", "0.10", "3", nil},
		{"node-d", "p1", n2Core, "12", "0.05", "1", cud("-0.05")},
		{"node-e", "p1", n2Core, "12", "0.05", "1", cud("-0.05")},
		{"node-f", "p1", n2Core, "12", "0.05", "1", cud("-0.05")},
	}
	var lines []string
	for i, r := range rows {
		lines = append(lines, r.json(t))
		if i == 2 && line != "" {
			lines = append(lines, line)
		}
	}
	return ingestLines(t, lines, opt)
}

// ingestLines ingests an export file of lines with opt.
func ingestLines(t *testing.T, lines []string, opt ingest.Options) (*postgres.DB, *ingest.Result) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9.json")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := pgtest.New(t)
	res, err := ingest.Run(context.Background(), db, "gcp-billing", gcpbilling.Parser{}, []ingest.File{{Name: path, Path: path}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	return db, res
}

var cudDay = tally.Window{Start: time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)}

// A resource-based CUD's fees are spread over the usage it covered, in
// proportion to the usage's CUD credits, per project, region, kind and
// hour; what the covered quantity leaves of the committed one stays on the
// fee rows as unused commitment. Billed cost is as billed, and the
// effective cost of the day and billing account is unchanged, exactly.
func TestAmortizeResourceCUD(t *testing.T) {
	db, res := ingestCUDFixture(t)
	checkAmortized(t, db, res)
}

// A bad row skipped (SkipBadRows) is skipped in both readings of the
// files and recorded once; the rows around it are amortized as without it.
func TestAmortizeSkipsBadRowsOnce(t *testing.T) {
	db, res := ingestCUDFixtureWith(t, `{"billing_account_id":"01A2B3-C4D5E6-F7A8B9","usage_start_time":"x","cost":1,"currency":"USD"}`,
		ingest.Options{SkipBadRows: true})
	if res.Rejected != 1 || len(res.Rejects) != 1 || res.Rejects[0].Line != 4 {
		t.Errorf("rejected %d: %+v, want line 4 once", res.Rejected, res.Rejects)
	}
	checkAmortized(t, db, res)
}

// A bad row the first reading leaves out (it names no commitment) fails
// the run in the second, naming its line, and nothing is stored.
func TestAmortizeBadRowOutsideFirstReading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9.json")
	bad := `{"billing_account_id":"01A2B3-C4D5E6-F7A8B9","sku":{"description":"N2 Instance Core running in Americas"},` +
		`"usage_start_time":"2025-03-04T10:00:00Z","usage_end_time":"2025-03-04T11:00:00Z","cost":"x","currency":"USD"}`
	lines := []string{cudRow{"fee-cpu-10", "p1", n2Fee, "10", "0.60", "20", nil}.json(t), bad}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := pgtest.New(t)
	_, err := ingest.Run(context.Background(), db, "gcp-billing", gcpbilling.Parser{}, []ingest.File{{Name: path, Path: path}}, ingest.Options{})
	if err == nil || !strings.Contains(err.Error(), ".json:2") || !strings.Contains(err.Error(), "cost") {
		t.Fatalf("err %v, want line 2's cost named", err)
	}
	lines2, err := db.CostLines(context.Background(), postgres.CostLineFilter{Window: cudDay})
	if err != nil || len(lines2) != 0 {
		t.Errorf("%d lines stored (%v), want none", len(lines2), err)
	}
}

// checkAmortized checks the CUD fixture's lines and day totals.
func checkAmortized(t *testing.T, db *postgres.DB, res *ingest.Result) {
	t.Helper()
	checkLines(t, db, res, []wantLine{
		// 0.60 × 12/20 = 0.36 used, by credits 0.40 : 0.20.
		{"fee-cpu-10@10/" + n2Fee, "0.6", "0.24"},
		{"node-a@10/" + n2Core, "0", "0.24"},
		{"node-b@10/" + n2Core, "0.176", "0.296"},
		// 0.16 × 64/80 = 0.128 used.
		{"fee-ram-10@10/" + ramFee, "0.16", "0.032"},
		{"node-a@10/" + n2Ram, "0", "0.128"},
		{"other-project@10/" + n2Core, "0", "0"},
		{"e2-node@10/E2 Instance Core running in Americas", "0", "0"},
		{"fee-cpu-11@11/" + n2Fee, "0.6", "0.6"},
		{"node-c@11/" + n2Core, "0.4", "0.4"},
		{"fee-cpu-12@12/" + n2Fee, "0.1", "0"},
		{"node-d@12/" + n2Core, "0", "0.033333333333"},
		{"node-e@12/" + n2Core, "0", "0.033333333334"},
		{"node-f@12/" + n2Core, "0", "0.033333333333"},
	}, "2.036")
}

// The commitment status of the fixture is exact: the used part of the fees
// is what was amortized into usage (0.36 + 0.128 + 0.10 of 1.46), not an
// estimate from the covered on-demand spend at a published discount rate
// (which said 1.42 × 72% = 1.0224, 70% used).
func TestAmortizedCUDStatus(t *testing.T) {
	db, _ := ingestCUDFixture(t)
	ctx := context.Background()
	m := cudDayTotals(t, db)
	if m.Used.Decimal() != "0.588" || m.Unused.Decimal() != "0.872" || m.Commitment.Decimal() != "1.46" || m.Estimated {
		t.Errorf("used %s unused %s of %s (estimated %v), want 0.588 and 0.872 of 1.46, not estimated", m.Used, m.Unused, m.Commitment, m.Estimated)
	}
	// Amortized: the eligible usage's effective cost (fee shares included)
	// and the unused fees.
	if m.Amortized.Decimal() != "2.036" {
		t.Errorf("amortized %s, want 2.036 (the whole bill: all of it is compute)", m.Amortized)
	}
	bcs, err := db.BillingCommitments(ctx, "", cudDay)
	if err != nil {
		t.Fatal(err)
	}
	inv := commitments.InventoryFromBilling(bcs, cudDay.End)
	if len(inv) != 1 || inv[0].Kind != tally.CommitCUDResource || inv[0].HourlyCommitment.Decimal() != "0.486667" {
		t.Errorf("inventory %+v, want one resource-based CUD of 1.46 over 3 hours", inv)
	}
}

// cudDayTotals returns the commitment status totals of db's bill on cudDay.
func cudDayTotals(t *testing.T, db *postgres.DB) commitments.Metrics {
	t.Helper()
	sums, err := db.CommitmentSums(context.Background(), "", cudDay, "day")
	if err != nil {
		t.Fatal(err)
	}
	st, err := commitments.BuildStatus(cudDay.End, cudDay, "day", sums, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st.Totals
}
