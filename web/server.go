// Package web serves Tally's HTTP interface with chi: the JSON API, the
// OpenCost-compatible endpoints, health and readiness probes, and the
// dashboard. It is the only package that maps errors to HTTP statuses.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// Readiness reports whether the server can answer: the database is reachable
// and its schema current.
type Readiness interface {
	Ready(ctx context.Context) error
}

// Config wires a Server.
type Config struct {
	Logger    *slog.Logger
	Readiness Readiness
	// Agents stores what tally-agent sends; nil leaves the ingest endpoint off.
	Agents AgentStore
}

// Server is Tally's HTTP handler.
type Server struct {
	router chi.Router
	log    *slog.Logger
	ready  Readiness
	agents AgentStore
	tokens tokenCache
	stacks knownStacks
}

// NewServer returns the HTTP handler with every route mounted.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{router: chi.NewRouter(), log: cfg.Logger, ready: cfg.Readiness, agents: cfg.Agents, tokens: tokenCache{m: map[string]cachedToken{}}}
	s.router.Use(middleware.RequestID, middleware.RealIP, s.logRequests, middleware.Recoverer)
	s.router.Get("/healthz", s.healthz)
	s.router.Get("/readyz", s.readyz)
	if s.agents != nil {
		// Agent tokens authenticate here and nowhere else: they can only ingest.
		s.router.Post("/api/v1/ingest/agent", s.ingestAgent)
	}
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// healthz answers while the process runs.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 only when the database is reachable and migrated.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.ready.Ready(ctx); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "http request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", ww.Status()), slog.Duration("duration", time.Since(start)),
			slog.String("requestId", middleware.GetReqID(r.Context())))
	})
}
