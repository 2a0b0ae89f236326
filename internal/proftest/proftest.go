// Package proftest builds real pprof CPU profiles of a synthetic service for
// tests: a faithful simulation of the sampling profiler over runs whose CPU
// time varies like a real machine's, with a regression planted in one
// function.
package proftest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/google/pprof/profile"
)

// Func is a leaf function of the synthetic service: its share of the CPU and
// its callers.
type Func struct {
	Name  string
	File  string
	Line  int64
	Share float64
	Stack []string // callers, innermost first
}

// Service is a synthetic service. Target, shop.(*Cart).Total, is where
// regressions are planted; it burns half the CPU.
var Service = []Func{
	{"shop.(*Cart).Total", "/src/shop/cart.go", 42, 0.50, []string{"shop.(*Server).checkout", "net/http.HandlerFunc.ServeHTTP", "main.main"}},
	{"encoding/json.Marshal", "/go/src/encoding/json/encode.go", 160, 0.20, []string{"shop.(*Server).checkout", "net/http.HandlerFunc.ServeHTTP", "main.main"}},
	{"shop.parseSKU", "/src/shop/sku.go", 17, 0.15, []string{"shop.(*Server).lookup", "net/http.HandlerFunc.ServeHTTP", "main.main"}},
	{"runtime.mallocgc", "/go/src/runtime/malloc.go", 1010, 0.10, []string{"shop.parseSKU", "shop.(*Server).lookup", "net/http.HandlerFunc.ServeHTTP", "main.main"}},
	{"runtime.gcBgMarkWorker", "/go/src/runtime/mgc.go", 1400, 0.05, nil},
}

// Target is the function regressions are planted in.
const Target = "shop.(*Cart).Total"

// Noise describes how runs of the same build differ.
type Noise struct {
	Run  float64 // σ of a lognormal factor on the whole run (machine speed, frequency, cache)
	Fn   float64 // σ of a lognormal factor per function and run
	CPU  float64 // seconds of CPU per run at nominal speed
	Rate float64 // sampling rate in Hz (pprof's CPU profiler: 100)
}

// Quiet is a dedicated CI runner: 1 % run-to-run, 1 % per function, 20 s of
// CPU sampled at 100 Hz (2,000 samples).
var Quiet = Noise{Run: 0.01, Fn: 0.01, CPU: 20, Rate: 100}

// Noisy is a shared, busy machine: 4 % run-to-run, 2 % per function, 5 s of
// CPU (500 samples) per run.
var Noisy = Noise{Run: 0.04, Fn: 0.02, CPU: 5, Rate: 100}

// Profile builds a real pprof CPU profile of one run of the service with
// the target function slowed by planted (0.1 = 10 % more CPU in it). The
// profiler is simulated faithfully: the run's CPU time fixes the number of
// timer ticks, and each tick lands in a function with probability equal to
// its share of the CPU.
func Profile(rng *rand.Rand, planted float64, nz Noise) *profile.Profile {
	run := math.Exp(nz.Run * rng.NormFloat64())
	cpu := make([]float64, len(Service))
	var total float64
	for i, f := range Service {
		c := f.Share * nz.CPU * run * math.Exp(nz.Fn*rng.NormFloat64())
		if f.Name == Target {
			c *= 1 + planted
		}
		cpu[i] = c
		total += c
	}
	ticks := int(math.Round(total * nz.Rate))
	counts := make([]int64, len(Service))
	for range ticks {
		x := rng.Float64() * total
		i := 0
		for ; i < len(cpu)-1 && x >= cpu[i]; i++ {
			x -= cpu[i]
		}
		counts[i]++
	}
	period := int64(1e9 / nz.Rate)
	p := &profile.Profile{
		SampleType:    []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType:    &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:        period,
		DurationNanos: int64(nz.CPU * 1e9),
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
	for i, f := range Service {
		if counts[i] == 0 {
			continue
		}
		stack := []*profile.Location{loc(f.Name, f.File, f.Line)}
		for _, caller := range f.Stack {
			stack = append(stack, loc(caller, "/src/"+caller+".go", 1))
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: stack, Value: []int64{counts[i], counts[i] * period}})
	}
	return p
}

// Large builds a CPU profile of a bigger program: funcs functions, samples
// distinct stacks of up to depth frames, each stack's count drawn from the
// rng. It is for benchmarks.
func Large(rng *rand.Rand, funcs, depth, samples int) *profile.Profile {
	const period = 10_000_000
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     period,
	}
	m := &profile.Mapping{ID: 1, Start: 0x400000, Limit: 0x4000000, File: "/app/big", HasFunctions: true, HasFilenames: true, HasLineNumbers: true}
	p.Mapping = []*profile.Mapping{m}
	for i := range funcs {
		fn := &profile.Function{ID: uint64(i + 1), Name: fmt.Sprintf("example.com/big/pkg%d.Func%d", i%40, i), Filename: fmt.Sprintf("/src/pkg%d/f.go", i%40), StartLine: int64(10 * i)}
		p.Function = append(p.Function, fn)
		p.Location = append(p.Location, &profile.Location{ID: uint64(i + 1), Mapping: m, Address: 0x400000 + uint64(i)*0x100, Line: []profile.Line{{Function: fn, Line: int64(10*i + 2)}}})
	}
	for range samples {
		d := 1 + rng.IntN(depth)
		stack := make([]*profile.Location, d)
		for j := range stack {
			// Callers toward the root come from the first functions, like main and handlers.
			stack[j] = p.Location[rng.IntN(max(1, funcs*(d-j)/d))]
		}
		n := int64(1 + rng.IntN(5))
		p.Sample = append(p.Sample, &profile.Sample{Location: stack, Value: []int64{n, n * period}})
	}
	return p
}
