package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// openSQL returns a fresh migrated database and a plain connection to it,
// for what the tests check in the catalog.
func openSQL(t *testing.T) (*postgres.DB, *pgx.Conn) {
	t.Helper()
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return db, conn
}

// TestIngestOfANewMonthLeavesReadersAlone: an ingest creates the monthly
// partitions its lines need. Created inside its transaction (CREATE TABLE …
// PARTITION OF, an ACCESS EXCLUSIVE lock on cost_lines until the ingest
// commits), it held every reader of the bill for the rest of the ingest.
// Also with a DEFAULT partition, which attaching a partition scans.
func TestIngestOfANewMonthLeavesReadersAlone(t *testing.T) {
	for _, tt := range []struct {
		name       string
		precreated bool
		dflt       bool
	}{
		{"partition created by the ingest", false, false},
		{"partition created before", true, false},
		{"partition created by the ingest, with a default partition", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, conn := openSQL(t)
			if tt.precreated {
				if _, err := db.EnsurePartitions(ctx, mustTime(t, "2031-03-01T00:00:00Z"), mustTime(t, "2031-04-01T00:00:00Z")); err != nil {
					t.Fatal(err)
				}
			}
			if tt.dflt {
				if _, err := conn.Exec(ctx, `CREATE TABLE cost_lines_default PARTITION OF cost_lines DEFAULT`); err != nil {
					t.Fatal(err)
				}
			}
			release := ingestAndHold(t, db)
			waited, rerr := readOtherMonth(t, db)
			release()
			if rerr != nil {
				t.Errorf("reading another month's cost lines during the ingest: %v after %v (blocked by the ingest's lock on cost_lines)", rerr, waited.Round(time.Millisecond))
			}
			var part string
			if err := conn.QueryRow(ctx, `SELECT tableoid::regclass::text FROM cost_lines`).Scan(&part); err != nil || part != "cost_lines_p2031_03" {
				t.Errorf("the ingested line is in %q (%v), want cost_lines_p2031_03", part, err)
			}
		})
	}
}

// TestPartitionMaintenanceDuringIngestLeavesReadersAlone: `tally serve`
// creates partitions ahead every hour. Behind a running ingest, its request
// for an ACCESS EXCLUSIVE lock on cost_lines waited, and every reader of the
// bill queued behind the request until the ingest committed.
func TestPartitionMaintenanceDuringIngestLeavesReadersAlone(t *testing.T) {
	db := pgtest.New(t)
	if _, err := db.EnsurePartitions(ctx, mustTime(t, "2031-03-01T00:00:00Z"), mustTime(t, "2031-04-01T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	release := ingestAndHold(t, db)
	maint := make(chan error, 1)
	go func() { // what maintainPartitions runs, for a day of the next month
		_, err := db.EnsurePartitions(ctx, mustTime(t, "2031-04-02T00:00:00Z"), mustTime(t, "2031-04-03T00:00:00Z"))
		maint <- err
	}()
	var merr error
	done := false
	select {
	case merr = <-maint:
		done = true
	case <-time.After(3 * time.Second):
		t.Errorf("partition maintenance waits for the ingest")
	}
	waited, rerr := readOtherMonth(t, db)
	release()
	if !done {
		merr = <-maint
	}
	if merr != nil {
		t.Fatal(merr)
	}
	if rerr != nil {
		t.Errorf("reading cost lines while partition maintenance runs during an ingest: %v after %v", rerr, waited.Round(time.Millisecond))
	}
}

// ingestAndHold starts an ingest of a line of 2031-03 and holds it in the
// middle of its COPY (as a large bill would be) until release is called.
func ingestAndHold(t *testing.T, db *postgres.DB) (release func()) {
	t.Helper()
	run, err := db.StartIngestRun(ctx, "focus", nil)
	if err != nil {
		t.Fatal(err)
	}
	streaming, hold := make(chan struct{}), make(chan struct{})
	lines := func(yield func(*tally.CostLine, error) bool) {
		l := testLine(t, "2031-03-02T10:00:00Z", "i-0aaa", "1", "1")
		if !yield(&l, nil) {
			return
		}
		close(streaming)
		<-hold
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.ReplaceBillingPeriods(ctx, "focus", run, lines)
		done <- err
	}()
	select {
	case <-streaming:
	case err := <-done:
		t.Fatalf("ingest ended before its COPY: %v", err)
	}
	return func() {
		close(hold)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// readOtherMonth reads October 2026's cost lines with a 3 s timeout.
func readOtherMonth(t *testing.T, db *postgres.DB) (time.Duration, error) {
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	start := time.Now()
	_, err := db.CostLines(rctx, postgres.CostLineFilter{Window: tally.Window{Start: mustTime(t, "2026-10-01T00:00:00Z"), End: mustTime(t, "2026-11-01T00:00:00Z")}})
	return time.Since(start), err
}

// TestCreatedPartitionsAreLikeDeclaredOnes: tally_create_partitions creates
// a table LIKE the parent and attaches it; the partition has what CREATE
// TABLE … PARTITION OF gives: the same columns, every index of the parent
// attached (none built twice), the parent's constraints, inherited.
func TestCreatedPartitionsAreLikeDeclaredOnes(t *testing.T) {
	db, conn := openSQL(t)
	start := mustTime(t, "2031-03-01T00:00:00Z")
	if _, err := db.EnsurePartitions(ctx, start, start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT parent, grain FROM tally_partitioned ORDER BY parent`)
	if err != nil {
		t.Fatal(err)
	}
	type parent struct{ Name, Grain string }
	parents, err := pgx.CollectRows(rows, pgx.RowToStructByPos[parent])
	if err != nil || len(parents) < 8 {
		t.Fatalf("registered tables %v, %v", parents, err)
	}
	for _, p := range parents {
		// The same range in June, declared: a name of the same length
		// gives its indexes the same names.
		created, declared, end := p.Name+"_p2031_03", p.Name+"_p2031_06", "2031-07-01"
		if p.Grain == "day" {
			created, declared, end = created+"_01", declared+"_01", "2031-06-02"
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE %s PARTITION OF %s FOR VALUES FROM ('2031-06-01') TO ('%s')`,
			declared, p.Name, end)); err != nil {
			t.Fatal(err)
		}
		for _, q := range catalogOf {
			got, want := catalogRows(t, conn, q, created), catalogRows(t, conn, q, declared)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s:\n%s\nwant, as CREATE … PARTITION OF gives:\n%s", p.Name, created,
					strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}

// catalogOf are queries of what a partition ($1) has.
var catalogOf = []string{
	`SELECT format('column %s %s not null %s default %s local %s inherited %s', attname, format_type(atttypid, atttypmod),
		attnotnull, pg_get_expr(d.adbin, d.adrelid), attislocal, attinhcount)
	FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
	`SELECT format('index %s of %s unique %s primary %s valid %s', regexp_replace(pg_get_indexdef(i.indexrelid), 'INDEX \S+ ON', 'INDEX ON'),
		coalesce(h.inhparent::regclass::text, 'nothing'), i.indisunique, i.indisprimary, i.indisvalid)
	FROM pg_index i LEFT JOIN pg_inherits h ON h.inhrelid = i.indexrelid
	WHERE i.indrelid = $1::regclass ORDER BY 1`,
	`SELECT format('constraint %s %s %s local %s inherited %s', conname, contype, pg_get_constraintdef(oid),
		conislocal, coninhcount)
	FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY 1`,
}

func catalogRows(t *testing.T, conn *pgx.Conn, query, table string) []string {
	t.Helper()
	rows, err := conn.Query(ctx, query, table)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for i := range got { // names start with the partition's
		got[i] = strings.ReplaceAll(got[i], table, "%")
	}
	return got
}

// TestIngestCreatesMonthsAfterOthers: a backfill meets months without a
// partition after lines of months with one. The transaction copying them
// has PostgreSQL's description of cost_lines' partitions from its first
// lines; the partitions created since, in transactions of their own, must
// still receive their lines.
func TestIngestCreatesMonthsAfterOthers(t *testing.T) {
	db, conn := openSQL(t)
	if _, err := db.EnsurePartitions(ctx, mustTime(t, "2031-02-01T00:00:00Z"), mustTime(t, "2031-02-02T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	run, err := db.StartIngestRun(ctx, "focus", nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []tally.CostLine
	for _, h := range []string{"2031-02-02T10:00:00Z", "2031-03-02T10:00:00Z", "2031-02-03T10:00:00Z", "2031-04-02T10:00:00Z", "2031-03-03T10:00:00Z"} {
		lines = append(lines, testLine(t, h, "i-0aaa", "1", "1"))
	}
	periods, err := db.ReplaceBillingPeriods(ctx, "focus", run, seq(lines))
	if err != nil {
		t.Fatal(err)
	}
	if len(periods) != 3 {
		t.Errorf("periods %v, want 2031-02, 03 and 04", periods)
	}
	rows, err := conn.Query(ctx, `SELECT tableoid::regclass::text || ' ' || to_char(charge_period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD')
		FROM cost_lines ORDER BY charge_period_start`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	want := []string{"cost_lines_p2031_02 2031-02-02", "cost_lines_p2031_02 2031-02-03", "cost_lines_p2031_03 2031-03-02",
		"cost_lines_p2031_03 2031-03-03", "cost_lines_p2031_04 2031-04-02"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("stored lines %q, %v; want %q", got, err, want)
	}
}

// TestCreatePartitionsBesideADefaultPartition: Tally declares no DEFAULT
// partition, but one added by hand keeps working: attaching a partition
// checks that the default holds none of its rows, and refuses, as CREATE …
// PARTITION OF did, when it does.
func TestCreatePartitionsBesideADefaultPartition(t *testing.T) {
	db, conn := openSQL(t)
	for _, q := range []string{
		`CREATE TABLE cost_lines_default PARTITION OF cost_lines DEFAULT`,
		`INSERT INTO cost_lines (run_id, source, provider, billing_account_id, billing_period_start, billing_period_end,
			charge_period_start, charge_period_end, charge_category, billing_currency, billed_cost, effective_cost, list_cost, contracted_cost)
		VALUES (1, 'focus', 'aws', '1', '2031-05-01Z', '2031-06-01Z', '2031-05-02Z', '2031-05-02 01:00Z', 'Usage', 'USD', 1, 1, 1, 1)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.EnsurePartitions(ctx, mustTime(t, "2031-03-01T00:00:00Z"), mustTime(t, "2031-03-02T00:00:00Z")); err != nil {
		t.Fatalf("a month the default partition has no rows of: %v", err)
	}
	if _, err := db.EnsurePartitions(ctx, mustTime(t, "2031-05-01T00:00:00Z"), mustTime(t, "2031-05-02T00:00:00Z")); err == nil ||
		!strings.Contains(err.Error(), `default partition "cost_lines_default" would be violated`) {
		t.Errorf("a month the default partition has rows of: %v, want the default partition's rows named", err)
	}
	var where string
	if err := conn.QueryRow(ctx, `SELECT tableoid::regclass::text FROM cost_lines`).Scan(&where); err != nil || where != "cost_lines_default" {
		t.Errorf("the May line is in %q (%v), want it left in cost_lines_default", where, err)
	}
}

// TestAttributionWriteLeavesPartitionCreatorsAlone: the attribution job's
// writes (SaveHours, with its stack costs, and ReplaceAllocations, which shares
// SaveHours' code) created their partitions inside their write
// transaction, so the partition creators' advisory lock was held until it
// committed: an ingest of another month, serve's partition maintenance,
// another job, waited for the whole write. Here the write waits on a row
// lock after it created its partitions; creating the partitions of
// another month of every table must not wait for it.
func TestAttributionWriteLeavesPartitionCreatorsAlone(t *testing.T) {
	day := mustTime(t, "2031-03-02T00:00:00Z")
	h := tally.HourOf(day.Add(10 * time.Hour))
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	allocs := []tally.Allocation{{BillingAccountID: "111", Hour: h, Cluster: "prod", Node: "n1", Container: tally.IdleName,
		CostKind: tally.CostCPU, EffectiveCost: usd("0.01"), BilledCost: usd("0.01"), ListCost: usd("0.01")}}
	for _, tc := range []struct {
		name  string
		hold  string // a row lock of what the second write replaces ($1: h)
		write func(db *postgres.DB) error
	}{
		{"SaveHours", `SELECT 1 FROM attribution_hours WHERE hour = $1 FOR UPDATE`, func(db *postgres.DB) error {
			mark, err := db.ReadMark(ctx)
			if err != nil {
				return err
			}
			return db.SaveHours(ctx, []attribution.HourState{{Hour: h, Read: mark, Allocations: 1}}, allocs, []attribution.StackCost{{
				Cluster: "prod", Hour: h, Namespace: "shop", WorkloadKind: tally.KindDeployment, Workload: "api", Container: "api",
				StackID: 1, Cost: usd("0.01"), Samples: 1}})
		}},
		{"ReplaceAllocations", `SELECT 1 FROM allocations WHERE hour = $1 FOR UPDATE`, func(db *postgres.DB) error {
			return db.ReplaceAllocations(ctx, h.Window(), allocs)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, conn := openSQL(t)
			if err := tc.write(db); err != nil { // the row the next write waits for
				t.Fatal(err)
			}
			release := db.HoldLocks(t, tc.hold, h.Start())
			done := make(chan error, 1)
			go func() { done <- tc.write(db) }()
			db.WaitForLockWaiter(t)
			if _, err := conn.Exec(ctx, `SET lock_timeout = '2s'`); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			var n int
			err := conn.QueryRow(ctx, `SELECT tally_create_all_partitions('2031-05-01Z', '2031-05-02Z')`).Scan(&n)
			waited := time.Since(start)
			release()
			if werr := <-done; werr != nil {
				t.Fatal(werr)
			}
			if err != nil {
				t.Errorf("creating May's partitions during a %s write of March: %v after %v (waiting for the write to commit)",
					tc.name, err, waited.Round(time.Millisecond))
			} else if n == 0 {
				t.Errorf("created no partition of May")
			}
		})
	}
}

// TestRollupPartitionsLeaveRoomForHOTUpdates: the partitions of the daily
// rollups, which attribution updates about once an hour, are created with
// a fill factor of 70, so an update can stay on its page and leave the
// indexes alone; the others fill their pages.
func TestRollupPartitionsLeaveRoomForHOTUpdates(t *testing.T) {
	db, conn := openSQL(t)
	start := mustTime(t, "2031-03-01T00:00:00Z")
	if _, err := db.EnsurePartitions(ctx, start, start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `
		SELECT p.parent, coalesce(array_to_string(c.reloptions, ','), '')
		FROM tally_partitioned p
		JOIN pg_inherits i ON i.inhparent = to_regclass(p.parent)
		JOIN pg_class c ON c.oid = i.inhrelid
		WHERE c.relname LIKE '%\_p2031\_03%' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	type part struct{ Parent, Options string }
	parts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[part])
	if err != nil || len(parts) < 8 {
		t.Fatalf("partitions of 2031-03: %v, %v", parts, err)
	}
	rollups := []string{"allocations_daily", "allocations_owner_daily", "stack_costs"}
	for _, p := range parts {
		want := ""
		if slices.Contains(rollups, p.Parent) {
			want = "fillfactor=70"
		}
		if p.Options != want {
			t.Errorf("%s's partition: options %q, want %q", p.Parent, p.Options, want)
		}
	}
}
