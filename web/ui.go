package web

import (
	"embed"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/tallyhq/tally"
)

// The dashboard's built assets (web/ui, built with Vite into web/ui/dist) are
// committed and embedded, so `go build` alone makes a binary with the whole
// dashboard, and no Node.js is needed to build or run Tally. `make ui`
// rebuilds them from the sources and the lockfile; `make check-ui` verifies
// the committed build is current.
//
//go:embed all:ui/dist
var embeddedUI embed.FS

// Assets returns the embedded dashboard.
func Assets() fs.FS {
	sub, err := fs.Sub(embeddedUI, "ui/dist")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// contentSecurityPolicy allows only this origin's scripts, styles and
// connections: no inline script, no eval, no inline style attributes, no
// framing by other sites. Everything from clusters and bills is rendered as
// text; this is the second line of defence.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"font-src 'self'; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'"

// hstsMaxAge is how long browsers remember to use only HTTPS (a year).
const hstsMaxAge = "max-age=31536000"

// securityHeaders sets the headers every response carries, and
// Strict-Transport-Security on those to HTTPS requests (browsers ignore it
// over plain HTTP). A handler may replace the Content-Security-Policy (the
// report preview does).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if peerOf(r).https {
			h.Set("Strict-Transport-Security", hstsMaxAge)
		}
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// pages are the dashboard's routes; each serves index.html to a signed-in
// browser and redirects others to the sign-in page.
var pages = []string{"/", "/allocations", "/functions", "/rightsizing", "/commitments", "/reports", "/settings"}

// page serves the single-page app's index.html for a signed-in browser.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	p, ok := PrincipalFrom(r.Context())
	if !ok || p.Kind == tally.TokenAgent {
		toSignIn(w, r)
		return
	}
	s.index(w, r)
}

// toSignIn redirects a browser to the sign-in page, which comes back to
// the page asked once signed in. When the browser's session has ended
// (sessionEnded) it adds expired=1, and the form says so.
func toSignIn(w http.ResponseWriter, r *http.Request) {
	to := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
	if sessionEnded(r.Context()) {
		to += "&expired=1"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// wantsPage reports whether r is a browser asking for a page: a GET or
// HEAD that accepts HTML, outside the API paths (/api/…, OpenCost's
// routes: see isOpenCostPath), whose clients are answered JSON whatever
// they accept.
func wantsPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	if p == "/api" || strings.HasPrefix(p, "/api/") || isOpenCostPath(p) {
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// missingPage answers a browser's request for a page that does not exist:
// the dashboard with status 404 (it shows "page not found" and a link
// home), or, signed out, the way to sign in, as page does.
func (s *Server) missingPage(w http.ResponseWriter, r *http.Request) {
	p, ok := PrincipalFrom(r.Context())
	if !ok || p.Kind == tally.TokenAgent {
		toSignIn(w, r)
		return
	}
	s.serveIndex(w, http.StatusNotFound)
}

// loginPage serves index.html, which shows the sign-in form at /login.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := PrincipalFrom(r.Context()); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.index(w, r)
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) { s.serveIndex(w, http.StatusOK) }

// serveIndex writes the single-page app's index.html with status.
func (s *Server) serveIndex(w http.ResponseWriter, status int) {
	b, err := fs.ReadFile(s.ui, "index.html")
	if err != nil {
		http.Error(w, "The dashboard is not built into this binary: run `make ui build`.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// assets serves the hashed, immutable build outputs.
func (s *Server) assets() http.Handler {
	files := http.FileServerFS(s.ui)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(w, r)
	})
}
