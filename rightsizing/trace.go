package rightsizing

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally/internal/csvtable"
)

// TraceColumns are the columns of a usage trace, in the order Tally writes
// them. Readers find them by name in the header, in any order.
//
//	container_id   a name for the container, e.g. shop/api/api (any text but empty)
//	timestamp      start of the observation, RFC 3339 (2026-01-05T10:05:00Z) or Unix seconds
//	cpu_cores      average CPU usage over the observation, in cores
//	memory_bytes   peak memory working set in the observation, in bytes
//	cpu_request    the container's CPU request then, in cores
//	cpu_limit      its CPU limit, in cores; 0 or empty for none
//	memory_request its memory request, in bytes
//	memory_limit   its memory limit, in bytes; 0 or empty for none
//
// Observations may be any length up to Step (5 minutes); the harness folds
// them into 5-minute windows (CPU averaged, memory peak kept). Rows may come
// in any order; a container may not have two rows at the same timestamp.
var TraceColumns = []string{"container_id", "timestamp", "cpu_cores", "memory_bytes", "cpu_request", "cpu_limit", "memory_request", "memory_limit"}

// ErrBadTrace is wrapped by every error about the content of a trace.
var ErrBadTrace = errors.New("bad trace")

// Trace is a set of containers' usage over time.
type Trace struct {
	Containers []ContainerTrace
}

// ContainerTrace is one container's usage windows and the resources it had.
type ContainerTrace struct {
	ID      string
	Samples []Sample    // one per 5-minute window, ordered by Start
	Specs   []SpecPoint // the resources in force, from each point on, ordered by At
}

// SpecPoint says that from At on, a container had Resources.
type SpecPoint struct {
	At        time.Time
	Resources Resources
}

// ResourcesAt returns the resources in force at t (the first ones before any change).
func (c *ContainerTrace) ResourcesAt(t time.Time) Resources {
	i, _ := slices.BinarySearchFunc(c.Specs, t, func(s SpecPoint, t time.Time) int { return s.At.Compare(t) })
	if i < len(c.Specs) && c.Specs[i].At.Equal(t) {
		return c.Specs[i].Resources
	}
	if i == 0 {
		if len(c.Specs) == 0 {
			return Resources{}
		}
		return c.Specs[0].Resources
	}
	return c.Specs[i-1].Resources
}

// Span returns the first and the end of the last window of the trace.
func (t *Trace) Span() (first, end time.Time) {
	for _, c := range t.Containers {
		if len(c.Samples) == 0 {
			continue
		}
		s, e := c.Samples[0].Start, c.Samples[len(c.Samples)-1].Start.Add(Step)
		if first.IsZero() || s.Before(first) {
			first = s
		}
		if e.After(end) {
			end = e
		}
	}
	return first, end
}

// traceRow is one parsed row before windows are folded.
type traceRow struct {
	line int
	at   time.Time
	cpu  float64
	mem  int64
	res  Resources
}

// ReadTrace parses a usage trace in CSV (see TraceColumns). name is used in
// errors, which say file:line, column, value and why, and wrap ErrBadTrace.
func ReadTrace(r io.Reader, name string) (*Trace, error) {
	cr, err := csvtable.Open(r, name, ErrBadTrace, TraceColumns, strings.Join(TraceColumns, ","))
	if err != nil {
		return nil, err
	}
	rows := map[string][]traceRow{}
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
		id := field("container_id")
		if id == "" {
			return nil, bad("container_id", "empty")
		}
		row := traceRow{line: rec.Line}
		if row.at, err = parseTraceTime(field("timestamp")); err != nil {
			return nil, bad("timestamp", err.Error())
		}
		if row.cpu, err = parseCores(field("cpu_cores"), false); err != nil {
			return nil, bad("cpu_cores", err.Error())
		}
		if row.mem, err = parseBytes(field("memory_bytes"), false); err != nil {
			return nil, bad("memory_bytes", err.Error())
		}
		if row.res.CPURequest, err = parseCores(field("cpu_request"), false); err != nil {
			return nil, bad("cpu_request", err.Error())
		}
		if row.res.CPULimit, err = parseCores(field("cpu_limit"), true); err != nil {
			return nil, bad("cpu_limit", err.Error())
		}
		if row.res.MemoryRequest, err = parseBytes(field("memory_request"), false); err != nil {
			return nil, bad("memory_request", err.Error())
		}
		if row.res.MemoryLimit, err = parseBytes(field("memory_limit"), true); err != nil {
			return nil, bad("memory_limit", err.Error())
		}
		if row.res.CPULimit > 0 && row.res.CPULimit < row.res.CPURequest {
			return nil, bad("cpu_limit", "below cpu_request")
		}
		if row.res.MemoryLimit > 0 && row.res.MemoryLimit < row.res.MemoryRequest {
			return nil, bad("memory_limit", "below memory_request")
		}
		if _, seen := rows[id]; !seen {
			order = append(order, id)
		}
		rows[id] = append(rows[id], row)
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%s: %w: no rows after the header", name, ErrBadTrace)
	}
	t := &Trace{}
	for _, id := range order {
		c, err := foldRows(name, id, rows[id])
		if err != nil {
			return nil, err
		}
		t.Containers = append(t.Containers, c)
	}
	return t, nil
}

// foldRows sorts a container's rows and folds them into 5-minute windows.
func foldRows(name, id string, rows []traceRow) (ContainerTrace, error) {
	slices.SortStableFunc(rows, func(a, b traceRow) int { return a.at.Compare(b.at) })
	c := ContainerTrace{ID: id}
	var sum float64
	var n int
	for i, r := range rows {
		if i > 0 && r.at.Equal(rows[i-1].at) {
			return c, fmt.Errorf("%s:%d: %w: container %q has another row at %s (line %d)", name, r.line, ErrBadTrace, id, r.at.Format(time.RFC3339), rows[i-1].line)
		}
		w := r.at.Truncate(Step)
		if k := len(c.Samples); k == 0 || !c.Samples[k-1].Start.Equal(w) {
			if k > 0 {
				c.Samples[k-1].CPU = sum / float64(n)
			}
			c.Samples = append(c.Samples, Sample{Start: w})
			sum, n = 0, 0
		}
		s := &c.Samples[len(c.Samples)-1]
		sum, n = sum+r.cpu, n+1
		s.MemoryPeak = max(s.MemoryPeak, r.mem)
		if k := len(c.Specs); k == 0 || c.Specs[k-1].Resources != r.res {
			c.Specs = append(c.Specs, SpecPoint{At: w, Resources: r.res})
		}
	}
	c.Samples[len(c.Samples)-1].CPU = sum / float64(n)
	return c, nil
}

// minTraceTime and maxTraceTime bound timestamps to years 1970–9999.
var (
	minTraceTime = time.Unix(0, 0).UTC()
	maxTraceTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

func parseTraceTime(s string) (time.Time, error) {
	var t time.Time
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		if secs < 0 || secs > maxTraceTime.Unix() {
			return t, errors.New("Unix seconds out of range")
		}
		t = time.Unix(secs, 0).UTC()
	} else {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return t, errors.New("want RFC 3339 (2026-01-05T10:05:00Z) or Unix seconds")
		}
		t = t.UTC()
	}
	if t.Before(minTraceTime) || t.After(maxTraceTime) {
		return t, errors.New("out of range 1970–9999")
	}
	return t, nil
}

// maxCores bounds CPU values: no container uses more than a large machine.
const maxCores = 100_000

func parseCores(s string, optional bool) (float64, error) {
	if s == "" && optional {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil:
		return 0, errors.New("not a number")
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, errors.New("not a finite number")
	case v < 0:
		return 0, errors.New("negative")
	case v > maxCores:
		return 0, fmt.Errorf("more than %d cores", maxCores)
	}
	return v, nil
}

// maxBytes bounds memory values at 1 PiB.
const maxBytes = 1 << 50

func parseBytes(s string, optional bool) (int64, error) {
	if s == "" && optional {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64) // 1.5e9 is fine if whole
		if ferr != nil || f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > maxBytes {
			return 0, errors.New("not a whole number of bytes")
		}
		v = int64(f)
	}
	switch {
	case v < 0:
		return 0, errors.New("negative")
	case v > maxBytes:
		return 0, errors.New("more than 1 PiB")
	}
	return v, nil
}

// WriteTrace writes t as CSV with TraceColumns, one row per window.
func WriteTrace(w io.Writer, t *Trace) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(strings.Join(TraceColumns, ",") + "\n")
	for _, c := range t.Containers {
		for _, s := range c.Samples {
			r := c.ResourcesAt(s.Start)
			fmt.Fprintf(bw, "%s,%s,%s,%d,%s,%s,%d,%d\n", csvtable.Field(c.ID), s.Start.UTC().Format(time.RFC3339),
				strconv.FormatFloat(s.CPU, 'f', 4, 64), s.MemoryPeak,
				strconv.FormatFloat(r.CPURequest, 'f', -1, 64), strconv.FormatFloat(r.CPULimit, 'f', -1, 64),
				r.MemoryRequest, r.MemoryLimit)
		}
	}
	return bw.Flush()
}
