package tally

import (
	"strings"
	"time"
)

// Roles of users and tokens. A viewer reads everything; an admin also
// changes settings and manages tokens; an agent token can only ingest the
// measurements of its cluster.
const (
	RoleViewer = "viewer"
	RoleAdmin  = "admin"
	RoleAgent  = "agent"
)

// Token kinds: API tokens act as a user of their role for scripts; agent
// tokens are bound to one cluster and can only ingest.
const (
	TokenAPI   = "api"
	TokenAgent = "agent"
)

// User is a person who signs in to the dashboard with a password.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"-"` // bcrypt
	CreatedAt    time.Time `json:"createdAt"`
}

// CheckEmail refuses what cannot be a user's email, their sign-in name:
// EInvalid, saying what was given.
func CheckEmail(email string) error {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || len(email) > 254 || strings.ContainsAny(email, " \t\r\n") {
		return Errorf(EInvalid, "email %q: want an address such as ops@example.com", email)
	}
	return nil
}

// CheckUserRole refuses a role users cannot have: EInvalid.
func CheckUserRole(role string) error {
	if role != RoleViewer && role != RoleAdmin {
		return Errorf(EInvalid, "role %q: want viewer or admin", role)
	}
	return nil
}

// Session is a signed-in browser. Only a hash of its cookie is stored.
type Session struct {
	Hash      []byte // SHA-256 of the cookie value
	User      User
	CSRFToken string // sent back in X-CSRF-Token on state-changing requests
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Token is a bearer token. Only a hash of its secret is stored.
type Token struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"` // TokenAPI or TokenAgent
	Role       string    `json:"role"` // viewer or admin (api), agent (agent)
	Cluster    ClusterID `json:"cluster,omitempty"`
	Name       string    `json:"name"`
	SecretHash []byte    `json:"-"` // SHA-256 of the secret
	CreatedAt  time.Time `json:"createdAt"`
	ExpiresAt  time.Time `json:"expiresAt,omitzero"`
	LastUsedAt time.Time `json:"lastUsedAt,omitzero"`
	// CreatedBy is the email of the user who made the token, from the
	// dashboard or with an API token they made; "" for a token made before
	// creators were recorded, or from the command line. CreatorID is that
	// user's id (0 then).
	CreatedBy string `json:"createdBy"`
	CreatorID int64  `json:"-"`
	// RevokedAt is when the token was revoked, and Revoked why (its
	// creator was deleted, or made a viewer); a revoked token is refused
	// but stays listed.
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	Revoked   string    `json:"revoked,omitempty"`
}

// CostSettings are the organization's shared-cost rules: the defaults of the
// allocation API and the dashboard when a request does not say otherwise.
type CostSettings struct {
	Idle            string   `json:"idle"`            // separate, share or hide
	Shared          string   `json:"shared"`          // weighted, even or separate
	ShareNamespaces []string `json:"shareNamespaces"` // namespaces spread like shared costs (e.g. kube-system)
}

// DataStatus says what data has arrived, so the dashboard can tell a new
// installation what to do next (ingest a bill, install the agent).
type DataStatus struct {
	BillingPeriods  int       `json:"billingPeriods"`              // billing periods ingested
	LastIngest      time.Time `json:"lastIngest,omitzero"`         // last committed ingest run
	Clusters        int       `json:"clusters"`                    // clusters known
	Pods            int64     `json:"pods"`                        // pods reported by agents
	AgentTokens     int       `json:"agentTokens"`                 // agent tokens issued
	LastAttributed  time.Time `json:"lastAttributedHour,omitzero"` // newest attributed hour
	EstimatedHours  int64     `json:"estimatedHours"`              // attributed hours with any node-hour priced from the catalog
	AttributedHours int64     `json:"attributedHours"`
	FirstAttributed time.Time `json:"firstAttributedHour,omitzero"`
	// FirstCosted and LastCosted are the oldest and newest attributed
	// hours with allocations: hours are attributed as they pass, also
	// those no agent or bill has sent anything for yet, which cost nothing.
	FirstCosted time.Time `json:"firstCostedHour,omitzero"`
	LastCosted  time.Time `json:"lastCostedHour,omitzero"`
	// EstimatedNodeHours counts the node-hours priced from the catalog
	// (a node with costs in an hour is a node-hour), and
	// EstimatedHoursNodeHours all node-hours with costs of the
	// EstimatedHours hours: of one estimated node of 100, 1 of 100.
	EstimatedNodeHours      int64 `json:"estimatedNodeHours"`
	EstimatedHoursNodeHours int64 `json:"estimatedHoursNodeHours"`
	// HourlySince is when the hourly and raw data kept begin, when older
	// ones were dropped for retention (tally prune): queries that read
	// hourly allocations start there; the daily rollups go back further.
	HourlySince time.Time `json:"hourlyDataSince,omitzero"`
	// SamplesSince is when the function samples kept begin, when older
	// ones were dropped for their own retention (tally prune
	// --keep-samples): hours before it are attributed again from their
	// saved stack costs.
	SamplesSince time.Time `json:"functionSamplesSince,omitzero"`
	// ClustersWithoutAccount are the clusters with no billing account (one
	// their agents registered, not yet billed): their unbilled hours are
	// not estimated (tally cluster set gives them one).
	ClustersWithoutAccount []ClusterID `json:"clustersWithoutBillingAccount,omitempty"`
}
