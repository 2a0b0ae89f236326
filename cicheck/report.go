package cicheck

// Kinds of report.
const (
	KindProfiles   = "profiles"
	KindBenchmarks = "benchmarks"
)

// Report is the outcome of a check, ready to render.
type Report struct {
	Kind     string  `json:"kind"`
	Verdict  Verdict `json:"verdict"`
	Headline string  `json:"headline"`
	// Reason explains the verdict in one sentence (the gate, or what is missing).
	Reason string `json:"reason"`
	// NeedRuns is, when Verdict is Insufficient for too few runs, the
	// fewest runs per side that give a verdict; zero when nothing was
	// compared.
	NeedRuns int `json:"needRuns,omitempty"`
	BaseRuns int `json:"baseRuns"`
	HeadRuns int `json:"headRuns"`

	// Profiles: the CPU per unit of work, its yearly cost, and the functions
	// that changed, largest change of self value first.
	Unit string `json:"unit,omitempty"`
	// GateP is the p-value of the test against the gate: below alpha, the
	// growth is significantly over the gate's allowance.
	GateP       float64          `json:"gateP,omitempty"`
	Total       *Change          `json:"total,omitempty"`
	TotalAnnual *Annual          `json:"totalAnnual,omitempty"`
	Functions   []FunctionChange `json:"functions,omitempty"`
	// Culprit is the function most of a significant change is in, if any.
	Culprit string `json:"culprit,omitempty"`
	// Via is the project's own function the culprit's change was reached
	// from, when the culprit is not the project's (Config.Own).
	Via       string `json:"via,omitempty"`
	ViaSource Source `json:"viaSource,omitzero"`

	// Benchmarks: one entry per benchmark, worst first.
	Benchmarks []BenchmarkChange `json:"benchmarks,omitempty"`

	Pricing *Pricing `json:"pricing,omitempty"`
	Gate    Gate     `json:"gate"`
	Alpha   float64  `json:"alpha"`
	CI      float64  `json:"confidence"`
	// Warnings are notes on the input and the method: lines skipped,
	// benchmarks too short to judge, names matched without GOMAXPROCS.
	Warnings []string `json:"warnings,omitempty"`
}

// FunctionChange is how one function's CPU per unit of work changed.
type FunctionChange struct {
	Name       string  `json:"name"`
	Source     Source  `json:"source,omitzero"`
	Self       Change  `json:"self"`
	Total      Change  `json:"total"`
	SelfAnnual *Annual `json:"selfAnnual,omitempty"`
	// Share is the function's part of the whole change of CPU (self Δ / total Δ).
	Share float64 `json:"share,omitempty"`
}

// BenchmarkChange is how one benchmark changed.
type BenchmarkChange struct {
	Name    string  `json:"name"`
	Pkg     string  `json:"pkg,omitempty"`
	Verdict Verdict `json:"verdict"`
	GateP   float64 `json:"gateP,omitempty"`
	// Time is seconds per operation (ns/op in the input).
	Time   Change  `json:"time"`
	Annual *Annual `json:"annual,omitempty"`
	// CallsPerYear used for Annual, when known.
	CallsPerYear float64 `json:"callsPerYear,omitempty"`
	// Allocs and Bytes are allocations and bytes allocated per operation,
	// when the benchmark reports them (-benchmem).
	Allocs *Change `json:"allocs,omitempty"`
	Bytes  *Change `json:"bytes,omitempty"`
	// Missing is set when the benchmark ran on one side only.
	Missing string `json:"missing,omitempty"`
}
