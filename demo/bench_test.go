package demo_test

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tallyhq/tally/demo"
)

// BenchmarkGenerate times a full generation (DEMO_BENCH_DAYS, default 90)
// against a baseline measured in the same run: copying the generated tree,
// the I/O floor of writing that much output. It reports medians over b.N
// runs: seconds per generation, CPU seconds, output size, and the ratio.
//
//	make bench-demo
func BenchmarkGenerate(b *testing.B) {
	days := 90
	if v, err := strconv.Atoi(os.Getenv("DEMO_BENCH_DAYS")); err == nil {
		days = v
	}
	cfg := demo.Config{Seed: 1, Days: days, End: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), ProfileDays: 21}
	var gen, cpu, cp []float64
	var bytes int64
	var files int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(b.TempDir(), "org")
		c0, t0 := cpuTime(), time.Now()
		m, err := demo.Generate(context.Background(), cfg, dir)
		if err != nil {
			b.Fatal(err)
		}
		gen = append(gen, time.Since(t0).Seconds())
		cpu = append(cpu, (cpuTime() - c0).Seconds())
		files, bytes = len(m.Files)+1, 0
		for _, f := range m.Files {
			bytes += f.Bytes
		}
		t1 := time.Now()
		if err := copyTree(dir, filepath.Join(b.TempDir(), "copy")); err != nil {
			b.Fatal(err)
		}
		cp = append(cp, time.Since(t1).Seconds())
	}
	b.StopTimer()
	g, c := median(gen), median(cp)
	b.ReportMetric(g, "s/generate")
	b.ReportMetric(median(cpu), "cpu-s/generate")
	b.ReportMetric(c, "s/copy-baseline")
	b.ReportMetric(g/c, "x-baseline")
	b.ReportMetric(float64(bytes)/1e6, "MB")
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(float64(days), "days")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
