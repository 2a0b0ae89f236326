package commitments

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/csvtable"
)

// Usage is hourly eligible usage at on-demand-equivalent cost: OD[s][h] is
// what the usage of Streams[s] in hour Start+h would have cost on demand,
// in Currency (the bill's; "" is taken as USD).
type Usage struct {
	Name     string
	Start    time.Time // first hour, UTC
	Currency tally.Currency
	Streams  []Stream
	OD       [][]Nanos // [stream][hour]
	// SUD is, per GCP stream, the share of its list cost that sustained
	// use discounts took off the usage no commitment covered (−Σ
	// SUSTAINED_USAGE_DISCOUNT credits / Σ list cost: other credits, such
	// as promotions and the free tier, are not SUDs; where the bill does
	// not break credits down by type, as a FOCUS file does not, all that
	// took usage below list); absent is none. Usage a committed use
	// discount covers loses its SUD, so a commitment saves less on it than
	// its discount on list price.
	SUD map[Stream]float64
}

// Hours returns the number of hours the usage spans.
func (u *Usage) Hours() int {
	if len(u.OD) == 0 {
		return 0
	}
	return len(u.OD[0])
}

// Prefix returns the first n hours of u, sharing its memory: what a strategy
// may see.
func (u *Usage) Prefix(n int) *Usage {
	n = max(0, min(n, u.Hours()))
	v := &Usage{Name: u.Name, Start: u.Start, Currency: u.Currency, Streams: u.Streams, OD: make([][]Nanos, len(u.OD))}
	for i, s := range u.OD {
		v.OD[i] = s[:n:n]
	}
	return v
}

// Total returns the on-demand-equivalent usage of every hour, all streams summed.
func (u *Usage) Total() []Nanos {
	out := make([]Nanos, u.Hours())
	for _, s := range u.OD {
		for h, v := range s {
			out[h] += v
		}
	}
	return out
}

// Sum returns the usage of the streams for which keep returns true, per hour.
func (u *Usage) Sum(keep func(Stream) bool) []Nanos {
	out := make([]Nanos, u.Hours())
	for i, s := range u.OD {
		if !keep(u.Streams[i]) {
			continue
		}
		for h, v := range s {
			out[h] += v
		}
	}
	return out
}

// UsageColumns are the columns of a usage file, in the order Tally writes
// them; readers find them by name in the header, in any order.
//
//	scenario       optional: the scenario a row belongs to (one file may hold several); empty: "usage"
//	hour           start of the hour, RFC 3339 (2026-01-05T10:00:00Z) or Unix seconds; on the hour
//	provider       aws or gcp
//	region         e.g. us-east-1, europe-west1
//	instance_type  e.g. m5.xlarge, n2-standard-4 (the family is the part before "." or "-")
//	od_cost        on-demand-equivalent cost of the hour's eligible usage of that type, in USD, a decimal ≥ 0
//	platform       optional: the AWS platform of the usage, as Reserved Instances name it (Windows, Red Hat
//	               Enterprise Linux, SUSE Linux, …); empty or absent: Linux/UNIX. Written only when a stream has one.
//
// Lines starting with # are comments. Hours a stream has no row for count as
// zero usage; a stream may not have two rows for one hour. An hour's
// od_cost, all streams summed, is at most MaxHourlyTotal of the scenario's
// hours (about 65,800 for a year): the simulator sums money exactly in
// int64 nano-units.
var UsageColumns = []string{"scenario", "hour", "provider", "region", "instance_type", "od_cost", PlatformColumn}

// PlatformColumn is the optional last column of a usage file: the
// platform of AWS usage (Stream.Platform).
const PlatformColumn = "platform"

// ErrBadUsage is wrapped by every error about the content of a usage file.
var ErrBadUsage = errors.New("bad usage file")

// Limits that keep a hostile file from exhausting memory.
const (
	maxUsageHours   = 10 * 366 * 24 // a scenario spans at most ten years
	maxUsageStreams = 10000
	maxUsageCells   = 50_000_000
)

type usageRow struct {
	line   int
	hour   int64 // unix hours
	stream Stream
	od     Nanos
}

// ReadUsage parses a usage file (see UsageColumns) into one Usage per
// scenario, in order of first appearance. name is used in errors, which say
// file:line, column, value and why, and wrap ErrBadUsage.
func ReadUsage(r io.Reader, name string) ([]*Usage, error) {
	required := UsageColumns[1 : len(UsageColumns)-1]
	cr, err := csvtable.Open(r, name, ErrBadUsage, required, strings.Join(UsageColumns, ",")+"; scenario and platform are optional")
	if err != nil {
		return nil, err
	}
	rows := map[string][]usageRow{}
	var order []string
	for {
		rec, err := cr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		field, bad := rec.Field, rec.Bad
		row := usageRow{line: rec.Line}
		hour, err := parseUsageHour(field("hour"))
		if err != nil {
			return nil, bad("hour", err.Error())
		}
		row.hour = hour
		row.stream.Provider = strings.ToLower(field("provider"))
		switch row.stream.Provider {
		case tally.ProviderAWS, tally.ProviderGCP:
		default:
			return nil, bad("provider", "want aws or gcp")
		}
		if row.stream.Region = field("region"); row.stream.Region == "" {
			return nil, bad("region", "empty")
		}
		if row.stream.InstanceType = field("instance_type"); row.stream.InstanceType == "" || Family(row.stream.InstanceType) == "" {
			return nil, bad("instance_type", "empty")
		}
		if row.stream.Platform = Platform(field(PlatformColumn)); row.stream.Platform != "" && row.stream.Provider != tally.ProviderAWS {
			return nil, bad(PlatformColumn, "only AWS usage has a platform")
		}
		od, err := strconv.ParseFloat(field("od_cost"), 64)
		switch {
		case err != nil:
			return nil, bad("od_cost", "not a decimal number")
		case od < 0 || od != od:
			return nil, bad("od_cost", "negative")
		case od > 1e8:
			return nil, bad("od_cost", "more than 100,000,000 an hour")
		}
		row.od = NanosOf(od)
		sc := field("scenario")
		if sc == "" {
			sc = "usage"
		}
		if _, seen := rows[sc]; !seen {
			order = append(order, sc)
		}
		rows[sc] = append(rows[sc], row)
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%s: %w: no rows after the header", name, ErrBadUsage)
	}
	var out []*Usage
	for _, sc := range order {
		u, err := foldUsage(name, sc, rows[sc])
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func foldUsage(name, scenario string, rows []usageRow) (*Usage, error) {
	first, last := rows[0].hour, rows[0].hour
	idx := map[Stream]int{}
	var streams []Stream
	for _, r := range rows {
		first, last = min(first, r.hour), max(last, r.hour)
		if _, ok := idx[r.stream]; !ok {
			idx[r.stream] = len(streams)
			streams = append(streams, r.stream)
		}
	}
	hours := last - first + 1
	if hours > maxUsageHours {
		return nil, fmt.Errorf("%s:%d: %w: scenario %q spans %d hours, more than ten years", name, rows[0].line, ErrBadUsage, scenario, hours)
	}
	if len(streams) > maxUsageStreams || int64(len(streams))*hours > maxUsageCells {
		return nil, fmt.Errorf("%s:%d: %w: scenario %q has %d streams over %d hours: too large", name, rows[0].line, ErrBadUsage, scenario, len(streams), hours)
	}
	// Order streams for stable output: provider, region, instance type.
	sorted := slices.Clone(streams)
	slices.SortFunc(sorted, func(a, b Stream) int { return strings.Compare(a.String(), b.String()) })
	for i, s := range sorted {
		idx[s] = i
	}
	u := &Usage{Name: scenario, Start: time.Unix(first*3600, 0).UTC(), Currency: "USD", Streams: sorted, OD: make([][]Nanos, len(sorted))}
	seen := make([][]int32, len(sorted))
	for i := range u.OD {
		u.OD[i] = make([]Nanos, hours)
		seen[i] = make([]int32, hours)
	}
	// The simulator sums in Nanos: every hour's total, all streams, must
	// stay within what keeps its sums from overflowing (MaxHourlyTotal).
	limit := MaxHourlyTotal(int(hours))
	total := make([]Nanos, hours)
	for _, r := range rows {
		i, h := idx[r.stream], r.hour-first
		when := time.Unix(r.hour*3600, 0).UTC().Format(time.RFC3339)
		if prev := seen[i][h]; prev != 0 {
			return nil, fmt.Errorf("%s:%d: %w: %s has another row for %s (line %d)", name, r.line, ErrBadUsage, r.stream, when, prev)
		}
		if total[h] > limit-r.od {
			return nil, fmt.Errorf("%s:%d: %w: column od_cost: value %q: takes the usage of %s (all streams) past %s, the most an hour "+
				"may have for the simulator's sums to fit 64 bits (scenario %q spans %d h, plus a 3-year term)",
				name, r.line, ErrBadUsage, formatNanos(r.od), when, formatNanos(limit), scenario, hours)
		}
		total[h] += r.od
		seen[i][h] = int32(min(r.line, 1<<31-1))
		u.OD[i][h] = r.od
	}
	return u, nil
}

// parseUsageHour reads RFC 3339 or Unix seconds and returns Unix hours.
func parseUsageHour(s string) (int64, error) {
	var t time.Time
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		if secs < 0 || secs > 1<<40 {
			return 0, fmt.Errorf("out of range")
		}
		t = time.Unix(secs, 0)
	} else {
		t, err = time.Parse(time.RFC3339, s)
		if err != nil {
			return 0, fmt.Errorf("want RFC 3339 or Unix seconds")
		}
	}
	if t.Year() < 2000 || t.Year() > 2200 {
		return 0, fmt.Errorf("year %d out of range 2000–2200", t.Year())
	}
	if t.Unix()%3600 != 0 {
		return 0, fmt.Errorf("not on the hour")
	}
	return t.Unix() / 3600, nil
}

// WriteUsage writes usages in the format ReadUsage reads, with a scenario
// column, and a platform column when a stream has a platform other than
// Linux/UNIX; hours without usage are left out.
func WriteUsage(w io.Writer, us []*Usage) error {
	bw := bufio.NewWriter(w)
	platforms := hasPlatforms(us)
	columns := UsageColumns
	if !platforms {
		columns = columns[:len(columns)-1]
	}
	fmt.Fprintln(bw, strings.Join(columns, ","))
	for _, u := range us {
		for h := 0; h < u.Hours(); h++ {
			hour := u.Start.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
			for i, s := range u.Streams {
				v := u.OD[i][h]
				if v == 0 {
					continue
				}
				fmt.Fprintf(bw, "%s,%s,%s,%s,%s,%s", csvtable.Field(u.Name), hour, csvtable.Field(s.Provider),
					csvtable.Field(s.Region), csvtable.Field(s.InstanceType), formatNanos(v))
				if platforms {
					fmt.Fprintf(bw, ",%s", csvtable.Field(s.Platform))
				}
				fmt.Fprintln(bw)
			}
		}
	}
	return bw.Flush()
}

// hasPlatforms reports whether a stream of us has a platform other than
// Linux/UNIX.
func hasPlatforms(us []*Usage) bool {
	for _, u := range us {
		for _, s := range u.Streams {
			if s.Platform != "" {
				return true
			}
		}
	}
	return false
}

// formatNanos prints n in currency units without trailing zeros.
func formatNanos(n Nanos) string {
	s := fmt.Sprintf("%d.%09d", int64(n)/1e9, int64(n)%1e9)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Trim returns u without its leading and trailing hours of no usage at all
// (before the bill starts, and the billing lag at its end), sharing u's memory.
func (u *Usage) Trim() *Usage {
	total := u.Total()
	first, last := 0, len(total)
	for first < last && total[first] == 0 {
		first++
	}
	for last > first && total[last-1] == 0 {
		last--
	}
	v := &Usage{Name: u.Name, Start: u.Start.Add(time.Duration(first) * time.Hour), Currency: u.Currency, Streams: u.Streams,
		OD: make([][]Nanos, len(u.OD)), SUD: u.SUD}
	for i, s := range u.OD {
		v.OD[i] = s[first:last:last]
	}
	return v
}
