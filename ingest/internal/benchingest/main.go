// Command benchingest measures `tally ingest` end to end against a plain
// `psql \copy` of the same normalized rows, in the same run, on a private
// PostgreSQL: it generates a CUR 2.0 Parquet file, a FOCUS CSV and a GCP
// billing export (JSON lines, read twice: its commitment is amortized) of
// about -rows rows each, ingests each -runs times with the tally binary,
// dumps the normalized cost lines once, and loads them -runs times with
// psql \copy into the same (emptied) table. It prints medians, the ratio and the
// ingest's peak RSS. `make bench-ingest` runs it; -big-gb N also ingests an
// N GB FOCUS CSV once to show that memory stays bounded.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tallyhq/tally/ingest/awscur/curtest"
	"github.com/tallyhq/tally/ingest/focus/focustest"
	"github.com/tallyhq/tally/ingest/gcpbilling/gcptest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/postgres/embedded"
)

func main() {
	rows := flag.Int("rows", 2_000_000, "rows per generated file")
	runs := flag.Int("runs", 3, "runs of each measurement (medians are reported)")
	tallyBin := flag.String("tally", "bin/tally", "the tally binary")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed at the end)")
	bigGB := flag.Float64("big-gb", 0, "also ingest a FOCUS CSV of this many GB once and report its peak RSS")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*rows, *runs, *tallyBin, *dir, *bigGB); err != nil {
		log.Fatalf("bench-ingest: %v", err)
	}
}

func run(rows, runs int, tallyBin, dir string, bigGB float64) error {
	ctx := context.Background()
	if dir == "" {
		d, err := os.MkdirTemp("", "tally-bench-ingest-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	bin, err := filepath.Abs(tallyBin)
	if err != nil {
		return err
	}
	srv, err := embedded.Start(ctx, embedded.Config{DataDir: filepath.Join(dir, "pg")})
	if err != nil {
		return err
	}
	defer srv.Stop()
	if _, err := postgres.EnsureDatabase(ctx, srv.URL("postgres"), "bench"); err != nil {
		return err
	}
	url := srv.URL("bench")
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	if _, _, err := db.Migrate(ctx); err != nil {
		return err
	}
	db.Close()
	month := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

	cur := filepath.Join(dir, "cur2.parquet")
	t0 := time.Now()
	if err := writeCUR(cur, rows, month); err != nil {
		return err
	}
	fcsv := filepath.Join(dir, "focus.csv")
	if err := writeFOCUS(fcsv, rows, month); err != nil {
		return err
	}
	gcp := filepath.Join(dir, gcptest.FileName)
	gcpRows, err := writeGCP(gcp, rows, month)
	if err != nil {
		return err
	}
	log.Printf("generated %d-row CUR 2.0 Parquet (%s), FOCUS CSV (%s) and %d-row GCP billing export (%s) in %s", rows, size(cur), size(fcsv),
		gcpRows, size(gcp), time.Since(t0).Round(time.Second))
	fmt.Printf("machine: %d CPUs (GOMAXPROCS %d), %s; PostgreSQL embedded, default settings\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), loadavg())
	fmt.Printf("%-11s %9s %16s %16s %8s %12s %11s\n", "source", "rows", "tally rows/s", "psql \\copy r/s", "ratio", "peak RSS", "tally CPU/row")
	for _, src := range []struct {
		name, file string
		rows       int
	}{{"aws-cur", cur, rows}, {"focus", fcsv, rows}, {"gcp-billing", gcp, gcpRows}} {
		rows := src.rows
		var ing, cp, cpu []float64
		var rss int64
		norm := filepath.Join(dir, src.name+"-normalized.csv")
		for r := 0; r < runs; r++ {
			if err := psql(url, "TRUNCATE cost_lines, billing_periods, ingest_rejects, ingest_runs CASCADE"); err != nil {
				return err
			}
			d, maxrss, err := ingestOnce(bin, url, src.name, src.file)
			if err != nil {
				return err
			}
			ing = append(ing, float64(rows)/d.Seconds())
			cpu = append(cpu, float64(lastCPU.Microseconds())/float64(rows))
			rss = max(rss, maxrss)
			if r == 0 {
				if err := psql(url, `\copy (SELECT `+columns+` FROM cost_lines) TO '`+norm+`' CSV`); err != nil {
					return err
				}
			}
		}
		for r := 0; r < runs; r++ {
			if err := psql(url, "TRUNCATE cost_lines"); err != nil {
				return err
			}
			t := time.Now()
			if err := psql(url, `\copy cost_lines (`+columns+`) FROM '`+norm+`' CSV`); err != nil {
				return err
			}
			cp = append(cp, float64(rows)/time.Since(t).Seconds())
		}
		mi, mc := median(ing), median(cp)
		fmt.Printf("%-11s %9d %16.0f %16.0f %7.0f%% %9.0f MB %8.1f µs   (runs: tally %s; psql %s)\n", src.name, rows, mi, mc, 100*mi/mc, float64(rss)/1024,
			median(cpu), list(ing), list(cp))
		os.Remove(norm)
	}
	if bigGB > 0 {
		big := filepath.Join(dir, "big-focus.csv")
		n := int(bigGB * 1e9 / 568) // focustest rows are about 568 bytes
		if err := writeFOCUS(big, n, month); err != nil {
			return err
		}
		if err := psql(url, "TRUNCATE cost_lines, billing_periods, ingest_rejects, ingest_runs CASCADE"); err != nil {
			return err
		}
		d, maxrss, err := ingestOnce(bin, url, "focus", big)
		if err != nil {
			return err
		}
		fmt.Printf("big FOCUS CSV: %s, %d rows in %s (%.0f rows/s), peak RSS %.0f MB\n", size(big), n, d.Round(time.Second), float64(n)/d.Seconds(), float64(maxrss)/1024)
		os.Remove(big)
	}
	return nil
}

const columns = "billing_account_id, billing_period_start, source, run_id, provider, billing_account_name, sub_account_id, sub_account_name, " +
	"billing_period_end, charge_period_start, charge_period_end, charge_category, charge_class, charge_description, charge_frequency, " +
	"billing_currency, billed_cost, effective_cost, list_cost, contracted_cost, pricing_quantity, pricing_unit, consumed_quantity, " +
	"consumed_unit, pricing_category, service_name, service_category, sku_id, sku_price_id, region_id, availability_zone, resource_id, " +
	"resource_name, resource_type, commitment_discount_id, commitment_discount_category, commitment_discount_type, " +
	"commitment_discount_status, tags, extras"

// ingestOnce runs the tally binary and returns its wall time and peak RSS
// (KiB); lastCPU gets the process's user+system CPU time, which, unlike
// wall time, hardly depends on what else the machine runs.
func ingestOnce(bin, url, source, file string) (time.Duration, int64, error) {
	cmd := exec.Command(bin, "--database-url", url, "--log-level", "warn", "ingest", source, "--progress=never", file)
	cmd.Stderr = os.Stderr
	t := time.Now()
	out, err := cmd.Output()
	d := time.Since(t)
	if err != nil {
		return 0, 0, fmt.Errorf("tally ingest %s: %v\n%s", source, err, out)
	}
	lastCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if !strings.Contains(string(out), "committed") {
		return 0, 0, fmt.Errorf("tally ingest %s:\n%s", source, out)
	}
	// The summary's peak RSS is tally's own VmHWM; wait4's ru_maxrss would
	// also count this (large, after generating files) parent process, whose
	// memory the child shares until it execs.
	m := regexp.MustCompile(`peak RSS (\d+) MB`).FindSubmatch(out)
	if m == nil {
		return d, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss, nil
	}
	mb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return d, mb * 1024, nil
}

// lastCPU is the CPU time of the last ingestOnce.
var lastCPU time.Duration

func psql(url, command string) error {
	cmd := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("psql %s: %v\n%s", command, err, out)
	}
	return nil
}

func writeCUR(path string, n int, month time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := curtest.NewParquetWriter(f)
	cases := curtest.Month(month)
	hours := int(month.AddDate(0, 1, 0).Sub(month).Hours())
	batch := make([]curtest.Row, 0, 8192)
	for i := 0; i < n; i++ {
		r := cases[i%len(cases)].Row
		h := month.Add(time.Duration(i%hours) * time.Hour)
		r.LineItemUsageStartDate, r.LineItemUsageEndDate = h, h.Add(time.Hour)
		if r.LineItemResourceID != "" && strings.HasPrefix(r.LineItemResourceID, "i-") {
			r.LineItemResourceID = fmt.Sprintf("i-%017x", (i/hours)%20000)
		}
		r.IdentityLineItemID = fmt.Sprintf("%x", i)
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			if err := w.Write(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := w.Write(batch); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return f.Close()
}

// writeGCP writes a GCP billing export of about n rows, which an ingest
// reads twice (its commitment's fees are amortized), and returns its rows.
func writeGCP(path string, n int, month time.Time) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	written, err := gcptest.Write(f, n, month)
	if err != nil {
		return 0, err
	}
	return written, f.Close()
}

func writeFOCUS(path string, n int, month time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := focustest.Write(f, n, "123456789012", month, 7); err != nil {
		return err
	}
	return f.Close()
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func list(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, " ")
}

func size(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%.0f MB", float64(st.Size())/1e6)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load ?"
	}
	f := strings.Fields(string(b))
	return "load average " + strings.Join(f[:3], " ")
}
