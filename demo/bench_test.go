package demo

import (
	"context"
	"io"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkGenerate90(b *testing.B) {
	c0 := cpuTime()
	defer func() { b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op") }()
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(b.TempDir(), "out")
		if _, err := Generate(context.Background(), Config{Seed: 1, Days: 90, End: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}, dir); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteCUR2(b *testing.B) {
	end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	o := newOrg(1, end.AddDate(0, 0, -30), end, 14)
	o.setRegression()
	o.newExternals()
	for _, c := range o.clusters {
		o.simulate(c)
	}
	aws := o.buildAWS()
	var lines []*awsLine
	for _, l := range aws.lines {
		if l.acct == o.payer {
			lines = append(lines, l)
		}
	}
	b.ReportMetric(float64(len(lines)), "rows")
	c0 := cpuTime()
	for b.Loop() {
		if err := o.writeCUR2(io.Discard, lines, o.start, o.end, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
}
