package tally

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"

	"strings"
	"time"
)

// Token kinds and roles. An agent token is bound to one cluster and can only
// ingest agent data.
const (
	TokenKindAPI   = "api"
	TokenKindAgent = "agent"
	RoleViewer     = "viewer"
	RoleAdmin      = "admin"
	RoleAgent      = "agent"
)

// tokenPrefix starts every bearer token, so leaked tokens are easy to find.
const tokenPrefix = "tally_"

// Token is a stored bearer token. Only a hash of its secret is kept.
type Token struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Role       string    `json:"role"`
	Cluster    ClusterID `json:"cluster,omitempty"` // agent tokens only
	Name       string    `json:"name"`
	SecretHash []byte    `json:"-"`
	CreatedAt  time.Time `json:"createdAt"`
	ExpiresAt  time.Time `json:"expiresAt,omitzero"`
}

// NewToken returns a token with a fresh id and secret, and the bearer string
// ("tally_<id>.<secret>") to hand out once.
func NewToken(kind, role string, cluster ClusterID, name string, now time.Time) (Token, string, error) {
	var id [8]byte
	var secret [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return Token{}, "", err
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return Token{}, "", err
	}
	s := base64.RawURLEncoding.EncodeToString(secret[:])
	t := Token{ID: fmt.Sprintf("%x", id[:]), Kind: kind, Role: role, Cluster: cluster, Name: name, SecretHash: hashSecret(s), CreatedAt: now.UTC()}
	return t, tokenPrefix + t.ID + "." + s, nil
}

// ParseBearer splits a bearer token into its id and secret; it is an
// EUnauthorized error when malformed.
func ParseBearer(bearer string) (id, secret string, err error) {
	rest, ok := strings.CutPrefix(bearer, tokenPrefix)
	if ok {
		id, secret, ok = strings.Cut(rest, ".")
	}
	if !ok || len(id) != 16 || secret == "" {
		return "", "", Errorf(EUnauthorized, "malformed bearer token")
	}
	return id, secret, nil
}

// Verify reports whether secret is t's, in constant time, and t unexpired at now.
func (t Token) Verify(secret string, now time.Time) bool {
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return false
	}
	return subtle.ConstantTimeCompare(hashSecret(secret), t.SecretHash) == 1
}

// hashSecret is SHA-256: the secret is 256 random bits, so a slow password
// hash would add nothing.
func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
