package awscur_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/awscur/curtest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// marchRows is the test month as a report delivers it: identity ids are
// the report's own (AWS: "not consistent between different reports"), and
// the only tag is user:team, the one the legacy writer has a column for.
func marchRows(report, account string) []curtest.Row {
	rows := curtest.Rows(curtest.Month(march))
	for i := range rows {
		r := &rows[i]
		r.IdentityLineItemID = fmt.Sprintf("%s-%s-%d", report, account, i)
		r.IdentityTimeInterval = r.LineItemUsageStartDate.Format("2006-01-02T15:04:05Z") + "/" + r.LineItemUsageEndDate.Format("2006-01-02T15:04:05Z")
		r.LineItemUsageAccountID = account
		if r.ResourceTags != nil {
			r.ResourceTags = map[string]string{"user_team": r.ResourceTags["user_team"]}
		}
	}
	return rows
}

// writeLegacyReport writes a legacy CUR report's March under root/cur/name.
func writeLegacyReport(t *testing.T, root, name string, rows []curtest.Row) string {
	key := fmt.Sprintf("cur/%s/20250301-20250401/asm-1/%s-00001.csv.gz", name, name)
	writeLegacy(t, root, key, rows)
	writeTree(t, root, map[string]string{
		fmt.Sprintf("cur/%s/20250301-20250401/%s-Manifest.json", name, name): `{"assemblyId":"asm-1","reportKeys":["` + key + `"]}`,
	})
	return filepath.Join(root, "cur", name)
}

// writeExport writes a CUR 2.0 export's March under root/exports/name.
func writeExport(t *testing.T, root, name string, rows []curtest.Row) string {
	key := fmt.Sprintf("exports/%s/data/BILLING_PERIOD=2025-03/%s-00001.snappy.parquet", name, name)
	writeParquet(t, root, key, rows)
	writeTree(t, root, map[string]string{
		fmt.Sprintf("exports/%s/metadata/BILLING_PERIOD=2025-03/%s-Manifest.json", name, name): `{"dataFiles":["s3://billing/` + key + `"]}`,
	})
	return filepath.Join(root, "exports", name)
}

// A bucket often holds two reports of one payer month: AWS advises running
// a CUR 2.0 export next to the legacy CUR while migrating. Pointed at the
// bucket, a run reads both, finds the same charges in the two and fails,
// naming them and what to point at; the month stays as it was. Reports
// filtered to different linked accounts share no line and add up.
func TestRunTwoReportsOfOneMonth(t *testing.T) {
	db := pgtest.New(t)
	key := tally.BillingPeriodKey{BillingAccountID: curtest.Payer, Start: march, Source: "aws-cur"}
	stored := func() (int64, string) { return storedPeriod(t, db, key) }
	ingestAll := func(root string) (*ingest.Result, error) { return ingestRoot(t, db, root) }
	const other = "333333333333"
	both := append(marchRows("all", curtest.Account), marchRows("all", other)...)

	// The month, once, from the legacy report alone.
	root := t.TempDir()
	legacy := writeLegacyReport(t, root, "acme", marchRows("legacy", curtest.Account))
	if _, err := ingestAll(legacy); err != nil {
		t.Fatal(err)
	}
	if n, billed := stored(); n != 14 || billed != "1557.4364" {
		t.Fatalf("legacy report alone: stored %d rows, billed %s; want 14, 1557.4364", n, billed)
	}

	for _, c := range []struct {
		name  string
		write func(root string) (a, b string)
		want  []string // in the error; none: the run commits
	}{{
		name: "legacy CUR and CUR 2.0 export of the same month",
		write: func(root string) (string, string) {
			return writeLegacyReport(t, root, "acme", marchRows("legacy", curtest.Account)),
				writeExport(t, root, "acme2", marchRows("cur2", curtest.Account))
		},
		want: []string{"reports {a} and {b} hold the same 14 lines of billing period 2025-03 of account 111111111111",
			"ingesting both would count them twice", "point at {a}, or at {b}", "nothing was committed"},
	}, {
		name: "an export of one linked account next to one of all",
		write: func(root string) (string, string) {
			return writeExport(t, root, "all", both), writeExport(t, root, "prod", marchRows("prod", curtest.Account))
		},
		want: []string{"every one of the 14 lines of report {b} in billing period 2025-03 of account 111111111111 is also in report {a}",
			"point at {a} alone"},
	}, {
		name: "two reports sharing some lines",
		write: func(root string) (string, string) {
			rows := marchRows("cur2", curtest.Account)
			rows[0].ResourceTags = map[string]string{"user_team": "search"} // one line differs
			return writeLegacyReport(t, root, "acme", marchRows("legacy", curtest.Account)), writeExport(t, root, "acme2", rows)
		},
		want: []string{"13 of the 14 lines of report {a} in billing period 2025-03 of account 111111111111 are also in report {b}",
			"point at one of them ({a} or {b}), or change their filters"},
	}, {
		name: "exports filtered to different linked accounts",
		write: func(root string) (string, string) {
			return writeExport(t, root, "prod", marchRows("prod", curtest.Account)), writeExport(t, root, "dev", marchRows("dev", other))
		},
	}} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			a, b := c.write(root)
			if a > b { // Locate lists the reports in name order
				a, b = b, a
			}
			res, err := ingestAll(root)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if n, billed := stored(); n != 28 || billed != "3114.8728" || res.Rows != 28 {
					t.Errorf("stored %d rows, billed %s; want both accounts' 28, 3114.8728", n, billed)
				}
				return
			}
			if err == nil {
				t.Fatalf("ingested %d rows from %v, want an error", res.Rows, res.Files)
			}
			t.Log(err)
			if tally.ErrorCode(err) != tally.EInvalid {
				t.Errorf("error code %s, want %s", tally.ErrorCode(err), tally.EInvalid)
			}
			r := strings.NewReplacer("{a}", a, "{b}", b)
			for _, w := range c.want {
				if w = r.Replace(w); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
			if n, billed := stored(); n != 14 || billed != "1557.4364" {
				t.Errorf("after the failed run: stored %d rows, billed %s; want the legacy report's 14, 1557.4364", n, billed)
			}
		})
	}
}

// storedPeriod returns the rows and the billed cost stored for key.
func storedPeriod(t *testing.T, db *postgres.DB, key tally.BillingPeriodKey) (int64, string) {
	t.Helper()
	totals, err := db.PeriodTotals(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	billed := tally.Zero("USD")
	for _, pt := range totals {
		n += pt.Rows
		billed, _ = billed.Add(pt.BilledCost)
	}
	return n, billed.Decimal()
}

// ingestRoot ingests every current CUR file under root.
func ingestRoot(t *testing.T, db *postgres.DB, root string) (*ingest.Result, error) {
	t.Helper()
	files, cleanup, err := awscur.Locate(t.Context(), []string{root}, awscur.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	return ingest.Run(t.Context(), db, "aws-cur", awscur.Parser{}, files, ingest.Options{})
}
