package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// pruneLock is the advisory lock of pruning: one process at a time drops
// partitions.
const pruneLock = "tally-prune"

// minRetentionDays is the least retention: the longest window the API and
// the dashboard read by the hour (attribution.MaxHourlyWindow), and the
// current day, which has begun.
var minRetentionDays = int(attribution.MaxHourlyWindow/(24*time.Hour)) + 1

// minSampleRetentionDays is the least retention of function samples: the
// oldest data an agent may send (web.DefaultAgentMaxAge), and the current
// day.
var minSampleRetentionDays = int(web.DefaultAgentMaxAge/(24*time.Hour)) + 1

// retention is the --keep and --retention flag: whole days of hourly and
// raw data to keep, or off (0: keep everything).
type retention struct{ Days int }

// UnmarshalText implements encoding.TextUnmarshaler for kong.
func (r *retention) UnmarshalText(b []byte) (err error) {
	r.Days, err = parseRetention(string(b), minRetentionDays, "the longest window read by the hour, and today")
	return err
}

// sampleRetention is the --keep-samples and --sample-retention flag: whole
// days of function samples to keep, or off.
type sampleRetention struct{ retention }

// UnmarshalText implements encoding.TextUnmarshaler for kong.
func (r *sampleRetention) UnmarshalText(b []byte) (err error) {
	r.Days, err = parseRetention(string(b), minSampleRetentionDays, "the oldest data agents send, and today")
	return err
}

// parseRetention reads a retention of at least least days (why says why),
// or off (0).
func parseRetention(s string, least int, why string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return 0, nil
	}
	days, isDays := strings.CutSuffix(s, "d")
	n, err := strconv.Atoi(days)
	if !isDays || err != nil || n < least || n > 36600 {
		return 0, fmt.Errorf("%q: want whole days, at least %dd (%s), such as 400d; or off", s, least, why)
	}
	return n, nil
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

// checkRetentions refuses a retention of function samples longer than
// that of the hourly and raw data, which drops function samples too.
func checkRetentions(keep retention, samples sampleRetention, keepFlag, samplesFlag string) error {
	if keep.Days > 0 && samples.Days > keep.Days {
		return tally.Errorf(tally.EInvalid, "%s %v is longer than %s %v, which drops function samples with the rest of the raw data: give it less, or leave it off",
			samplesFlag, samples, keepFlag, keep)
	}
	return nil
}

type pruneCmd struct {
	Keep        retention       `default:"off" placeholder:"DAYS" help:"Days of hourly and raw data to keep, such as 400d (at least 93d: the longest window read by the hour, and today). Older partitions of usage, function samples, agent intervals, hourly allocations and stack costs by hour are dropped, and their hours can no longer be attributed. The bill and the daily rollups are kept. off (the default): keep them all."`
	KeepSamples sampleRetention `name:"keep-samples" default:"off" placeholder:"DAYS" help:"Days of function samples to keep, such as 35d (at least 32d: the oldest data agents send, and today), fewer than --keep. They are the largest of the raw data, and attribution reads each hour's once: older days of samples are dropped once every hour of them is attributed, and an hour attributed again later (a late bill) splits its containers' CPU cost as the stack costs saved from its samples did. off (the default): keep them as long as the rest."`
	DryRun      bool            `name:"dry-run" help:"Say what would be dropped, and drop nothing."`
	Each        bool            `name:"partitions" help:"List each partition dropped (with --dry-run: that would be dropped) instead of one line per table."`
}

func (c *pruneCmd) Run(ctx context.Context, a *app) error {
	if c.Keep.Days == 0 && c.KeepSamples.Days == 0 {
		return tally.Errorf(tally.EInvalid, "nothing to prune: give the days of hourly and raw data to keep (--keep 400d), of function samples (--keep-samples 35d), or both")
	}
	if err := checkRetentions(c.Keep, c.KeepSamples, "--keep", "--keep-samples"); err != nil {
		return err
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	now := time.Now()
	p := pruned{dryRun: c.DryRun, hourly: c.Keep.Days > 0, samples: c.KeepSamples.Days > 0,
		hourlyBefore: c.Keep.before(now), samplesBefore: c.KeepSamples.before(now)}
	if c.DryRun {
		err = p.plan(ctx, db)
	} else {
		err = db.Lock(ctx, pruneLock, func(ctx context.Context) error { return p.prune(ctx, db) })
	}
	if err != nil {
		return err
	}
	return p.write(a.stdout, c.Each)
}

// pruned is what a prune of the hourly and raw data, or of function
// samples, or both, dropped or, for a dry run, would drop.
type pruned struct {
	dryRun, hourly, samples     bool
	hourlyBefore, samplesBefore time.Time

	hourlyParts []postgres.Partition
	samplePlan  postgres.SamplesPrune
}

// plan finds what p would drop.
func (p *pruned) plan(ctx context.Context, db *postgres.DB) (err error) {
	if p.hourly {
		if p.hourlyParts, err = db.PrunablePartitions(ctx, p.hourlyBefore); err != nil {
			return err
		}
	}
	if p.samples {
		if p.samplePlan, err = db.PlanSamplesPrune(ctx, p.samplesBefore); err != nil {
			return err
		}
		// Those the hourly prune would drop first are not dropped twice.
		p.samplePlan.Partitions = slices.DeleteFunc(p.samplePlan.Partitions, func(s postgres.Partition) bool {
			return slices.ContainsFunc(p.hourlyParts, func(h postgres.Partition) bool { return h.Name == s.Name })
		})
	}
	return nil
}

// prune drops what p asks for: the hourly and raw data first.
func (p *pruned) prune(ctx context.Context, db *postgres.DB) (err error) {
	if p.hourly {
		if p.hourlyParts, err = db.Prune(ctx, p.hourlyBefore); err != nil {
			return err
		}
	}
	if p.samples {
		p.samplePlan, err = db.PruneSamples(ctx, p.samplesBefore)
	}
	return err
}

// write sums the partitions p dropped (or would drop) by table: how many,
// the time they span and their size; with each, it lists every partition,
// oldest first. A line for each kind of prune follows, and, when function
// samples were kept because an hour of them was not attributed, which.
func (p *pruned) write(w io.Writer, each bool) error {
	verb := "dropped"
	if p.dryRun {
		verb = "would drop"
	}
	parts := slices.Concat(p.hourlyParts, p.samplePlan.Partitions)
	if len(parts) > 0 {
		if err := writePartitions(w, parts, each); err != nil {
			return err
		}
	}
	if p.hourly {
		if len(p.hourlyParts) == 0 {
			fmt.Fprintf(w, "nothing to prune: no hourly or raw data ends before %s\n", tally.FormatDay(p.hourlyBefore))
		} else {
			fmt.Fprintf(w, "%s %d partitions (%s) of data before %s; the bill and the daily rollups are kept\n",
				verb, len(p.hourlyParts), formatSize(sizeOf(p.hourlyParts)), tally.FormatDay(p.hourlyBefore))
		}
	}
	if p.samples {
		sp := p.samplePlan.Partitions
		if len(sp) == 0 {
			fmt.Fprintf(w, "nothing to prune: no function samples to drop end before %s\n", tally.FormatDay(p.samplesBefore))
		} else {
			fmt.Fprintf(w, "%s %d partitions (%s) of function samples from %s to %s; the stack costs by hour attributed from them are kept\n",
				verb, len(sp), formatSize(sizeOf(sp)), tally.FormatDay(sp[0].Window.Start), tally.FormatDay(sp[len(sp)-1].Window.End))
		}
		if p.samplePlan.HasUnread {
			fmt.Fprintf(w, "kept the function samples from %s on: hour %s was not attributed since its samples were stored (tally attribute attributes it; prune again after)\n",
				tally.FormatDay(p.samplePlan.Unread.Start()), p.samplePlan.Unread.Start().Format("2006-01-02T15:04Z"))
		}
	}
	return nil
}

// writePartitions sums parts by table, or lists each.
func writePartitions(w io.Writer, parts []postgres.Partition, each bool) error {
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
	return tw.Flush()
}

// sizeOf sums the sizes of parts.
func sizeOf(parts []postgres.Partition) int64 {
	var n int64
	for _, p := range parts {
		n += p.Bytes
	}
	return n
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
