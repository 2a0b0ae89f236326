package commitments

import (
	"encoding/json"
	"time"
)

// Actions Tally logs about commitments.
const (
	ActionSync     = "sync"     // inventory read from a provider or the bill
	ActionPlan     = "plan"     // a purchase plan exported
	ActionDryRun   = "dry-run"  // a purchase request built and shown, not sent
	ActionPurchase = "purchase" // a purchase request sent
)

// Action statuses.
const (
	StatusOK       = "ok"
	StatusFailed   = "failed"
	StatusDeclined = "declined" // the confirmation was not typed
	// StatusUnknown is a purchase sent whose answer was lost: it may have
	// been carried out, so it counts as bought and is not sent again.
	StatusUnknown = "unknown"
)

// Action is one logged commitment action: every sync, exported plan, dry
// run and purchase, with the exact request and the provider's answer.
type Action struct {
	ID               int64           `json:"id"`
	At               time.Time       `json:"at"`
	BillingAccountID string          `json:"billingAccountId"`
	Action           string          `json:"action"`
	Status           string          `json:"status"`
	Provider         string          `json:"provider"`
	ItemID           string          `json:"itemId,omitempty"`
	Operation        string          `json:"operation,omitempty"` // e.g. CreateSavingsPlan
	Request          json.RawMessage `json:"request,omitempty"`
	Response         json.RawMessage `json:"response,omitempty"`
	Actor            string          `json:"actor,omitempty"`
	Error            string          `json:"error,omitempty"`
}
