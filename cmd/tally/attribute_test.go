package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
)

// TestAttributeShareRecomputesWithoutForce: `tally attribute --share usage`
// on hours already attributed (by tally serve, every hour, with max)
// recomputes them (it only recomputed stale hours: the flag changed
// nothing, exit 0, no warning). The basis is stored: later runs without
// --share, as serve's scheduler, keep it instead of recomputing the hours
// back. OneNode's pod requests 1 of 2 cores and reports no usage: under
// --share usage its cost is 0 and the node's cost is idle.
func TestAttributeShareRecomputesWithoutForce(t *testing.T) {
	url, db := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	win := []string{"--from", "2026-10-05", "--to", "2026-10-07"}
	costs := func() string {
		return tly("costs", "--window", "2026-10-05T00:00:00Z,2026-10-07T00:00:00Z", "--aggregate", "namespace", "--format", "csv")
	}
	tly(append([]string{"attribute"}, win...)...) // as the scheduler did, with max
	before := costs()
	tly(append([]string{"attribute", "--share", "usage"}, win...)...)
	after := costs()
	tly(append([]string{"attribute", "--share", "usage", "--force"}, win...)...)
	forced := costs()
	if after == before || after != forced {
		t.Errorf("tally attribute --share usage without --force:\n%s\nwith --force:\n%s\nbefore, with max:\n%s", after, forced, before)
	}
	// What serve's scheduler and a run without --share do: keep the basis.
	if share, err := db.ShareBasis(context.Background()); err != nil || share != attribution.ShareUsage {
		t.Errorf("stored share basis: %q, %v; want usage", share, err)
	}
	w := tally.Window{Start: fixture.Day1, End: fixture.Day1.AddDate(0, 0, 2)}
	if stale, err := db.StaleHours(context.Background(), w, attribution.ShareUsage); err != nil || len(stale) != 0 {
		t.Errorf("stale hours under the stored basis: %v, %v; want none", stale, err)
	}
	tly(append([]string{"attribute"}, win...)...)
	if got := costs(); got != forced {
		t.Errorf("tally attribute without --share after --share usage:\n%s\nwant as with usage:\n%s", got, forced)
	}
	tly(append([]string{"attribute", "--share", "max"}, win...)...)
	if got := costs(); got != before {
		t.Errorf("tally attribute --share max:\n%s\nwant as at first:\n%s", got, before)
	}
	if code, _, errOut := runTally("--database-url", url, "attribute", "--share", "most"); code == 0 || !strings.Contains(errOut, "--share") {
		t.Errorf("tally attribute --share most: exit %d, %s; want an error naming --share", code, errOut)
	}
}

// TestAttributeFromMidDayReconcilesWholeDays: --from takes RFC 3339 times;
// when it is not midnight, the reconciliation compares the first day's
// whole bill with its whole rollup (it compared the part of the bill inside
// the window, plus the hour ending at --from, with the whole rollup and
// reported a mismatch: exit 1 on a day that reconciles).
func TestAttributeFromMidDayReconcilesWholeDays(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("attribute", "--from", "2026-10-05", "--to", "2026-10-07")
	code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "attribute", "--from", "2026-10-05T10:00:00Z", "--to", "2026-10-07")
	if code != 0 || strings.Contains(out, "mismatch") {
		t.Errorf("tally attribute --from 2026-10-05T10:00:00Z on attributed days: exit %d\n%s%s", code, out, errOut)
	}
}

// TestReconTableNamesItsBasis: the reconciliation compares allocations with
// the bill's amortized cost (EffectiveCost), which is not the invoice's
// billed cost. The column said BILLED: on the demo's 2026-10-08 it read
// 244.15 for an account billed 5,490.21 that day (a Savings Plan's upfront
// fee), a difference a reader reconciling to the invoice could not explain.
func TestReconTableNamesItsBasis(t *testing.T) {
	b := writeRecon(t, writeReconTable)
	header := strings.Fields(strings.SplitN(b, "\n", 2)[0])
	if strings.Contains(strings.Join(header, " "), "BILLED") || !strings.Contains(strings.Join(header, " "), "AMORTIZED") {
		t.Errorf("header %q: want the bill's column named for its amortized basis, not BILLED", header)
	}
}

// TestAttributeSaysWhenNothingIsReconciled: a window holding no whole UTC
// day, or days with neither bill nor allocations, reconciles nothing; tally
// attribute says why instead of printing the table's header alone (exit 0,
// not a word: a reader took it for a clean reconciliation).
func TestAttributeSaysWhenNothingIsReconciled(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tests := []struct {
		from, to string
		want     string
	}{
		{"2026-10-05T10:00:00Z", "2026-10-05T12:00:00Z",
			"no whole day to reconcile: the reconciliation covers whole UTC days, from midnight of the day --from falls in to the last midnight before --to (2026-10-05T12:00:00Z); --to 2026-10-06 reconciles 2026-10-05"},
		{"2030-01-01", "2030-01-03", "nothing to reconcile on the days 2030-01-01 to 2030-01-02: no bill lines and no allocations; ingest the bill (tally ingest) and attribute again"},
	}
	for _, tt := range tests {
		code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "attribute", "--from", tt.from, "--to", tt.to)
		if code != 0 || strings.TrimSpace(out) != tt.want {
			t.Errorf("tally attribute --from %s --to %s: exit %d\n%s%s\nwant exit 0 and %q", tt.from, tt.to, code, out, errOut, tt.want)
		}
	}
}

// TestAttributeLogsProgress: a run over many days says how far it got
// (every five seconds; here at every day), days done of the window's, as
// ingest, pricing and rightsize do; it said nothing until it ended, over
// the demo's 90 days for close to three minutes. The last day is left to
// the run's summary.
func TestAttributeLogsProgress(t *testing.T) {
	var b strings.Builder
	log := slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	w := tally.Window{Start: fixture.Day1.Add(10 * time.Hour), End: fixture.Day1.AddDate(0, 0, 5)}
	calls := 0
	progress := logDays(log, w, fixture.Day1.AddDate(0, 0, 3).Add(90*time.Minute), 0, func(time.Time, attribution.Summary) { calls++ })
	for d := range 4 {
		progress(fixture.Day1.AddDate(0, 0, d), attribution.Summary{Hours: 10})
	}
	want := "level=INFO msg=attributing days=1 of=4 hours=10\n" +
		"level=INFO msg=attributing days=2 of=4 hours=20\n" +
		"level=INFO msg=attributing days=3 of=4 hours=30\n"
	if b.String() != want || calls != 4 {
		t.Errorf("log:\n%s\nwant (the hours until 01:00 of the fourth day, which ended):\n%s\nand next called 4 times, not %d", b.String(), want, calls)
	}
}

// TestReconJSONNamesItsBasis: the JSON of the reconciliation names the
// basis of the bill's amount, "basis": "amortized" (EffectiveCost) beside
// "bill", as the table's AMORTIZED BILL does; its key read "billed", the
// name of the other basis (BilledCost, what the invoice charges).
func TestReconJSONNamesItsBasis(t *testing.T) {
	b := writeRecon(t, writeReconJSON)
	var got []map[string]any
	if err := json.Unmarshal([]byte(b), &got); err != nil || len(got) != 1 {
		t.Fatalf("%s: %v", b, err)
	}
	if _, billed := got[0]["billed"]; billed || got[0]["bill"] == nil || got[0]["basis"] != "amortized" {
		t.Errorf("keys of %s: want the bill's amount as bill, basis amortized, not billed", b)
	}
}

// TestAttributeBasis: tally attribute --basis billed reconciles the
// invoice's billed cost (a Savings Plan's fees as charged, not spread) with
// the allocations' billed cost, and --basis list the list prices; it
// reconciled amortized cost only, so the figure on the invoice a finance
// team holds was nowhere. An unknown basis names the flag and its values.
func TestAttributeBasis(t *testing.T) {
	url, _ := fixtureDatabase(t, fixture.CoveredNode)
	for _, tc := range []struct{ basis, header, day1 string }{
		{"amortized", "AMORTIZED BILL", fixture.CoveredNodeAmortized},
		{"billed", "INVOICE (BILLED)", fixture.CoveredNodeBilledDay1},
		{"list", "LIST BILL", fixture.CoveredNodeList},
	} {
		code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "attribute", "--from", "2026-10-05", "--to", "2026-10-07", "--basis", tc.basis)
		lines := strings.Split(out, "\n")
		day1 := strings.Fields(lines[min(1, len(lines)-1)])
		if code != 0 || !strings.Contains(lines[0], tc.header) || len(day1) != 10 ||
			day1[3] != tally.MustParseMoney(tc.day1, "USD").Format(2) || day1[8] != "0.000000" || day1[9] != "ok" {
			t.Errorf("tally attribute --basis %s: exit %d\n%s%s\nwant the header %q and day 1's bill of %s, difference 0, ok", tc.basis, code, out, errOut, tc.header, tc.day1)
		}
	}
	code, _, errOut := runTally("--database-url", url, "attribute", "--basis", "invoice")
	if code != exitUsage || !strings.Contains(errOut, "--basis") || !strings.Contains(errOut, "amortized") {
		t.Errorf("tally attribute --basis invoice: exit %d, %s; want %d naming --basis and its values", code, errOut, exitUsage)
	}
}

// writeRecon writes, with write, the reconciliation of a day of the demo's
// (2026-10-08: the amortized bill far under the billed one).
func writeRecon(t *testing.T, write func(io.Writer, []attribution.ReconRow) error) string {
	t.Helper()
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	rows := []attribution.ReconRow{{Day: fixture.Day1, Account: "412345678901", Currency: "USD", Basis: tally.BasisAmortized, Bill: usd("244.15"),
		Allocated: usd("133.90"), Idle: usd("39.31"), Shared: usd("4.80"), Unallocated: usd("66.14"), HasBill: true}}
	var b strings.Builder
	if err := write(&b, rows); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestAttributeEmptyWindowNamesItsFlags: --to not an hour after --from is
// bad input that names both flags as given; it said "window
// 2026-10-05T00:00:00Z–2026-10-05T00:00:00Z: end must be after start",
// the names of neither.
func TestAttributeEmptyWindowNamesItsFlags(t *testing.T) {
	for _, tc := range []struct{ from, to string }{{"2026-10-05", "2026-10-05"}, {"2026-10-06", "2026-10-05T12:00:00Z"}} {
		code, _, errOut := runTally("--database-url", "postgres://unused", "attribute", "--from", tc.from, "--to", tc.to)
		want := "tally: --from " + tc.from + " to --to " + tc.to + " holds no hour to attribute\n"
		if code != exitUsage || errOut != want {
			t.Errorf("--from %s --to %s: exit %d, %q; want %d, %q", tc.from, tc.to, code, errOut, exitUsage, want)
		}
	}
}
