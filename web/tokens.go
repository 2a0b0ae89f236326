package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tallyhq/tally"
)

// TokenStore manages bearer tokens.
type TokenStore interface {
	CreateToken(ctx context.Context, t tally.Token) (tally.Token, error)
	Tokens(ctx context.Context) ([]tally.Token, error)
	DeleteToken(ctx context.Context, id string) error
	// ReportedClusters lists the clusters whose agents have reported, in
	// order: those an agent token is most likely for.
	ReportedClusters(ctx context.Context) ([]tally.ClusterID, error)
}

type createTokenRequest struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"`    // api (default) or agent
	Role          string `json:"role"`    // viewer (default) or admin, for api tokens
	Cluster       string `json:"cluster"` // agent tokens: the cluster it may write
	ExpiresInDays int    `json:"expiresInDays"`
}

// createTokenResponse carries the secret, shown once, and what to know
// about the token (Notice: an agent token's cluster no agent has reported).
type createTokenResponse struct {
	Token  tally.Token `json:"token"`
	Secret string      `json:"secret"`
	Notice string      `json:"notice,omitempty"`
}

// tokensResponse is the body of GET /api/v1/tokens: the tokens, and the
// clusters agents have reported, which an agent token's form offers.
type tokensResponse struct {
	Tokens   []tally.Token     `json:"tokens"`
	Clusters []tally.ClusterID `json:"clusters"`
}

// listTokens answers GET /api/v1/tokens.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.tokens.Tokens(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	cs, err := s.tokens.ReportedClusters(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tokensResponse{Tokens: list(ts), Clusters: list(cs)})
}

// createToken answers POST /api/v1/tokens. The token is its principal's
// user's, or, made with an API token, that token's creator's: deleting them
// revokes it.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req createTokenRequest
	if err := decodeBody(w, r, 4096, &req, "token body", `a JSON object {"name", "kind", "role", "cluster", "expiresInDays"}`); err != nil {
		s.error(w, r, err)
		return
	}
	secret, t := NewToken()
	if p, ok := PrincipalFrom(r.Context()); ok {
		t.CreatedBy, t.CreatorID = p.user.Email, p.user.ID
	}
	t.Name = strings.TrimSpace(req.Name)
	t.Kind = orDefault(req.Kind, tally.TokenAPI)
	switch t.Kind {
	case tally.TokenAPI:
		t.Role = orDefault(req.Role, tally.RoleViewer)
		if t.Role != tally.RoleViewer && t.Role != tally.RoleAdmin {
			s.error(w, r, tally.Errorf(tally.EInvalid, "role %q: want viewer or admin", req.Role))
			return
		}
	case tally.TokenAgent:
		t.Role, t.Cluster = tally.RoleAgent, tally.ClusterID(strings.TrimSpace(req.Cluster))
		if t.Cluster == "" {
			s.error(w, r, tally.Errorf(tally.EInvalid, "cluster: an agent token is bound to one cluster; name it"))
			return
		}
	default:
		s.error(w, r, tally.Errorf(tally.EInvalid, "kind %q: want api or agent", req.Kind))
		return
	}
	if t.Name == "" || len(t.Name) > 200 {
		s.error(w, r, tally.Errorf(tally.EInvalid, "name: want 1 to 200 characters saying what the token is for"))
		return
	}
	if req.ExpiresInDays < 0 || req.ExpiresInDays > 3650 {
		s.error(w, r, tally.Errorf(tally.EInvalid, "expiresInDays %d: want 0 (never) to 3650", req.ExpiresInDays))
		return
	}
	if req.ExpiresInDays > 0 {
		t.ExpiresAt = time.Now().Add(time.Duration(req.ExpiresInDays) * 24 * time.Hour).UTC()
	}
	notice, err := s.newClusterNotice(r.Context(), t)
	if err != nil {
		s.error(w, r, err)
		return
	}
	t, err = s.tokens.CreateToken(r.Context(), t)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, createTokenResponse{Token: t, Secret: secret, Notice: notice})
}

// newClusterNotice is AgentTokenNotice of t with the clusters agents have
// reported.
func (s *Server) newClusterNotice(ctx context.Context, t tally.Token) (string, error) {
	if t.Kind != tally.TokenAgent {
		return "", nil
	}
	known, err := s.tokens.ReportedClusters(ctx)
	return AgentTokenNotice(t, known), err
}

// AgentTokenNotice says, of an agent token for a cluster no agent has
// reported yet (none of reported), that this is so, and which clusters
// agents have reported: a new cluster gets its token before its agents
// run, but a misspelt name would file its agents' data under a cluster of
// its own. It is "" for other tokens.
func AgentTokenNotice(t tally.Token, reported []tally.ClusterID) string {
	if t.Kind != tally.TokenAgent || slices.Contains(reported, t.Cluster) {
		return ""
	}
	names := make([]string, len(reported))
	for i, c := range reported {
		names[i] = string(c)
	}
	return fmt.Sprintf("No agent has reported cluster %q yet: the agents given this token report as %q once they run. "+
		"Clusters agents have reported: %s.", t.Cluster, t.Cluster, cmp.Or(strings.Join(names, ", "), "none yet"))
}

// deleteToken answers DELETE /api/v1/tokens/{id}.
func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) {
	if err := s.tokens.DeleteToken(r.Context(), chi.URLParam(r, "id")); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
