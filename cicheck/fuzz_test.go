package cicheck_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tallyhq/tally/cicheck"
	"github.com/tallyhq/tally/internal/proftest"
)

// FuzzReadProfile: any input is a Run with finite, non-negative values or an error.
func FuzzReadProfile(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 1))
	var gz, raw bytes.Buffer
	proftest.Profile(rng, 0, proftest.Quiet).Write(&gz)
	proftest.Profile(rng, 0, proftest.Quiet).WriteUncompressed(&raw)
	f.Add(gz.Bytes())
	f.Add(raw.Bytes())
	f.Add([]byte("--- contention:\ncycles/second=1\n1 2 @ 0x1\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := cicheck.ReadProfile("fuzz.pprof", bytes.NewReader(data), cicheck.ProfileOptions{})
		if err != nil {
			return
		}
		if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) || !(r.Value > 0) {
			t.Fatalf("value %v", r.Value)
		}
	})
}

// FuzzReadBench: any input adds results or is an error naming the file.
func FuzzReadBench(f *testing.F) {
	f.Add("goos: linux\npkg: x\nBenchmarkA-8 100 12.5 ns/op 3 B/op 1 allocs/op\nPASS\n")
	f.Add("BenchmarkA 1 1 ns/op\nBenchmarkA-8 x 1 ns/op\n")
	f.Add("Unit ns/op better=lower\nBenchmarkB/sub=1-4 10 NaN ns/op\n")
	f.Fuzz(func(t *testing.T, text string) {
		var set cicheck.BenchSet
		err := cicheck.ReadBench(&set, "fuzz.txt", strings.NewReader(text))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.txt") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(set.Names) != len(set.Runs) {
			t.Fatalf("%d names, %d benchmarks", len(set.Names), len(set.Runs))
		}
	})
}

// FuzzParseThreshold: accepted thresholds are finite and non-negative.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"2%", "0.02", " 5 % ", "-1%", "1e309", "NaN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := cicheck.ParseThreshold(s)
		if err == nil && (math.IsNaN(v) || math.IsInf(v, 0) || v < 0) {
			t.Fatalf("ParseThreshold(%q) = %v", s, v)
		}
	})
}

// FuzzParseCalls: accepted volumes are finite and non-negative.
func FuzzParseCalls(f *testing.F) {
	for _, s := range []string{"1e9", "BenchmarkA=5", "A-8=1e12", "=", "x=Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := cicheck.ParseCalls([]string{s})
		if err != nil {
			return
		}
		for _, v := range append([]float64{c.Default}, valuesOf(c.ByName)...) {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("ParseCalls(%q) = %+v", s, c)
			}
		}
	})
}

func valuesOf(m map[string]float64) []float64 {
	var out []float64
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
