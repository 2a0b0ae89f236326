package cicheck_test

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally/cicheck"
	"github.com/tallyhq/tally/internal/proftest"
)

// BenchmarkDiffProfiles times `tally ci diff`'s work on 10 + 10 profiles of
// a program with 2,000 functions and 5,000 stacks of up to 40 frames: read
// every profile and compare. As a baseline in the same run it times only
// parsing those profiles with pprof, the least any tool comparing them must
// do, and reports the ratio (diff-ns/op ÷ parse-ns/op).
func BenchmarkDiffProfiles(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	files := make([][]byte, 20)
	for i := range files {
		var buf bytes.Buffer
		if err := proftest.Large(rng, 2000, 40, 5000).Write(&buf); err != nil {
			b.Fatal(err)
		}
		files[i] = buf.Bytes()
	}
	var parse, diff time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		for _, f := range files {
			if _, err := profile.ParseData(f); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		runs := make([]*cicheck.Run, len(files))
		for i, f := range files {
			r, err := cicheck.ReadProfile("big.pprof", bytes.NewReader(f), cicheck.ProfileOptions{})
			if err != nil {
				b.Fatal(err)
			}
			runs[i] = r
		}
		if _, err := cicheck.DiffProfiles(runs[:10], runs[10:], cicheck.DefaultConfig); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		parse += t1.Sub(t0)
		diff += t2.Sub(t1)
		n++
	}
	b.ReportMetric(float64(parse.Nanoseconds())/float64(n), "parse-ns/op")
	b.ReportMetric(float64(diff.Nanoseconds())/float64(n), "diff-ns/op")
	b.ReportMetric(float64(diff)/float64(parse), "diff/parse")
}
