package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestUnknownPageInBrowser: a browser (Accept: text/html) asking for a path
// no route serves gets the dashboard, answered 404, whose client-side route
// says the page was not found and links home; signed out, it is sent to
// sign in like any page (so unknown paths reveal no more than known ones).
// API paths, and clients that do not ask for HTML, keep the JSON error. (A
// browser got {"code":"not_found",…} as the page.)
func TestUnknownPageInBrowser(t *testing.T) {
	db := pgtest.New(t)
	createUser(t, db, "ada@example.com", "correct horse battery", tally.RoleAdmin)
	srv := serveDB(t, db, nil)
	const html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

	anon := newClient(t, srv.URL)
	for _, p := range []string{"/nonexistent", "/dashboard/typo?x=1"} {
		code, body, h := anon.do("GET", p, "", "Accept", html)
		if want := "/login?next=" + url.QueryEscape(p); code != 303 || h.Get("Location") != want {
			t.Errorf("signed out, GET %s as a browser = %d to %q %s, want 303 to %q", p, code, h.Get("Location"), body, want)
		}
	}
	if code, body, _ := anon.do("GET", "/api/v1/nope", "", "Accept", html); code != 401 || !strings.Contains(body, `"code"`) {
		t.Errorf("signed out, GET /api/v1/nope as a browser = %d %s, want the JSON 401", code, body)
	}

	ada := newClient(t, srv.URL)
	ada.want("POST", "/api/v1/auth/login", `{"email":"ada@example.com","password":"correct horse battery"}`, 200, "csrfToken")
	for _, p := range []string{"/nonexistent", "/dashboard/typo", "/allocations/"} {
		code, body, h := ada.do("GET", p, "", "Accept", html)
		if code != 404 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, `<div id="app">`) {
			t.Errorf("GET %s as a browser = %d %s %.80q, want 404 with the dashboard's HTML", p, code, h.Get("Content-Type"), body)
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("GET %s as a browser: CSP %q", p, h.Get("Content-Security-Policy"))
		}
	}
	for _, tc := range []struct{ path, accept, code string }{
		{"/api/v1/nope", html, `"code":"not_found"`},
		{"/api/v1/allocations/typo", html, `"code":"not_found"`},
		{"/allocation/typo", html, `"code":404`}, // OpenCost's envelope under its routes
		{"/nonexistent", "application/json", `"code":"not_found"`},
		{"/nonexistent", "", `"code":"not_found"`},
	} {
		code, body, h := ada.do("GET", tc.path, "", "Accept", tc.accept)
		if code != 404 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") || !strings.Contains(body, tc.code) {
			t.Errorf("GET %s (Accept %q) = %d %s %s, want the JSON 404", tc.path, tc.accept, code, h.Get("Content-Type"), body)
		}
	}
	// Not a page: a POST to an unknown path is the JSON 404 whatever it accepts.
	if code, body, _ := ada.do("POST", "/nonexistent", "", "Accept", html); code == 404 && !strings.Contains(body, `"code"`) {
		t.Errorf("POST /nonexistent as a browser = %d %s, want JSON", code, body)
	}
}
