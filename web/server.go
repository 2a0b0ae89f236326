// Package web serves Tally's HTTP interface with chi: the JSON API, the
// OpenCost-compatible endpoints, health and readiness probes, and the
// dashboard. It is the only package that maps errors to HTTP statuses.
package web

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// Readiness reports whether the server can answer: the database is reachable
// and its schema current.
type Readiness interface {
	Ready(ctx context.Context) error
}

// Config wires a Server. Stores left nil leave their routes unmounted or
// answering 503.
type Config struct {
	Logger      *slog.Logger
	Readiness   Readiness
	Allocations AllocationStore
	// Assets serves OpenCost's /assets; nil leaves it unmounted.
	Assets    AssetStore
	Functions FunctionStore
	Metrics   MetricsStore
	// Recommendations serves /api/v1/recommendations/…; nil answers 503.
	Recommendations RecommendationStore
	// Auth signs people and tokens in. Without it every route but the
	// probes answers 503: there is no unauthenticated mode.
	Auth AuthStore
	// Tokens manages API and agent tokens (admins, in Settings).
	Tokens TokenStore
	// Users manages the users who sign in (admins, in Settings).
	Users UserStore
	// Settings keeps the shared-cost rules the allocation API defaults to.
	Settings SettingsStore
	// Status says what data has arrived, for the dashboard's empty states.
	Status StatusStore
	// UI is the built dashboard (index.html, assets/); default Assets().
	UI fs.FS
	// SessionTTL is how long a sign-in lasts; default DefaultSessionTTL.
	SessionTTL time.Duration
	// Demo, when set, enables the demo sign-in link (tally demo only).
	Demo *DemoLogin
	// Forecasts serves /api/v1/forecasts; nil leaves it unmounted.
	Forecasts ForecastStore
	// Reports serves /api/v1/reports/weekly and its preview; nil answers 503.
	Reports ReportPreviewer
	// Commitments serves /api/v1/commitments…; nil leaves them unmounted.
	Commitments CommitmentStore
	// Now is the clock relative windows ("7d", "today") are read against. Default time.Now.
	Now func() time.Time
	// Agents stores what tally-agent sends; nil leaves the ingest endpoint off.
	Agents AgentStore
	// AgentMaxAge is how long before now an agent interval may start;
	// default DefaultAgentMaxAge. tally demo, which loads months of history
	// through the agent endpoint, sets it to cover them.
	AgentMaxAge time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For the
	// server believes (see ParseTrustedProxies); a request from any other
	// peer is accounted to the peer's own address. Empty trusts none.
	TrustedProxies []netip.Prefix
	// AgentRate is how many batches a second each agent token may send,
	// and AgentBurst how many at once; default DefaultAgentRate and the
	// larger of DefaultAgentBurst and ten seconds of AgentRate. Beyond
	// them the ingest endpoint answers 429 with Retry-After. Agents keeps
	// the buckets, shared by every server on its database.
	AgentRate  float64
	AgentBurst int
	// AgentDecodeBudget bounds, in bytes, what the agent batches decoded
	// and stored at once may take, each weighed by its body and the JSON
	// it may decompress to; AgentDecodeWait is how long a batch beyond it
	// waits before it is answered 429 with Retry-After. Defaults
	// DefaultAgentDecodeBudget and DefaultAgentDecodeWait.
	AgentDecodeBudget int64
	AgentDecodeWait   time.Duration
	// PublicURL is the URL people reach the server at, when a proxy in front
	// of it terminates TLS. An https:// URL makes every request count as
	// HTTPS: session cookies are Secure and responses carry
	// Strict-Transport-Security.
	PublicURL string
	// Aliases name the labels OpenCost's alias fields (department,
	// environment, owner, product, team) read in allocation filters and
	// aggregates; empty names are OpenCost's defaults.
	Aliases attribution.Aliases
}

// Server is Tally's HTTP handler.
type Server struct {
	router      chi.Router
	log         *slog.Logger
	ready       Readiness
	allocs      AllocationStore
	assetStore  AssetStore
	funcs       FunctionStore
	recs        RecommendationStore
	auth        AuthStore
	tokens      TokenStore
	users       UserStore
	settings    SettingsStore
	statusStore StatusStore
	ui          fs.FS
	sessionTTL  time.Duration
	demo        DemoLogin
	fcs         ForecastStore
	reports     ReportPreviewer
	commits     CommitmentStore
	now         func() time.Time
	agents      AgentStore
	agentMaxAge time.Duration
	agentLimit  agentLimit
	decoding    *decodeBudget
	draining    atomic.Bool // Drain was called
	stacks      knownStacks
	trusted     []netip.Prefix
	httpsOnly   bool // PublicURL is https://…
	aliases     attribution.Aliases
}

// NewServer returns the HTTP handler with every route mounted. Every route
// but /healthz, /readyz, the sign-in page and the static assets needs a
// signed-in user or an API token; agent tokens are refused everywhere but
// ingest.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UI == nil {
		cfg.UI = Assets()
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.AgentMaxAge <= 0 {
		cfg.AgentMaxAge = DefaultAgentMaxAge
	}
	s := &Server{router: chi.NewRouter(), log: cfg.Logger, ready: cfg.Readiness, allocs: cfg.Allocations, assetStore: cfg.Assets, funcs: cfg.Functions,
		recs: cfg.Recommendations, auth: cfg.Auth, tokens: cfg.Tokens, users: cfg.Users, settings: cfg.Settings, statusStore: cfg.Status,
		ui: cfg.UI, sessionTTL: cfg.SessionTTL, fcs: cfg.Forecasts, reports: cfg.Reports, commits: cfg.Commitments, now: cfg.Now, agents: cfg.Agents,
		agentMaxAge: cfg.AgentMaxAge, agentLimit: newAgentLimit(cfg.AgentRate, cfg.AgentBurst),
		decoding: newDecodeBudget(cfg.AgentDecodeBudget, cfg.AgentDecodeWait), trusted: cfg.TrustedProxies,
		httpsOnly: strings.HasPrefix(strings.ToLower(cfg.PublicURL), "https://"), aliases: cfg.Aliases}
	if cfg.Demo != nil {
		s.demo = *cfg.Demo
	}
	r := s.router
	r.Use(middleware.RequestID, s.clientAddress, s.logRequests, middleware.Recoverer, middleware.Compress(5), securityHeaders,
		http.NewCrossOriginProtection().Handler, s.options, s.authenticate, middleware.GetHead)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	// Public: probes, the sign-in page and form, and the static assets (code, no data).
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/assets/*", s.assets())
	r.Method(http.MethodGet, "/favicon.svg", s.assets())
	r.Get("/login", s.loginPage)
	r.Get("/login/demo", s.demoLogin)
	r.With(s.limitLoginAddress, s.takes()).Post("/api/v1/auth/login", s.login)
	for _, p := range pages {
		r.Get(p, s.page)
	}

	// Viewers (people and API tokens): read everything. Each route of
	// Tally's API says which query parameters it takes (s.takes);
	// OpenCost's take what OpenCost's do, and ignore the others as it does.
	r.Group(func(r chi.Router) {
		r.Use(s.requireRole(tally.RoleViewer), s.checkText)
		r.Method(http.MethodGet, "/metrics", metricsHandler(cfg.Metrics, s.log))
		r.With(s.takes()).Get("/api/v1/auth/me", s.me)
		r.With(s.takes()).Post("/api/v1/auth/logout", s.logout)
		if s.allocs != nil {
			r.With(s.takes("window", "step", "aggregate", "filter", "idle", "shared", "shareNamespaces", "basis", "format")).
				Get("/api/v1/allocations", s.allocations)
			r.With(s.takes("workload", "window", "cluster", "basis")).Get(tally.CostRatePath, s.costRate)
			r.With(s.takes("window", "basis")).Get("/api/v1/reconciliation", s.reconciliation)
		}
		// OpenCost's API, also under /model/ where Kubecost and older
		// OpenCost clients call it.
		for _, prefix := range []string{"", "/model"} {
			if s.allocs != nil {
				r.Get(prefix+"/allocation/compute", s.openCostAllocations)
				r.Get(prefix+"/allocation", s.openCostAllocations)
			}
			if s.assetStore != nil {
				// Exactly /assets: /assets/… are the dashboard's static files.
				r.Get(prefix+"/assets", s.openCostAssets)
			}
		}
		if s.funcs != nil {
			r.With(s.takes("workload", "cluster", "container", "window", "image", "baseWindow", "baseImage", "top", "format")).
				Get("/api/v1/functions", s.functions)
			r.With(s.takes("window")).Get("/api/v1/functions/workloads", s.profiledWorkloads)
		}
		r.With(s.takes("kind", "cluster", "namespace")).Get("/api/v1/recommendations/rightsizing", s.rightsizing)
		r.With(s.takes("audience", "week")).Get("/api/v1/reports/weekly", s.weeklyReportInfo)
		r.With(s.takes("audience", "week", "format")).Get("/api/v1/reports/weekly/preview", s.reportPreview)
		if s.fcs != nil {
			r.With(s.takes("scope")).Get("/api/v1/forecasts", s.forecasts)
		}
		r.With(s.takes()).Get("/api/v1/settings/cost", s.getCostSettings)
		if s.statusStore != nil {
			r.With(s.takes()).Get("/api/v1/status", s.status)
		}
		if s.commits != nil {
			s.commitmentRoutes(r)
		}
	})

	// Admins: tokens, users and settings.
	r.Group(func(r chi.Router) {
		r.Use(s.requireRole(tally.RoleAdmin), s.checkText)
		if s.tokens != nil {
			r.With(s.takes()).Get("/api/v1/tokens", s.listTokens)
			r.With(s.takes()).Post("/api/v1/tokens", s.createToken)
			r.With(s.takes()).Delete("/api/v1/tokens/{id}", s.deleteToken)
		}
		if s.users != nil {
			r.With(s.takes()).Get("/api/v1/users", s.listUsers)
			r.With(s.takes()).Post("/api/v1/users", s.createUser)
			r.With(s.takes()).Put("/api/v1/users/{email}", s.updateUser)
			r.With(s.takes()).Delete("/api/v1/users/{email}", s.deleteUser)
		}
		if s.settings != nil {
			r.With(s.takes()).Put("/api/v1/settings/cost", s.putCostSettings)
		}
	})

	// Agents: POST /api/v1/ingest/agent is mounted with s.requireAgent, which
	// admits only agent tokens and puts their cluster in the Principal, and
	// s.limitAgent, which bounds each token's rate.
	if s.agents != nil {
		r.With(s.requireAgent, s.limitAgent, s.takes(), s.budgetAgent).Post("/api/v1/ingest/agent", s.ingestAgent)
	}
	return s
}

// notFound answers unknown routes: 401 to anyone not signed in, so the
// routes that exist are not revealed, else a JSON 404. A browser asking for
// a page (wantsPage) gets the dashboard instead, answered 404, whose
// client-side route says the page was not found; signed out, it is sent to
// sign in as from any page.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if wantsPage(r) {
		s.missingPage(w, r)
		return
	}
	if _, ok := PrincipalFrom(r.Context()); !ok && s.auth != nil {
		s.error(w, r, tally.Errorf(tally.EUnauthorized, "sign in, or send an API token as Authorization: Bearer tly_…"))
		return
	}
	s.error(w, r, tally.Errorf(tally.ENotFound, "no route %s %s", r.Method, r.URL.Path))
}

// methods are the methods a route may have, in the order Allow lists them.
var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// allowed returns the methods of the route at path, OPTIONS last (s.options
// answers it on every route), or nil when no route is there. chi keeps
// them from custom handlers, so they are looked up.
func (s *Server) allowed(path string) []string {
	var allow []string
	for _, m := range methods {
		// GET routes answer HEAD too (middleware.GetHead), unmatched here.
		if s.router.Match(chi.NewRouteContext(), m, path) ||
			m == http.MethodHead && s.router.Match(chi.NewRouteContext(), http.MethodGet, path) {
			allow = append(allow, m)
		}
	}
	if allow == nil {
		return nil
	}
	return append(allow, http.MethodOptions)
}

// methodNotAllowed answers a route that exists with another method: 405,
// with the methods it has in Allow. Like notFound, it answers 401 to anyone
// not signed in, so the routes that exist are not revealed.
func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if _, ok := PrincipalFrom(r.Context()); !ok && s.auth != nil {
		s.notFound(w, r)
		return
	}
	allow := strings.Join(s.allowed(r.URL.Path), ", ")
	w.Header().Set("Allow", allow)
	s.error(w, r, tally.Errorf(tally.EMethodNotAllowed, "method %s not allowed on %s: use %s", r.Method, r.URL.Path, allow))
}

// options answers OPTIONS on any route with 204 and the route's methods in
// Allow, before sign-in: a CORS preflight carries no credentials, and it
// was refused 401. It sets no CORS headers, deliberately: the dashboard is
// same-origin, and the API is not offered to pages of other origins, whose
// browsers fail the preflight without Access-Control-Allow-Origin. OPTIONS
// of a path with no route goes on, to be answered as any other request
// there (401 signed out, 404 signed in).
func (s *Server) options(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		allow := s.allowed(r.URL.Path)
		if allow == nil {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		w.WriteHeader(http.StatusNoContent)
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// healthz answers while the process runs.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyTimeout is how long the database has to answer a readiness check.
const readyTimeout = 2 * time.Second

// Drain makes /readyz answer 503 "shutting down" from now on, while the
// server still serves: the process is about to stop, and load balancers
// should send it nothing new.
func (s *Server) Drain() { s.draining.Store(true) }

// readyz answers 200 only when the database is reachable and migrated, and
// the server is not draining. The
// probe is public, so the reason it is not ready (which names the database's
// host and port) is logged, and the answer is a fixed 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Code: tally.ENotReady, Message: "shutting down"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.ready.Ready(ctx); err != nil {
		s.log.WarnContext(r.Context(), "not ready", slog.String("code", tally.ErrorCode(err)), slog.Any("err", err))
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Code: tally.ENotReady, Message: "not ready"})
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
