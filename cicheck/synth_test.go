package cicheck_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally/cicheck"
)

// A synthetic service: each leaf function's share of the CPU and its stack.
// shop.(*Cart).Total is where regressions are planted; it burns half the CPU.
type synthFunc struct {
	name  string
	file  string
	line  int64
	share float64
	stack []string // callers, innermost first
}

var service = []synthFunc{
	{"shop.(*Cart).Total", "/src/shop/cart.go", 42, 0.50, []string{"shop.(*Server).checkout", "net/http.HandlerFunc.ServeHTTP", "main.main"}},
	{"encoding/json.Marshal", "/go/src/encoding/json/encode.go", 160, 0.20, []string{"shop.(*Server).checkout", "net/http.HandlerFunc.ServeHTTP", "main.main"}},
	{"shop.parseSKU", "/src/shop/sku.go", 17, 0.15, []string{"shop.(*Server).lookup", "net/http.HandlerFunc.ServeHTTP", "main.main"}},
	{"runtime.mallocgc", "/go/src/runtime/malloc.go", 1010, 0.10, []string{"shop.parseSKU", "shop.(*Server).lookup", "net/http.HandlerFunc.ServeHTTP", "main.main"}},
	{"runtime.gcBgMarkWorker", "/go/src/runtime/mgc.go", 1400, 0.05, nil},
}

const target = "shop.(*Cart).Total"

// noise describes how runs of the same build differ.
type noise struct {
	run  float64 // σ of a lognormal factor on the whole run (machine speed, frequency, cache)
	fn   float64 // σ of a lognormal factor per function and run
	cpu  float64 // seconds of CPU per run at nominal speed
	rate float64 // sampling rate in Hz (pprof's CPU profiler: 100)
}

// quiet is a dedicated CI runner: 1 % run-to-run, 1 % per function, 20 s of
// CPU sampled at 100 Hz (2,000 samples).
var quiet = noise{run: 0.01, fn: 0.01, cpu: 20, rate: 100}

// noisy is a shared, busy machine: 4 % run-to-run, 2 % per function, 5 s of
// CPU (500 samples) per run.
var noisy = noise{run: 0.04, fn: 0.02, cpu: 5, rate: 100}

// synthProfile builds a real pprof CPU profile of one run of the service with
// the target function slowed by planted (0.1 = 10 % more CPU in it). The
// profiler is simulated faithfully: the run's CPU time fixes the number of
// timer ticks, and each tick lands in a function with probability equal to
// its share of the CPU.
func synthProfile(rng *rand.Rand, planted float64, nz noise) *profile.Profile {
	run := math.Exp(nz.run * rng.NormFloat64())
	cpu := make([]float64, len(service))
	var total float64
	for i, f := range service {
		c := f.share * nz.cpu * run * math.Exp(nz.fn*rng.NormFloat64())
		if f.name == target {
			c *= 1 + planted
		}
		cpu[i] = c
		total += c
	}
	ticks := int(math.Round(total * nz.rate))
	counts := make([]int64, len(service))
	for range ticks {
		x := rng.Float64() * total
		i := 0
		for ; i < len(cpu)-1 && x >= cpu[i]; i++ {
			x -= cpu[i]
		}
		counts[i]++
	}
	period := int64(1e9 / nz.rate)
	p := &profile.Profile{
		SampleType:    []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType:    &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:        period,
		DurationNanos: int64(nz.cpu * 1e9),
	}
	m := &profile.Mapping{ID: 1, Start: 0x400000, Limit: 0x800000, File: "/app/shop", HasFunctions: true, HasFilenames: true, HasLineNumbers: true}
	p.Mapping = []*profile.Mapping{m}
	funcs := map[string]*profile.Function{}
	locs := map[string]*profile.Location{}
	loc := func(name, file string, line int64) *profile.Location {
		if l, ok := locs[name]; ok {
			return l
		}
		fn := &profile.Function{ID: uint64(len(funcs) + 1), Name: name, SystemName: name, Filename: file, StartLine: line}
		funcs[name] = fn
		p.Function = append(p.Function, fn)
		l := &profile.Location{ID: uint64(len(locs) + 1), Mapping: m, Address: 0x400000 + uint64(len(locs)+1)*0x40, Line: []profile.Line{{Function: fn, Line: line + 3}}}
		locs[name] = l
		p.Location = append(p.Location, l)
		return l
	}
	for i, f := range service {
		if counts[i] == 0 {
			continue
		}
		stack := []*profile.Location{loc(f.name, f.file, f.line)}
		for _, caller := range f.stack {
			stack = append(stack, loc(caller, "/src/"+caller+".go", 1))
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: stack, Value: []int64{counts[i], counts[i] * period}})
	}
	return p
}

// synthRuns writes n profiles to the pprof wire format and reads them back
// as Runs, as tally ci diff does with files.
func synthRuns(t testing.TB, rng *rand.Rand, n int, planted float64, nz noise) []*cicheck.Run {
	t.Helper()
	runs := make([]*cicheck.Run, n)
	for i := range runs {
		var buf bytes.Buffer
		if err := synthProfile(rng, planted, nz).WriteUncompressed(&buf); err != nil {
			t.Fatal(err)
		}
		r, err := cicheck.ReadProfile("synthetic.pprof", &buf, cicheck.ProfileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = r
	}
	return runs
}
