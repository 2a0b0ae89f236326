package awscur_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/awscur/curtest"
)

// BenchmarkParseParquet measures the CUR 2.0 Parquet reader alone (no database).
func BenchmarkParseParquet(b *testing.B) {
	p := filepath.Join(b.TempDir(), "big.parquet")
	f, _ := os.Create(p)
	w := curtest.NewParquetWriter(f)
	cases := curtest.Rows(curtest.Month(march))
	for i := 0; i < 100000/len(cases); i++ {
		w.Write(cases)
	}
	w.Close()
	f.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in, _ := ingest.OpenInput(p, p, nil)
		n := 0
		awscur.Parser{}.Parse(context.Background(), in, func(_ int64, l *tally.CostLine, bad *ingest.LineError) error { n++; return nil })
		in.Close()
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
}
