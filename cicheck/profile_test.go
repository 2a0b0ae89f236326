package cicheck_test

import (
	"bytes"
	"errors"
	"runtime"
	rpprof "runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/cicheck"
)

// handProfile: main.main → main.work, where main.hash is inlined into
// main.work; one sample lands in hash (inlined), one in work, one in an
// unsymbolized frame called from main.
func handProfile(types []*profile.ValueType, period int64, values [3][]int64) *profile.Profile {
	fmain := &profile.Function{ID: 1, Name: "main.main", Filename: "/src/main.go", StartLine: 10}
	fwork := &profile.Function{ID: 2, Name: "main.work", Filename: "/src/work.go", StartLine: 20}
	fhash := &profile.Function{ID: 3, Name: "main.hash", Filename: "/src/hash.go", StartLine: 30}
	m := &profile.Mapping{ID: 1, Start: 0x1000, Limit: 0x9000, File: "/app", HasFunctions: true}
	lmain := &profile.Location{ID: 1, Mapping: m, Address: 0x1100, Line: []profile.Line{{Function: fmain, Line: 12}}}
	// Inlined: Line[0] is the innermost function.
	lwork := &profile.Location{ID: 2, Mapping: m, Address: 0x1200, Line: []profile.Line{{Function: fhash, Line: 33}, {Function: fwork, Line: 25}}}
	lwork2 := &profile.Location{ID: 3, Mapping: m, Address: 0x1300, Line: []profile.Line{{Function: fwork, Line: 27}}}
	lunk := &profile.Location{ID: 4, Mapping: m, Address: 0x1400}
	return &profile.Profile{
		SampleType: types,
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     period,
		Function:   []*profile.Function{fmain, fwork, fhash},
		Mapping:    []*profile.Mapping{m},
		Location:   []*profile.Location{lmain, lwork, lwork2, lunk},
		Sample: []*profile.Sample{
			{Location: []*profile.Location{lwork, lmain}, Value: values[0]},
			{Location: []*profile.Location{lwork2, lmain}, Value: values[1]},
			{Location: []*profile.Location{lunk, lmain}, Value: values[2]},
		},
	}
}

func roundTrip(t *testing.T, p *profile.Profile, opt cicheck.ProfileOptions) (*cicheck.Run, error) {
	t.Helper()
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	return cicheck.ReadProfile("hand.pprof", &b, opt)
}

func TestReadProfile(t *testing.T) {
	cpu := []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}}
	p := handProfile(cpu, 10e6, [3][]int64{{3, 30e6}, {5, 50e6}, {2, 20e6}})
	r, err := roundTrip(t, p, cicheck.ProfileOptions{UnitsOfWork: 10})
	if err != nil {
		t.Fatal(err)
	}
	// 100 ms of CPU over 10 units of work.
	want := map[string][2]float64{ // self, total (ns per unit)
		"main.hash":           {3e6, 3e6},
		"main.work":           {5e6, 8e6},
		"main.main":           {0, 10e6},
		tally.UnknownFunction: {2e6, 2e6},
	}
	if r.Unit != "nanoseconds" || r.Value != 10e6 {
		t.Errorf("unit %s value %v, want nanoseconds 1e7", r.Unit, r.Value)
	}
	for fn, w := range want {
		if r.Self[fn] != w[0] || r.Total[fn] != w[1] {
			t.Errorf("%s: self %v total %v, want %v", fn, r.Self[fn], r.Total[fn], w)
		}
	}
	if s := r.Funcs["main.hash"]; s.File != "/src/hash.go" || s.Line != 30 {
		t.Errorf("source of main.hash %+v", s)
	}

	// Counts only: converted to CPU time by the period.
	counts := handProfile([]*profile.ValueType{{Type: "samples", Unit: "count"}}, 10e6, [3][]int64{{3}, {5}, {2}})
	if r, err := roundTrip(t, counts, cicheck.ProfileOptions{}); err != nil || r.Unit != "nanoseconds" || r.Value != 100e6 {
		t.Errorf("count profile: %+v, %v", r, err)
	}
	// The sample count, asked for by name, is converted by the period too.
	if r, err := roundTrip(t, p, cicheck.ProfileOptions{SampleType: "samples"}); err != nil || r.Unit != "nanoseconds" || r.Value != 100e6 {
		t.Errorf("samples: %+v, %v", r, err)
	}
	// A sample type the profile lacks.
	if _, err := roundTrip(t, p, cicheck.ProfileOptions{SampleType: "alloc_space"}); err == nil || !strings.Contains(err.Error(), `hand.pprof: sample type "alloc_space" not in profile (it has [samples/count cpu/nanoseconds])`) {
		t.Errorf("missing type: %v", err)
	}
	// Empty.
	empty := handProfile(cpu, 10e6, [3][]int64{{0, 0}, {0, 0}, {0, 0}})
	if _, err := roundTrip(t, empty, cicheck.ProfileOptions{}); !errors.Is(err, cicheck.ErrNoSamples) || tally.ErrorCode(err) != tally.EInvalid {
		t.Errorf("empty: %v", err)
	}
	// A diff profile.
	diff := handProfile(cpu, 10e6, [3][]int64{{3, 30e6}, {-5, -50e6}, {2, 20e6}})
	if _, err := roundTrip(t, diff, cicheck.ProfileOptions{}); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("diff profile: %v", err)
	}
	if _, err := roundTrip(t, p, cicheck.ProfileOptions{UnitsOfWork: -1}); tally.ErrorCode(err) != tally.EInvalid {
		t.Errorf("negative units: %v", err)
	}
}

// A goroutine preempted asynchronously has runtime.asyncPreempt (and, inside
// it, asyncPreempt2) pushed onto its stack; those samples are the preempted
// function's own time.
func TestReadProfileFoldsPreemption(t *testing.T) {
	fmain := &profile.Function{ID: 1, Name: "main.main"}
	fsum := &profile.Function{ID: 2, Name: "main.checksum"}
	fpre := &profile.Function{ID: 3, Name: "runtime.asyncPreempt"}
	fpre2 := &profile.Function{ID: 4, Name: "runtime.asyncPreempt2"}
	loc := func(id uint64, f *profile.Function) *profile.Location {
		return &profile.Location{ID: id, Address: 0x1000 * id, Line: []profile.Line{{Function: f}}}
	}
	lmain, lsum, lpre, lpre2 := loc(1, fmain), loc(2, fsum), loc(3, fpre), loc(4, fpre2)
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     10e6,
		Function:   []*profile.Function{fmain, fsum, fpre, fpre2},
		Location:   []*profile.Location{lmain, lsum, lpre, lpre2},
		Sample: []*profile.Sample{
			{Location: []*profile.Location{lsum, lmain}, Value: []int64{30e6}},
			{Location: []*profile.Location{lpre, lsum, lmain}, Value: []int64{50e6}},
			{Location: []*profile.Location{lpre2, lpre, lsum, lmain}, Value: []int64{20e6}},
		},
	}
	r, err := roundTrip(t, p, cicheck.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Self["main.checksum"] != 100e6 || r.Total["main.checksum"] != 100e6 || r.Value != 100e6 {
		t.Errorf("checksum self %v total %v of %v, want all 1e8", r.Self["main.checksum"], r.Total["main.checksum"], r.Value)
	}
	for _, fn := range []string{"runtime.asyncPreempt", "runtime.asyncPreempt2"} {
		if _, ok := r.Self[fn]; ok {
			t.Errorf("%s has self time %v", fn, r.Self[fn])
		}
		if _, ok := r.Total[fn]; ok {
			t.Errorf("%s has total time %v", fn, r.Total[fn])
		}
	}
}

// tickProfile is a Go CPU profile (100 Hz) of one run: work ticks in
// main.work and rare ticks in main.rare, both called from main.main.
func tickProfile(t *testing.T, work, rare int64) *cicheck.Run {
	t.Helper()
	const period = 10_000_000
	m := &profile.Mapping{ID: 1, Start: 0x1000, Limit: 0x9000, File: "/app", HasFunctions: true}
	fmain := &profile.Function{ID: 1, Name: "main.main", Filename: "/src/main.go", StartLine: 1}
	fwork := &profile.Function{ID: 2, Name: "main.work", Filename: "/src/main.go", StartLine: 10}
	frare := &profile.Function{ID: 3, Name: "main.rare", Filename: "/src/main.go", StartLine: 20}
	lmain := &profile.Location{ID: 1, Mapping: m, Address: 0x1100, Line: []profile.Line{{Function: fmain, Line: 2}}}
	lwork := &profile.Location{ID: 2, Mapping: m, Address: 0x1200, Line: []profile.Line{{Function: fwork, Line: 11}}}
	lrare := &profile.Location{ID: 3, Mapping: m, Address: 0x1300, Line: []profile.Line{{Function: frare, Line: 21}}}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     period,
		Function:   []*profile.Function{fmain, fwork, frare},
		Mapping:    []*profile.Mapping{m},
		Location:   []*profile.Location{lmain, lwork, lrare},
		Sample:     []*profile.Sample{{Location: []*profile.Location{lwork, lmain}, Value: []int64{work, work * period}}},
	}
	if rare > 0 {
		p.Sample = append(p.Sample, &profile.Sample{Location: []*profile.Location{lrare, lmain}, Value: []int64{rare, rare * period}})
	}
	r, err := roundTrip(t, p, cicheck.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReadProfileNotCPU: a Go block (or mutex) profile's default sample is
// delay/nanoseconds, the unit of CPU time: a directory holding cpu-N.out
// and block-N.out from `go test -cpuprofile … -blockprofile …` mixed
// waiting time into the CPU runs. Without a sample type asked for, only a
// CPU profile is read, and the error says what the profile has; with one,
// runs of different sample types are not compared.
func TestReadProfileNotCPU(t *testing.T) {
	runtime.SetBlockProfileRate(1)
	defer runtime.SetBlockProfileRate(0)
	ch := make(chan int)
	go func() { time.Sleep(20 * time.Millisecond); ch <- 1 }()
	<-ch // one blocking event of ~20 ms

	var b bytes.Buffer
	if err := rpprof.Lookup("block").WriteTo(&b, 0); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	_, err := cicheck.ReadProfile("block.out", bytes.NewReader(raw), cicheck.ProfileOptions{})
	if tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), "block.out: not a CPU profile: it has sample types [contentions/count delay/nanoseconds] and period type contentions/count") {
		t.Errorf("block profile read as CPU: %v", err)
	}
	block, err := cicheck.ReadProfile("block.out", bytes.NewReader(raw), cicheck.ProfileOptions{SampleType: "delay"})
	if err != nil {
		t.Fatal(err)
	}
	if block.SampleType != "delay/nanoseconds" || block.Unit != "nanoseconds" {
		t.Errorf("block profile: sample type %q, unit %q", block.SampleType, block.Unit)
	}
	var base, head []*cicheck.Run
	for range 10 {
		base = append(base, tickProfile(t, 200, 0))
		head = append(head, block)
	}
	if r, err := cicheck.DiffProfiles(base, head, cicheck.DefaultConfig); err == nil || !strings.Contains(err.Error(), "block.out: sample type delay/nanoseconds, but hand.pprof has cpu/nanoseconds") {
		t.Errorf("CPU profiles compared with block profiles: %v (report %+v)", err, r)
	}
	// A profile whose period is CPU time is a CPU profile, whatever its sample types.
	counts := handProfile([]*profile.ValueType{{Type: "samples", Unit: "count"}}, 10e6, [3][]int64{{3}, {5}, {2}})
	if r, err := roundTrip(t, counts, cicheck.ProfileOptions{}); err != nil || r.SampleType != "samples/count" {
		t.Errorf("count profile: %+v, %v", r, err)
	}
}
