package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/postgres"
)

// pruneLock is the advisory lock of pruning: one process at a time drops
// partitions.
const pruneLock = "tally-prune"

// minRetentionDays is the least retention: the longest window the API and
// the dashboard read by the hour (attribution.MaxHourlyWindow), and the
// current day, which has begun.
var minRetentionDays = int(attribution.MaxHourlyWindow/(24*time.Hour)) + 1

// retention is the --keep and --retention flag: whole days of hourly and
// raw data to keep, or off (0: keep everything).
type retention struct{ Days int }

// UnmarshalText implements encoding.TextUnmarshaler for kong.
func (r *retention) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "off" {
		*r = retention{}
		return nil
	}
	days, isDays := strings.CutSuffix(s, "d")
	n, err := strconv.Atoi(days)
	if !isDays || err != nil || n < minRetentionDays || n > 36600 {
		return fmt.Errorf("%q: want whole days, at least %dd (the longest window read by the hour, and today), such as 400d; or off", s, minRetentionDays)
	}
	*r = retention{Days: n}
	return nil
}

// String formats r as the flag reads it.
func (r retention) String() string {
	if r.Days == 0 {
		return "off"
	}
	return strconv.Itoa(r.Days) + "d"
}

// before returns the time before which data is dropped at now: midnight
// UTC, r.Days days before today.
func (r retention) before(now time.Time) time.Time {
	return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -r.Days)
}

type pruneCmd struct {
	Keep   retention `required:"" placeholder:"DAYS" help:"Days of hourly and raw data to keep, such as 400d (at least 93d: the longest window read by the hour, and today). Older partitions of usage, function samples, agent intervals, hourly allocations and stack costs by hour are dropped, and their hours can no longer be attributed. The bill and the daily rollups are kept."`
	DryRun bool      `name:"dry-run" help:"Say what would be dropped, and drop nothing."`
	Each   bool      `name:"partitions" help:"List every partition, not a line a table."`
}

func (c *pruneCmd) Run(ctx context.Context, a *app) error {
	if c.Keep.Days == 0 {
		return tally.Errorf(tally.EInvalid, "--keep off: nothing to prune; give the days to keep, such as 400d")
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	before := c.Keep.before(time.Now())
	var parts []postgres.Partition
	if c.DryRun {
		parts, err = db.PrunablePartitions(ctx, before)
	} else {
		err = db.Lock(ctx, pruneLock, func(ctx context.Context) (err error) {
			parts, err = db.Prune(ctx, before)
			return err
		})
	}
	if err != nil {
		return err
	}
	return writePruned(a.stdout, parts, before, c.DryRun, c.Each)
}

// writePruned sums the partitions dropped (or, for a dry run, that would
// be) by table: how many, the time they span and their size, then the
// total. With each, it lists every partition, oldest first.
func writePruned(w io.Writer, parts []postgres.Partition, before time.Time, dryRun, each bool) error {
	verb := "dropped"
	if dryRun {
		verb = "would drop"
	}
	if len(parts) == 0 {
		_, err := fmt.Fprintf(w, "nothing to prune: no hourly or raw data ends before %s\n", tally.FormatDay(before))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if each {
		fmt.Fprintln(tw, "TABLE\tPARTITION\tFROM\tTO\tSIZE")
		for _, p := range parts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Table, p.Name, tally.FormatDay(p.Window.Start), tally.FormatDay(p.Window.End), formatSize(p.Bytes))
		}
	} else {
		fmt.Fprintln(tw, "TABLE\tPARTITIONS\tFROM\tTO\tSIZE")
		for _, t := range byTable(parts) {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", t.Table, t.count, tally.FormatDay(t.Window.Start), tally.FormatDay(t.Window.End), formatSize(t.Bytes))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var total int64
	for _, p := range parts {
		total += p.Bytes
	}
	_, err := fmt.Fprintf(w, "%s %d partitions (%s) of data before %s; the bill and the daily rollups are kept\n",
		verb, len(parts), formatSize(total), tally.FormatDay(before))
	return err
}

// tableParts sums the partitions of one table.
type tableParts struct {
	postgres.Partition // Name unset; Window spans the partitions, Bytes sums them
	count              int
}

// byTable sums parts by table, in the order tables first appear.
func byTable(parts []postgres.Partition) []tableParts {
	var out []tableParts
	at := map[string]int{}
	for _, p := range parts {
		i, ok := at[p.Table]
		if !ok {
			i, at[p.Table] = len(out), len(out)
			out = append(out, tableParts{Partition: postgres.Partition{Table: p.Table, Window: p.Window}})
		}
		t := &out[i]
		t.count++
		t.Bytes += p.Bytes
		t.Window.Start = minTime(t.Window.Start, p.Window.Start)
		t.Window.End = maxTime(t.Window.End, p.Window.End)
	}
	return out
}

// formatSize formats a size on disk in binary units.
func formatSize(b int64) string {
	const unit = 1024
	if b < unit {
		return strconv.FormatInt(b, 10) + " B"
	}
	div, exp := int64(unit), 0
	for n := b / unit; n >= unit && exp < 4; n /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(b)/float64(div), 'f', 1, 64) + " " + string("KMGTP"[exp]) + "iB"
}
