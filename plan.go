package tally

import (
	"encoding/json"
	"strings"
	"time"
)

// Forecast is a stored forecast of one scope (a series such as daily spend of
// a billing account, or hourly vCPU-hours of an instance family).
type Forecast struct {
	Scope       string          `json:"scope"`
	CreatedAt   time.Time       `json:"createdAt"`
	Granularity string          `json:"granularity"` // hour or day
	Model       string          `json:"model"`
	Params      json.RawMessage `json:"params,omitempty"`
	HistoryEnd  time.Time       `json:"historyEnd"`
	Points      []ForecastPoint `json:"points"`
	Accuracy    json.RawMessage `json:"accuracy,omitempty"` // backtest metrics
}

// ForecastPoint is the forecast at one time with its 80% and 95% intervals.
type ForecastPoint struct {
	T    time.Time `json:"t"`
	Mean float64   `json:"mean"`
	Lo80 float64   `json:"lo80"`
	Hi80 float64   `json:"hi80"`
	Lo95 float64   `json:"lo95"`
	Hi95 float64   `json:"hi95"`
}

// Recommendation kinds.
const (
	RecommendContainer  = "container-rightsizing"
	RecommendNode       = "node-rightsizing"
	RecommendCommitment = "commitment"
)

// Recommendation is an action Tally proposes, with its monthly saving. The
// states and risk are kind-specific JSON documents.
type Recommendation struct {
	ID             int64           `json:"id"`
	Kind           string          `json:"kind"`
	Target         string          `json:"target"`
	CreatedAt      time.Time       `json:"createdAt"`
	MonthlySavings Money           `json:"monthlySavings"`
	Current        json.RawMessage `json:"current,omitempty"`
	Recommended    json.RawMessage `json:"recommended,omitempty"`
	Risk           json.RawMessage `json:"risk,omitempty"`
	Explanation    string          `json:"explanation"`
}

// Commitment kinds.
const (
	CommitComputeSP   = "compute-savings-plan"
	CommitEC2SP       = "ec2-instance-savings-plan"
	CommitReserved    = "reserved-instance"
	CommitCUDResource = "cud-resource"
	CommitCUDFlexible = "cud-flexible"
)

// Commitment is a Savings Plan, Reserved Instance or Committed Use Discount.
type Commitment struct {
	BillingAccountID string            `json:"billingAccountId"`
	ID               string            `json:"id"`
	Provider         string            `json:"provider"`
	Kind             string            `json:"kind"`
	Scope            map[string]string `json:"scope"` // region, family, instanceType, …
	TermMonths       int               `json:"termMonths"`
	Start            time.Time         `json:"start"`
	End              time.Time         `json:"end"`
	PaymentOption    string            `json:"paymentOption"`
	HourlyCommitment Money             `json:"hourlyCommitment"` // Savings Plans, spend-based CUDs
	Quantity         float64           `json:"quantity"`         // RIs (instances), resource CUDs (vCPUs)
	// UpfrontFee and RecurringHourlyFee are zero without a currency when
	// the source does not say (a Partial Upfront commitment seen only in
	// the bill, which shows its amortized hourly cost).
	UpfrontFee         Money  `json:"upfrontFee"`
	RecurringHourlyFee Money  `json:"recurringHourlyFee"`
	State              string `json:"state"`
	Source             string `json:"source"`
	// Discount is the discount the usage it covered shows in the bill:
	// 1 − Σ EffectiveCost ÷ Σ ListCost of its Used lines; 0 when the bill
	// shows it covering nothing. It is not stored: Portfolio reads it.
	Discount float64 `json:"discount,omitempty"`
	// StreamDiscounts are the discounts the usage it covered shows in the
	// bill per region, instance type and platform, the same ratio over
	// each's lines; none when the bill shows it covering nothing. A Savings
	// Plan's discount differs by instance type, and it applies to the usage
	// with the highest first. Not stored either.
	StreamDiscounts []StreamDiscount `json:"streamDiscounts,omitempty"`
	// Inferred says what of it Tally inferred rather than read, and from
	// what: "" when the source said it all. A bill that names neither a
	// Savings Plan's type nor a commitment's term (a FOCUS file from AWS)
	// leaves them to be inferred from the discount its usage shows.
	Inferred string `json:"inferred,omitempty"`
	// StartEstimated says that its source does not date its term (a GCP
	// CUD, a FOCUS commitment without term columns): Start is reckoned
	// from its first charge in the stored bill, which the term may
	// predate, and End, while it is in force, a term after Start, so it
	// ends by then. It is kept apart from Inferred, which says what was
	// inferred of what the bill leaves unsaid besides its dates.
	StartEstimated bool `json:"startEstimated,omitempty"`
}

// StreamDiscount is the discount a commitment earned on the usage of one
// region, instance type and platform ("" for Linux/UNIX), as its bill
// shows it.
type StreamDiscount struct {
	Region       string  `json:"region"`
	InstanceType string  `json:"instanceType"`
	Platform     string  `json:"platform,omitempty"`
	Discount     float64 `json:"discount"`
}

// Applies reports whether c's state is one in which the provider applies
// it: active, or with a return requested and not yet processed (a Savings
// Plan's pending-return), or unknown (""; the bill's commitments). Queued,
// payment-pending, payment-failed, retired and returned commitments do not
// apply, whatever their term says.
func (c Commitment) Applies() bool {
	switch strings.ToLower(c.State) {
	case "", "active", "pending-return":
		return true
	}
	return false
}

// IngestRun records one ingest attempt.
type IngestRun struct {
	ID           int64              `json:"id"`
	Source       string             `json:"source"`
	Status       string             `json:"status"` // running, committed, failed
	Files        []IngestFile       `json:"files"`
	Rows         int64              `json:"rows"`
	RejectedRows int64              `json:"rejectedRows"`
	Totals       json.RawMessage    `json:"totals,omitempty"`
	Periods      []BillingPeriodKey `json:"periods,omitempty"` // the periods the run replaced
	Error        string             `json:"error,omitempty"`
	StartedAt    time.Time          `json:"startedAt"`
	FinishedAt   time.Time          `json:"finishedAt,omitzero"`
}

// IngestReject is a row an ingest skipped (under --skip-bad-rows), with why.
type IngestReject struct {
	File   string `json:"file"`
	Line   int64  `json:"line"` // 1-based line (CSV, NDJSON) or row (Parquet) number
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

// IngestFile is one input file of a run.
type IngestFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
	Rows   int64  `json:"rows"`
}
