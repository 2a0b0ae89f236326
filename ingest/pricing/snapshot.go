package pricing

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/tallyhq/tally"
)

//go:generate go run ./internal/gensnapshot -out snapshot/aws.csv.gz

//go:embed snapshot/aws.csv.gz
var awsSnapshot []byte

// snapshotColumns is the header of the snapshot CSV.
var snapshotColumns = []string{"provider", "region", "instance_type", "purchase_option", "operating_system", "currency",
	"hourly_price", "vcpus", "memory_bytes", "gpus", "effective_from", "source"}

// Snapshot returns the offline AWS price snapshot shipped in the binary
// (see snapshot/README.md for its sources and dates).
func Snapshot() ([]tally.InstancePrice, error) {
	z, err := gzip.NewReader(bytes.NewReader(awsSnapshot))
	if err != nil {
		return nil, fmt.Errorf("price snapshot: %w", err)
	}
	return ParseSnapshot("snapshot/aws.csv.gz", z)
}

// ParseSnapshot reads a price CSV with snapshotColumns.
func ParseSnapshot(name string, r io.Reader) ([]tally.InstancePrice, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(header) != len(snapshotColumns) {
		return nil, fmt.Errorf("%s: header %v, want %v", name, header, snapshotColumns)
	}
	for i, h := range header {
		if h != snapshotColumns[i] {
			return nil, fmt.Errorf("%s: column %d is %q, want %q", name, i+1, h, snapshotColumns[i])
		}
	}
	var out []tally.InstancePrice
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0) // a quoted field may span lines
		bad := func(col int, reason string) error {
			return fmt.Errorf("%s:%d: column %s value %q: %s", name, line, snapshotColumns[col], rec[col], reason)
		}
		cur, err := tally.ParseCurrency(rec[5])
		if err != nil {
			return nil, bad(5, "want a currency code")
		}
		p := tally.InstancePrice{Provider: rec[0], Region: rec[1], InstanceType: rec[2], PurchaseOption: rec[3], OperatingSystem: rec[4], Source: rec[11]}
		if p.HourlyPrice, err = tally.ParseMoney(rec[6], cur); err != nil || p.HourlyPrice.Sign() < 0 {
			return nil, bad(6, "want a decimal of at least 0")
		}
		if p.VCPUs, err = strconv.ParseFloat(rec[7], 64); err != nil || !(p.VCPUs > 0) || math.IsInf(p.VCPUs, 0) {
			return nil, bad(7, "want a positive number")
		}
		if p.MemoryBytes, err = strconv.ParseInt(rec[8], 10, 64); err != nil || p.MemoryBytes < 0 {
			return nil, bad(8, "want an integer of at least 0")
		}
		if p.GPUs, err = strconv.Atoi(rec[9]); err != nil || p.GPUs < 0 {
			return nil, bad(9, "want an integer of at least 0")
		}
		if p.EffectiveFrom, err = time.Parse(time.DateOnly, rec[10]); err != nil {
			return nil, bad(10, "want YYYY-MM-DD")
		}
		out = append(out, p)
	}
}
