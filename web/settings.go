package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// SettingsStore keeps the organization's settings.
type SettingsStore interface {
	CostSettings(ctx context.Context) (tally.CostSettings, error)
	SaveCostSettings(ctx context.Context, s tally.CostSettings, by string) error
}

// StatusStore says what data has arrived.
type StatusStore interface {
	DataStatus(ctx context.Context) (tally.DataStatus, error)
}

// defaultCostSettings are the rules when none are stored.
var defaultCostSettings = tally.CostSettings{Idle: string(attribution.IdleSeparate), Shared: string(attribution.SharedWeighted),
	ShareNamespaces: []string{}}

// costSettings returns the stored rules with defaults filled in.
func (s *Server) costSettings(ctx context.Context) (tally.CostSettings, error) {
	if s.settings == nil {
		return defaultCostSettings, nil
	}
	c, err := s.settings.CostSettings(ctx)
	if err != nil {
		return c, err
	}
	c.Idle = orDefault(c.Idle, defaultCostSettings.Idle)
	c.Shared = orDefault(c.Shared, defaultCostSettings.Shared)
	if c.ShareNamespaces == nil {
		c.ShareNamespaces = []string{}
	}
	return c, nil
}

// getCostSettings answers GET /api/v1/settings/cost.
func (s *Server) getCostSettings(w http.ResponseWriter, r *http.Request) {
	c, err := s.costSettings(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// putCostSettings answers PUT /api/v1/settings/cost (admins).
func (s *Server) putCostSettings(w http.ResponseWriter, r *http.Request) {
	var c tally.CostSettings
	if err := decodeBody(w, r, 16<<10, &c, "cost settings", `a JSON object {"idle", "shared", "shareNamespaces"}`); err != nil {
		s.error(w, r, err)
		return
	}
	q := attribution.Query{Idle: attribution.IdleMode(c.Idle), Shared: attribution.SharedMode(c.Shared)}
	switch {
	case c.Idle == "" || c.Shared == "":
		s.error(w, r, tally.Errorf(tally.EInvalid, "cost settings: idle and shared are required"))
		return
	case q.Idle != attribution.IdleSeparate && q.Idle != attribution.IdleShare && q.Idle != attribution.IdleHide:
		s.error(w, r, tally.Errorf(tally.EInvalid, "idle %q: want separate, share or hide", c.Idle))
		return
	case q.Shared != attribution.SharedWeighted && q.Shared != attribution.SharedEven && q.Shared != attribution.SharedSeparate:
		s.error(w, r, tally.Errorf(tally.EInvalid, "shared %q: want weighted, even or separate", c.Shared))
		return
	}
	var ns []string
	for _, n := range c.ShareNamespaces {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if len(n) > 253 || strings.ContainsAny(n, ",\"") {
			s.error(w, r, tally.Errorf(tally.EInvalid, "shared namespace %q: not a Kubernetes namespace name", n))
			return
		}
		if !slices.Contains(ns, n) {
			ns = append(ns, n)
		}
	}
	c.ShareNamespaces = ns
	if c.ShareNamespaces == nil {
		c.ShareNamespaces = []string{}
	}
	p, _ := PrincipalFrom(r.Context())
	by := p.Email
	if by == "" {
		by = "token " + p.TokenID
	}
	if err := s.settings.SaveCostSettings(r.Context(), c, by); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// status answers GET /api/v1/status: what data has arrived.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.statusStore.DataStatus(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
