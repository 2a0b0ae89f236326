package tally

import (
	"errors"
	"time"
)

// SourceOverlap is a billing period of an account that one source holds
// and that an ingest of another source also holds charges of: both bill
// the same usage accounts (SubAccountId) of the same account and month,
// so storing both would count those charges twice (attribution and every
// total add the sources up). Two sources may hold one account's month when
// they bill different usage accounts: a payer's CUR filtered to its own
// account, and a member account's FOCUS export of its own charges.
type SourceOverlap struct {
	// Held is the stored period; its Source is the source holding it.
	Held BillingPeriodKey `json:"held"`
	// By is the source of the ingest that holds the charges too.
	By string `json:"by"`
	// SubAccounts are the usage accounts both bill, sorted.
	SubAccounts []string `json:"subAccounts"`
	// RunID, Rows and IngestedAt describe Held as it was stored: the run
	// that stored it, its lines, and when.
	RunID      int64     `json:"runId"`
	Rows       int64     `json:"rows"`
	IngestedAt time.Time `json:"ingestedAt"`
	// Removed is how many of Held's lines a replace removed (those of
	// SubAccounts); 0 when the ingest was refused.
	Removed int64 `json:"removed,omitempty"`
}

// ErrSourceOverlap is an ingest refused because another source holds
// charges of the same usage accounts in the same billing periods. It is
// wrapped, with a *SourceOverlapError listing them, in a *Error (EInvalid)
// whose message names them.
var ErrSourceOverlap = errors.New("another source holds the billing period")

// SourceOverlapError lists the periods an ingest was refused for.
type SourceOverlapError struct {
	Overlaps []SourceOverlap
}

func (e *SourceOverlapError) Error() string { return ErrSourceOverlap.Error() }

// Is makes errors.Is(err, ErrSourceOverlap) true.
func (e *SourceOverlapError) Is(target error) bool { return target == ErrSourceOverlap }

// Sources returns the sources holding the periods, in order of first
// appearance.
func (e *SourceOverlapError) Sources() []string {
	var out []string
	seen := map[string]bool{}
	for _, o := range e.Overlaps {
		if !seen[o.Held.Source] {
			seen[o.Held.Source] = true
			out = append(out, o.Held.Source)
		}
	}
	return out
}
