package awscur_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/awscur/curtest"
	"github.com/tallyhq/tally/internal/pgtest"
)

// granularRows is the test month of account as a report of granularity g
// bills it: each charge runs 24 hours from March 2, 12:00 (over two days),
// and the identity ids are the report's own.
func granularRows(report, account string, g curtest.Granularity) []curtest.Row {
	rows := curtest.Rollup(curtest.Hours(marchRows(report, account), 24), g)
	for i := range rows {
		r := &rows[i]
		r.IdentityLineItemID = fmt.Sprintf("%s-%s-%d", report, account, i)
		r.IdentityTimeInterval = r.LineItemUsageStartDate.Format("2006-01-02T15:04:05Z") + "/" + r.LineItemUsageEndDate.Format("2006-01-02T15:04:05Z")
	}
	return rows
}

// billedOf is what rows bill, as the parser reads CUR 2.0's doubles.
func billedOf(t *testing.T, rows ...[]curtest.Row) string {
	t.Helper()
	sum := tally.Zero("USD")
	for _, rs := range rows {
		for _, r := range rs {
			m, err := tally.FromFloat(r.LineItemUnblendedCost, "USD")
			if err != nil {
				t.Fatal(err)
			}
			sum, _ = sum.Add(m)
		}
	}
	return sum.Decimal()
}

// A team migrating to CUR 2.0 often runs a daily export next to an hourly
// legacy CUR: the two bill the same charges split differently, so no line
// of one is a line of the other, and the month was stored twice. The run
// compares what each report bills per account, charge and day (and per
// month, for monthly reports) and fails naming the reports and the period;
// exports of different linked accounts still add up.
func TestRunReportsOfDifferentGranularity(t *testing.T) {
	db := pgtest.New(t)
	key := tally.BillingPeriodKey{BillingAccountID: curtest.Payer, Start: march, Source: "aws-cur"}
	stored := func() (int64, string) { return storedPeriod(t, db, key) }
	ingestAll := func(root string) (*ingest.Result, error) { return ingestRoot(t, db, root) }
	legacy := func(root, name string, rows []curtest.Row) string {
		dir, err := curtest.WriteLegacyReport(root, "cur", name, march, rows)
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
	export := func(root, name string, rows []curtest.Row) string {
		dir, err := curtest.WriteExport(root, "exports", name, march, rows)
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
	const other = "333333333333"
	hourly := granularRows("legacy", curtest.Account, curtest.Hourly)
	if len(hourly) != 14*24 {
		t.Fatalf("hourly report: %d rows, want %d", len(hourly), 14*24)
	}
	// What the run keeps of each case when it fails: the hourly report alone.
	base := t.TempDir()
	legacy(base, "acme", hourly)
	wantN, wantBilled := int64(len(hourly)), billedOf(t, hourly)

	for _, c := range []struct {
		name       string
		write      func(root string) (a, b string)
		want       []string // in the error; none: the run commits
		rows       int64    // stored when the run commits
		billedRows [][]curtest.Row
	}{{
		name: "hourly legacy CUR and daily CUR 2.0 export of the same month",
		write: func(root string) (string, string) {
			return legacy(root, "acme", hourly), export(root, "acme2", granularRows("cur2", curtest.Account, curtest.Daily))
		},
		want: []string{"reports {a} and {b} bill the same charges of billing period 2025-03 of account 111111111111",
			"their 26 daily totals", "ingesting both would count them twice", "point at {a}, or at {b}", "nothing was committed"},
	}, {
		name: "hourly legacy CUR and monthly CUR 2.0 export of the same month",
		write: func(root string) (string, string) {
			return legacy(root, "acme", hourly), export(root, "acme2", granularRows("cur2", curtest.Account, curtest.Monthly))
		},
		want: []string{"reports {a} and {b} bill the same charges of billing period 2025-03 of account 111111111111",
			"their 13 monthly totals", "point at {a}, or at {b}"},
	}, {
		name: "a daily export of one linked account next to an hourly one of all",
		write: func(root string) (string, string) {
			all := append(granularRows("all", curtest.Account, curtest.Hourly), granularRows("all", other, curtest.Hourly)...)
			return export(root, "all", all), export(root, "prod", granularRows("prod", curtest.Account, curtest.Daily))
		},
		want: []string{"every one of the 26 daily totals", "of report {b} in billing period 2025-03 of account 111111111111 is also in report {a}",
			"point at {a} alone"},
	}, {
		name: "hourly and daily reports of different linked accounts",
		write: func(root string) (string, string) {
			return legacy(root, "acme", hourly), export(root, "dev", granularRows("dev", other, curtest.Daily))
		},
		rows:       14*24 + 14*2,
		billedRows: [][]curtest.Row{hourly, granularRows("dev", other, curtest.Daily)},
	}} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ingestAll(base); err != nil {
				t.Fatal(err)
			}
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
				if n, billed := stored(); n != c.rows || billed != billedOf(t, c.billedRows...) {
					t.Errorf("stored %d rows, billed %s; want both reports' %d, %s", n, billed, c.rows, billedOf(t, c.billedRows...))
				}
				return
			}
			if err == nil {
				n, billed := stored()
				t.Fatalf("stored %d rows billing %s from %d files, want an error", n, billed, len(res.Files))
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
			if n, billed := stored(); n != wantN || billed != wantBilled {
				t.Errorf("after the failed run: stored %d rows, billed %s; want the hourly report's %d, %s", n, billed, wantN, wantBilled)
			}
		})
	}
}

// With AllowOverlappingReports, a run stores both reports of one month and
// logs a warning naming them and the period.
func TestRunAllowOverlappingReports(t *testing.T) {
	db := pgtest.New(t)
	ctx := t.Context()
	root := t.TempDir()
	hourly := granularRows("legacy", curtest.Account, curtest.Hourly)
	daily := granularRows("cur2", curtest.Account, curtest.Daily)
	a, err := curtest.WriteLegacyReport(root, "cur", "acme", march, hourly)
	if err != nil {
		t.Fatal(err)
	}
	b, err := curtest.WriteExport(root, "exports", "acme2", march, daily)
	if err != nil {
		t.Fatal(err)
	}
	files, cleanup, err := awscur.Locate(ctx, []string{root}, awscur.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	var log bytes.Buffer
	res, err := ingest.Run(ctx, db, "aws-cur", awscur.Parser{}, files, ingest.Options{AllowOverlappingReports: true,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(hourly) + len(daily)); res.Rows != want || !res.Committed {
		t.Errorf("committed %v, %d rows; want both reports' %d", res.Committed, res.Rows, want)
	}
	t.Log(log.String())
	for _, w := range []string{"level=WARN", "two reports hold the same charges", "period=2025-03", "account=111111111111",
		fmt.Sprintf("reports=\"[%s %s]\"", a, b), "their 26 daily totals"} {
		if !strings.Contains(log.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, log.String())
		}
	}
}

// Two CUR 2.0 exports filtered to linked accounts (Data Exports filters
// rows with WHERE line_item_usage_account_id IN (…)), both listing one
// account S by mistake besides 100 of their own, bill S twice. At one
// granularity a line of S is in both; at two, S's 26 daily totals (not
// counting its $0 ones) are fewer than one in a hundred of either report's,
// but all of S's: totals are compared over the usage accounts both reports
// hold.
func TestRunPartialOverlapAcrossGranularities(t *testing.T) {
	const shared = "999999999999"
	for _, c := range []struct {
		name string
		a, b curtest.Granularity
		want []string
	}{
		{"hourly and daily", curtest.Hourly, curtest.Daily, []string{"reports {a} and {b} bill the same charges of usage account " + shared +
			" in billing period 2025-03 of account 111111111111 in lines of different lengths (hourly, daily or monthly): their 26 daily totals per usage account and charge are the same",
			"change their filters so that one of them alone holds usage account " + shared, "nothing was committed"}},
		{"daily and daily", curtest.Daily, curtest.Daily, []string{"28 of the 2828 lines of report {a}", "are also in report {b}"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := pgtest.New(t)
			var a, b []curtest.Row
			for i := range 100 {
				a = append(a, granularRows("a", fmt.Sprintf("3%011d", i), c.a)...)
				b = append(b, granularRows("b", fmt.Sprintf("4%011d", i), c.b)...)
			}
			a = append(a, granularRows("a", shared, c.a)...)
			b = append(b, granularRows("b", shared, c.b)...)
			root := t.TempDir()
			ea, err := curtest.WriteExport(root, "exports", "a", march, a)
			if err != nil {
				t.Fatal(err)
			}
			eb, err := curtest.WriteExport(root, "exports", "b", march, b)
			if err != nil {
				t.Fatal(err)
			}
			res, err := ingestRoot(t, db, root)
			if err == nil {
				key := tally.BillingPeriodKey{BillingAccountID: curtest.Payer, Start: march, Source: "aws-cur"}
				n, billed := storedPeriod(t, db, key)
				t.Fatalf("run committed %d rows (billed %s) of %d files: account %s is in both reports and is now counted twice; want ErrOverlappingReports",
					n, billed, len(res.Files), shared)
			}
			t.Log(err)
			r := strings.NewReplacer("{a}", ea, "{b}", eb)
			for _, w := range c.want {
				if w = r.Replace(w); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

// A legacy CUR delivered for Athena (Parquet, <prefix>/<report>/<report>/
// year=2025/month=3/…, no period folder) is a report like any other: next
// to a CUR 2.0 export of the same month (a migration, as AWS advises), the
// run fails instead of storing the month twice.
func TestRunOverlapAthenaLayoutLegacyCUR(t *testing.T) {
	db := pgtest.New(t)
	root := t.TempDir()
	hourly := granularRows("legacy", curtest.Account, curtest.Hourly)
	writeParquet(t, root, "cur/acme/acme/year=2025/month=3/acme-00001.snappy.parquet", hourly)
	if _, err := curtest.WriteExport(root, "exports", "acme2", march, granularRows("cur2", curtest.Account, curtest.Daily)); err != nil {
		t.Fatal(err)
	}
	files, cleanup, err := awscur.Locate(t.Context(), []string{filepath.Join(root, "cur"), filepath.Join(root, "exports")}, awscur.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	res, err := ingest.Run(t.Context(), db, "aws-cur", awscur.Parser{}, files, ingest.Options{})
	if err == nil {
		key := tally.BillingPeriodKey{BillingAccountID: curtest.Payer, Start: march, Source: "aws-cur"}
		n, billed := storedPeriod(t, db, key)
		t.Fatalf("run committed %d rows (billed %s) of %d files; the month bills %s: stored twice, want ErrOverlappingReports",
			n, billed, len(res.Files), billedOf(t, hourly))
	}
	t.Log(err)
	for _, w := range []string{"reports " + filepath.Join(root, "cur", "acme", "acme") + " and " + filepath.Join(root, "exports", "acme2"),
		"their 26 daily totals per usage account and charge are the same"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\nlacks %q", err, w)
		}
	}
}

// Files in no layout Tally knows (copies, renamed folders) are a report per
// folder: two folders holding the same month are caught, while the parts
// of one report in one folder are never compared with each other, even
// given one by one and sharing a line.
func TestRunOverlapUnknownLayout(t *testing.T) {
	hourly := granularRows("legacy", curtest.Account, curtest.Hourly)
	daily := granularRows("cur2", curtest.Account, curtest.Daily)
	again := hourly[0] // a second line billing what the first does (AWS's ids differ)
	again.IdentityLineItemID += "-again"
	for _, c := range []struct {
		name  string
		write func(root string) []string // the arguments
		want  []string                   // in the error; none: the run commits
		rows  int64
	}{{
		name: "two folders of the same month",
		write: func(root string) []string {
			writeLegacy(t, root, "legacy/acme-00001.csv.gz", hourly)
			writeParquet(t, root, "cur2/acme2-00001.snappy.parquet", daily)
			return []string{root}
		},
		want: []string{"reports {root}/cur2 and {root}/legacy bill the same charges", "their 26 daily totals per usage account and charge are the same"},
	}, {
		name: "two files of the same month, given one by one",
		write: func(root string) []string {
			return []string{writeLegacy(t, root, "legacy/acme-00001.csv.gz", hourly), writeParquet(t, root, "cur2/acme2-00001.snappy.parquet", daily)}
		},
		want: []string{"reports {root}/legacy and {root}/cur2 bill the same charges"}, // in the order given
	}, {
		name: "the parts of one report in one folder",
		write: func(root string) []string {
			writeLegacy(t, root, "acme/acme-00001.csv.gz", hourly)
			writeLegacy(t, root, "acme/acme-00002.csv.gz", []curtest.Row{again})
			return []string{filepath.Join(root, "acme")}
		},
		rows: int64(len(hourly)) + 1,
	}, {
		name: "the parts of one report, given one by one",
		write: func(root string) []string {
			return []string{writeLegacy(t, root, "acme-00001.csv.gz", hourly), writeLegacy(t, root, "acme-00002.csv.gz", []curtest.Row{again})}
		},
		rows: int64(len(hourly)) + 1,
	}} {
		t.Run(c.name, func(t *testing.T) {
			db := pgtest.New(t)
			root := t.TempDir()
			files, cleanup, err := awscur.Locate(t.Context(), c.write(root), awscur.S3Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer cleanup()
			res, err := ingest.Run(t.Context(), db, "aws-cur", awscur.Parser{}, files, ingest.Options{})
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if res.Rows != c.rows || !res.Committed {
					t.Errorf("committed %v, %d rows; want %d", res.Committed, res.Rows, c.rows)
				}
				return
			}
			if err == nil {
				t.Fatalf("committed %d rows of %d files, want ErrOverlappingReports", res.Rows, len(res.Files))
			}
			t.Log(err)
			for _, w := range c.want {
				if w = strings.ReplaceAll(w, "{root}", root); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

// fleetRows is a fleet of account as a report of granularity g bills it:
// n m5.large instances and n gp3 volumes tagged user:team=team (see
// teamRows).
func fleetRows(report, account, team string, n int, g curtest.Granularity, ids bool) []curtest.Row {
	return teamRows(report, account, team, g, ids, map[string]int{"Usage": n, "Usage (EBS volume)": n})
}

// teamRows is what a fleet of account tagged user:team=team bills, as a
// report of granularity g bills it: for each kind of line of curtest.Month
// named in kinds ("Usage", "DiscountedUsage", …), as many resources as its
// count, running 24 hours from March 2, 12:00, each in lines of its own
// (with resource IDs, INCLUDE_RESOURCES) or, without, one line billing
// them all. A kind billing no resource is one line billing them all.
func teamRows(report, account, team string, g curtest.Granularity, ids bool, kinds map[string]int) []curtest.Row {
	var hour []curtest.Row
	for _, c := range curtest.Month(march) {
		n := kinds[c.Name]
		if n == 0 {
			continue
		}
		r := c.Row
		r.LineItemUsageAccountID = account
		r.ResourceTags = map[string]string{"user_team": team}
		if !ids || r.LineItemResourceID == "" {
			r.LineItemResourceID = ""
			for _, f := range []*float64{&r.LineItemUsageAmount, &r.LineItemUnblendedCost, &r.PricingPublicOnDemandCost,
				&r.ReservationEffectiveCost, &r.SavingsPlanEffectiveCost} {
				*f *= float64(n)
			}
			hour = append(hour, r)
			continue
		}
		prefix, _, _ := strings.Cut(r.LineItemResourceID, "-")
		for i := range n {
			r.LineItemResourceID = fmt.Sprintf("%s-%s%03d", prefix, team, i)
			hour = append(hour, r)
		}
	}
	return reportRows(report, account, curtest.Rollup(curtest.Hours(hour, 24), g))
}

// reportRows gives rows the identity ids of report.
func reportRows(report, account string, rows []curtest.Row) []curtest.Row {
	for i := range rows {
		r := &rows[i]
		r.IdentityLineItemID = fmt.Sprintf("%s-%s-%d", report, account, i)
		r.IdentityTimeInterval = r.LineItemUsageStartDate.Format("2006-01-02T15:04:05Z") + "/" + r.LineItemUsageEndDate.Format("2006-01-02T15:04:05Z")
	}
	return rows
}

// withFreeDataIn returns rows and, for each m5.large Usage row, a row of
// the data its instances took in meanwhile, gb GB an instance-hour, billed
// $0 as AWS bills inbound data transfer.
func withFreeDataIn(rows []curtest.Row, gb float64) []curtest.Row {
	out := slices.Clone(rows)
	for _, r := range rows {
		if r.LineItemLineItemType != "Usage" || r.LineItemUsageType != "BoxUsage:m5.large" {
			continue
		}
		r.LineItemUsageType, r.PricingUnit, r.LineItemLineItemDescription = "DataTransfer-In-Bytes", "GB", "$0.00 per GB - data transfer in"
		r.LineItemUsageAmount *= gb
		r.LineItemUnblendedCost, r.PricingPublicOnDemandCost = 0, 0
		r.IdentityLineItemID += "-in"
		out = append(out, r)
	}
	return out
}

// withoutResourceIDs returns rows as a report without resource IDs bills
// them, when no two of its rows differ by resource alone.
func withoutResourceIDs(rows []curtest.Row) []curtest.Row {
	out := slices.Clone(rows)
	for i := range out {
		out[i].LineItemResourceID = ""
	}
	return out
}

// A report exported with resource IDs (INCLUDE_RESOURCES) next to one of
// the same payer and month without them share no line and no total per
// charge, since the resource is part of the charge, and the month was
// stored twice. The run compares, where one report bills a charge without
// resource IDs, its totals with the other's summed over resources, and
// fails; reports split by tag or by linked account, one of them without
// resource IDs, still add up.
func TestRunOverlapWithAndWithoutResourceIDs(t *testing.T) {
	db := pgtest.New(t)
	key := tally.BillingPeriodKey{BillingAccountID: curtest.Payer, Start: march, Source: "aws-cur"}
	const other = "333333333333"
	with := fleetRows("legacy", curtest.Account, "payments", 3, curtest.Hourly, true)
	if len(with) != 2*3*24 {
		t.Fatalf("hourly report with resource IDs: %d rows, want %d", len(with), 2*3*24)
	}
	// What the run keeps of each case when it fails: the hourly report alone.
	base := t.TempDir()
	if _, err := curtest.WriteLegacyReport(base, "cur", "acme", march, with); err != nil {
		t.Fatal(err)
	}
	wantN, wantBilled := int64(len(with)), billedOf(t, with)
	for _, c := range []struct {
		name string
		a, b []curtest.Row // a legacy CUR, b a CUR 2.0 export
		want []string      // in the error; none: the run commits both
	}{{
		name: "hourly legacy CUR with resource IDs, daily CUR 2.0 export without",
		a:    with, b: fleetRows("cur2", curtest.Account, "payments", 3, curtest.Daily, false),
		want: []string{"reports {a} and {b} bill the same charges of billing period 2025-03 of account 111111111111 with and without resource IDs",
			"their 4 daily totals per usage account and charge summed over resources are the same", "ingesting both would count them twice",
			"point at {a}, or at {b}", "nothing was committed"},
	}, {
		name: "hourly legacy CUR with resource IDs, monthly CUR 2.0 export without",
		a:    with, b: fleetRows("cur2", curtest.Account, "payments", 3, curtest.Monthly, false),
		want: []string{"with and without resource IDs", "their 2 monthly totals per usage account and charge summed over resources are the same"},
	}, {
		name: "daily legacy CUR without resource IDs, daily CUR 2.0 export with",
		a:    fleetRows("legacy", curtest.Account, "payments", 3, curtest.Daily, false), b: fleetRows("cur2", curtest.Account, "payments", 3, curtest.Daily, true),
		want: []string{"their 4 daily totals per usage account and charge summed over resources are the same"},
	}, {
		name: "split by tag, one without resource IDs",
		a:    with, b: fleetRows("cur2", curtest.Account, "search", 2, curtest.Daily, false),
	}, {
		name: "split by linked account, one without resource IDs",
		a:    with, b: fleetRows("cur2", other, "payments", 3, curtest.Daily, false),
	}} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ingestRoot(t, db, base); err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			a, err := curtest.WriteLegacyReport(root, "cur", "acme", march, c.a)
			if err != nil {
				t.Fatal(err)
			}
			b, err := curtest.WriteExport(root, "exports", "acme2", march, c.b)
			if err != nil {
				t.Fatal(err)
			}
			res, err := ingestRoot(t, db, root)
			n, billed := storedPeriod(t, db, key)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				expectBothStored(t, n, billed, c.a, c.b)
				return
			}
			if err == nil {
				t.Fatalf("stored %d rows billing %s from %d files, want an error: the month is counted twice", n, billed, len(res.Files))
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
			if n != wantN || billed != wantBilled {
				t.Errorf("after the failed run: stored %d rows, billed %s; want the hourly report's %d, %s", n, billed, wantN, wantBilled)
			}
		})
	}
}

// Lines billing $0 (DiscountedUsage's unblended cost, free inbound data
// transfer) sum to $0 per charge and day whatever the fleet: two CUR 2.0
// exports filtered by tag whose fleets differ, one or both of them without
// resource IDs, agree on those sums and on nothing else, and add up. A
// legacy CUR and a CUR 2.0 export of the same month, with every line item
// type, still fail, their $0 totals not counted.
func TestRunOverlapZeroCostLines(t *testing.T) {
	key := tally.BillingPeriodKey{BillingAccountID: curtest.Payer, Start: march, Source: "aws-cur"}
	ri := func(od, ri int) map[string]int { return map[string]int{"Usage": od, "DiscountedUsage": ri} }
	month := granularRows("legacy", curtest.Account, curtest.Hourly)
	resources := map[string]int{} // the kinds of line of the month billing a resource, two of each
	for _, c := range curtest.Month(march) {
		if c.Row.LineItemResourceID != "" {
			resources[c.Name] = 2
		}
	}
	for _, c := range []struct {
		name   string
		a, b   []curtest.Row
		legacy bool     // a is a legacy CUR, not a CUR 2.0 export
		want   []string // in the error; none: the run commits both
	}{{
		name: "split by tag, one without resource IDs, instances covered by a reservation in both",
		a:    teamRows("a", curtest.Account, "payments", curtest.Hourly, true, ri(3, 3)),
		b:    teamRows("b", curtest.Account, "search", curtest.Daily, false, ri(2, 1)),
	}, {
		name: "split by tag, one without resource IDs, free data in in both",
		a:    withFreeDataIn(teamRows("a", curtest.Account, "payments", curtest.Hourly, true, ri(3, 0)), 0.5),
		b:    withFreeDataIn(teamRows("b", curtest.Account, "search", curtest.Daily, false, ri(2, 0)), 7),
	}, {
		name: "split by tag, both without resource IDs, instances covered by a reservation in both",
		a:    teamRows("a", curtest.Account, "payments", curtest.Hourly, false, ri(3, 3)),
		b:    teamRows("b", curtest.Account, "search", curtest.Daily, false, ri(2, 1)),
	}, {
		name:   "every line item type, hourly legacy CUR with resource IDs, daily CUR 2.0 export without",
		a:      month,
		b:      withoutResourceIDs(granularRows("cur2", curtest.Account, curtest.Daily)),
		legacy: true,
		want: []string{"16 of the 28 daily totals per usage account and charge of report {b} in billing period 2025-03 of account 111111111111 are also in report {a}",
			"nothing was committed"},
	}, {
		name:   "every line item type, hourly legacy CUR with resource IDs, monthly CUR 2.0 export without",
		a:      month,
		b:      withoutResourceIDs(granularRows("cur2", curtest.Account, curtest.Monthly)),
		legacy: true,
		want:   []string{"8 of the 14 monthly totals per usage account and charge of report {b}"},
	}, {
		name:   "every line item type billing a resource, hourly legacy CUR with resource IDs, daily CUR 2.0 export without",
		a:      teamRows("legacy", curtest.Account, "payments", curtest.Hourly, true, resources),
		b:      teamRows("cur2", curtest.Account, "payments", curtest.Daily, false, resources),
		legacy: true,
		want: []string{"reports {b} and {a} bill the same charges of billing period 2025-03 of account 111111111111 with and without resource IDs",
			"their 10 daily totals per usage account and charge summed over resources are the same", "nothing was committed"},
	}, {
		name:   "every line item type billing a resource, hourly legacy CUR with resource IDs, monthly CUR 2.0 export without",
		a:      teamRows("legacy", curtest.Account, "payments", curtest.Hourly, true, resources),
		b:      teamRows("cur2", curtest.Account, "payments", curtest.Monthly, false, resources),
		legacy: true,
		want:   []string{"their 5 monthly totals per usage account and charge summed over resources are the same"},
	}} {
		t.Run(c.name, func(t *testing.T) {
			db := pgtest.New(t)
			root := t.TempDir()
			write := curtest.WriteExport
			if c.legacy {
				write = curtest.WriteLegacyReport
			}
			a, err := write(root, "reports", "a", march, c.a)
			if err != nil {
				t.Fatal(err)
			}
			b, err := curtest.WriteExport(root, "exports", "b", march, c.b)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ingestRoot(t, db, root)
			n, billed := storedPeriod(t, db, key)
			if c.want == nil {
				if err != nil {
					t.Fatalf("reports billing %s and %s: %v", billedOf(t, c.a), billedOf(t, c.b), err)
				}
				expectBothStored(t, n, billed, c.a, c.b)
				return
			}
			if err == nil {
				t.Fatalf("stored %d rows billing %s, want an error: the month is counted twice", n, billed)
			}
			expectRefusedWhole(t, err, n, billed, c.want, strings.NewReplacer("{a}", a, "{b}", b))
		})
	}
}

// An export filtered to one team's tag next to the bill of every team (a
// legacy CUR) holds that team's charges again. With resource IDs in both,
// the export's totals per resource are the bill's; when one of them lacks
// resource IDs, the export's sum over resources of a usage type is the
// team's and the bill's every team's, so that no total nor sum agrees and
// the team was stored twice. Summed per tags too, where one of them bills
// a charge without resource IDs, they agree, and the run fails; two
// exports split by tag still add up.
func TestRunOverlapTagSubset(t *testing.T) {
	key := tally.BillingPeriodKey{BillingAccountID: curtest.Payer, Start: march, Source: "aws-cur"}
	bill := func(g curtest.Granularity, ids bool) []curtest.Row { // of teams payments and search
		return append(fleetRows("all-payments", curtest.Account, "payments", 3, g, ids), fleetRows("all-search", curtest.Account, "search", 2, g, ids)...)
	}
	for _, c := range []struct {
		name      string
		all, part []curtest.Row // a legacy CUR, a CUR 2.0 export of one team
		want      []string      // in the error; none: the run commits both
	}{{
		name: "every team with resource IDs, one team's export with them",
		all:  bill(curtest.Hourly, true), part: fleetRows("payments", curtest.Account, "payments", 3, curtest.Daily, true),
		want: []string{"every one of the 12 daily totals per usage account and charge of report {b}"},
	}, {
		name: "every team with resource IDs, one team's export without",
		all:  bill(curtest.Hourly, true), part: fleetRows("payments", curtest.Account, "payments", 3, curtest.Daily, false),
		want: []string{"every one of the 4 daily totals per usage account, charge and tags summed over resources of report {b} in billing period 2025-03 " +
			"of account 111111111111 is also in report {a}: ingesting both would count them twice; point at {a} alone, which holds them all", "nothing was committed"},
	}, {
		name: "every team with resource IDs, one team's monthly export without",
		all:  bill(curtest.Hourly, true), part: fleetRows("payments", curtest.Account, "payments", 3, curtest.Monthly, false),
		want: []string{"every one of the 2 monthly totals per usage account, charge and tags summed over resources of report {b}"},
	}, {
		name: "every team without resource IDs, one team's export with them",
		all:  bill(curtest.Hourly, false), part: fleetRows("payments", curtest.Account, "payments", 3, curtest.Daily, true),
		want: []string{"every one of the 4 daily totals per usage account, charge and tags summed over resources of report {b}"},
	}, {
		name: "every team without resource IDs, one team's export without",
		all:  bill(curtest.Hourly, false), part: fleetRows("payments", curtest.Account, "payments", 3, curtest.Daily, false),
		want: []string{"every one of the 4 daily totals per usage account, charge and tags of report {b}"},
	}, {
		name: "split by tag, one without resource IDs",
		all:  fleetRows("payments", curtest.Account, "payments", 3, curtest.Hourly, true),
		part: fleetRows("search", curtest.Account, "search", 2, curtest.Daily, false),
	}, {
		name: "split by tag, both without resource IDs",
		all:  fleetRows("payments", curtest.Account, "payments", 3, curtest.Hourly, false),
		part: fleetRows("search", curtest.Account, "search", 2, curtest.Daily, false),
	}} {
		t.Run(c.name, func(t *testing.T) {
			db := pgtest.New(t)
			root := t.TempDir()
			a, err := curtest.WriteLegacyReport(root, "cur", "acme", march, c.all)
			if err != nil {
				t.Fatal(err)
			}
			b, err := curtest.WriteExport(root, "exports", "payments", march, c.part)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ingestRoot(t, db, root)
			n, billed := storedPeriod(t, db, key)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				expectBothStored(t, n, billed, c.all, c.part)
				return
			}
			if err == nil {
				t.Fatalf("stored %d rows billing %s: the bill (%s) and one team's part of it (%s), want an error: the team is counted twice",
					n, billed, billedOf(t, c.all), billedOf(t, c.part))
			}
			expectRefusedWhole(t, err, n, billed, c.want, strings.NewReplacer("{a}", a, "{b}", b))
		})
	}
}

// expectRefusedWhole checks that a failed run's error holds every one of
// want (with r's replacements: the reports' paths) and that it stored
// nothing (n rows, billing billed).
func expectRefusedWhole(t *testing.T, err error, n int64, billed string, want []string, r *strings.Replacer) {
	t.Helper()
	t.Log(err)
	for _, w := range want {
		if w = r.Replace(w); !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\nlacks %q", err, w)
		}
	}
	if n != 0 {
		t.Errorf("after the failed run: stored %d rows, billed %s; want none", n, billed)
	}
}

// expectBothStored checks that a run stored n rows billing billed: every
// row of both reports a and b.
func expectBothStored(t *testing.T, n int64, billed string, a, b []curtest.Row) {
	t.Helper()
	if wantN, wantBilled := int64(len(a)+len(b)), billedOf(t, a, b); n != wantN || billed != wantBilled {
		t.Errorf("stored %d rows, billed %s; want both reports' %d, %s", n, billed, wantN, wantBilled)
	}
}
