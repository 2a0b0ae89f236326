package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// gcpExportRow is one row of a GCP billing export as BigQuery extracts it
// to NDJSON; resource adds the detailed (resource) table's field.
func gcpExportRow(account, cost string, resource bool) string {
	row := `{"billing_account_id":"` + account + `","service":{"id":"6F81-5844-456A","description":"Compute Engine"},` +
		`"sku":{"id":"BB77-5FDA-69D9","description":"N2 Instance Core running in Americas"},` +
		`"usage_start_time":"2026-10-01 00:00:00 UTC","usage_end_time":"2026-10-01 01:00:00 UTC",` +
		`"project":{"id":"acme-prod","name":"Acme (prod)"},"cost":` + cost + `,"currency":"USD",` +
		`"credits":[{"name":"Sustained use discount","amount":-0.5,"type":"SUSTAINED_USAGE_DISCOUNT"}],` +
		`"invoice":{"month":"202610"},"cost_type":"regular"`
	if resource {
		row += `,"resource":{"name":"gke-node-1","global_name":"//compute.googleapis.com/projects/acme-prod/zones/us-central1-b/instances/1"}`
	}
	return row + "}\n"
}

// writeGCPExport writes one invoice month of a GCP billing export table
// under dir, laid out as extracted from BigQuery (table/invoice_month=…/).
func writeGCPExport(t *testing.T, dir, table, rows string) {
	t.Helper()
	p := filepath.Join(dir, table, "invoice_month=202610", "000000000000.json")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The standard and the detailed (resource) export of one GCP billing
// account hold the same charges: a run given both fails, committing
// nothing, instead of storing the bill twice. Either alone, or the tables
// of two accounts, ingest.
func TestIngestGCPStandardAndResourceExports(t *testing.T) {
	const account = "01A2B3-C4D5E6-F7A8B9"
	dir := t.TempDir()
	writeGCPExport(t, dir, "gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9", gcpExportRow(account, "2.5", false))
	writeGCPExport(t, dir, "gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9", gcpExportRow(account, "2.5", true))
	writeGCPExport(t, dir, "gcp_billing_export_resource_v1_0A0B0C_0D0E0F_101112", gcpExportRow("0A0B0C-0D0E0F-101112", "1", true))

	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	key := tally.BillingPeriodKey{BillingAccountID: account, Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Source: "gcp-billing"}

	code, out, errOut := runTally("--database-url", url, "ingest", "gcp-billing", dir)
	if code != exitUsage || !strings.Contains(errOut, "gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9") ||
		!strings.Contains(errOut, "gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9") {
		t.Errorf("ingest of both tables of one account: exit %d, want %d naming both tables\n%s\n%s", code, exitUsage, out, errOut)
	}
	if rows, total := periodTotal(t, db, key); rows != 0 {
		t.Errorf("after the refused run the period holds %d rows, %s", rows, total)
	}

	for _, table := range []string{"gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9", "gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9"} {
		code, out, errOut = runTally("--database-url", url, "ingest", "gcp-billing", filepath.Join(dir, table),
			filepath.Join(dir, "gcp_billing_export_resource_v1_0A0B0C_0D0E0F_101112"))
		if code != 0 {
			t.Fatalf("ingest of %s alone: exit %d\n%s\n%s", table, code, out, errOut)
		}
		if rows, total := periodTotal(t, db, key); rows != 1 || total != "2" {
			t.Errorf("ingest of %s alone: %d rows, %s; want 1 row, 2 (2.5 − 0.5 of credits)", table, rows, total)
		}
	}
}
