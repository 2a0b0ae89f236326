package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// TestSecureCookieAndHSTS: a request counts as HTTPS when it arrived over
// TLS, through a trusted proxy that says X-Forwarded-Proto: https, or under
// an https:// public URL; then the session cookie (set and cleared) is
// Secure and every response carries Strict-Transport-Security. The header
// from anyone else is ignored.
func TestSecureCookieAndHSTS(t *testing.T) {
	db := pgtest.New(t)
	createUser(t, db, "ada@example.com", "correct horse battery", tally.RoleAdmin)
	tests := []struct {
		name      string
		trusted   []string
		publicURL string
		tls       bool
		proto     string
		https     bool
	}{
		{name: "plain HTTP", https: false},
		{name: "X-Forwarded-Proto from an untrusted peer", proto: "https", https: false},
		{name: "X-Forwarded-Proto https from a trusted proxy", trusted: []string{"127.0.0.1"}, proto: "https", https: true},
		{name: "X-Forwarded-Proto list from a trusted proxy", trusted: []string{"127.0.0.0/8"}, proto: "HTTPS, http", https: true},
		{name: "X-Forwarded-Proto http from a trusted proxy", trusted: []string{"127.0.0.1"}, proto: "http", https: false},
		{name: "trusted proxy without X-Forwarded-Proto", trusted: []string{"127.0.0.1"}, https: false},
		{name: "https public URL", publicURL: "https://tally.example.com", https: true},
		{name: "http public URL", publicURL: "http://tally.internal:8080", https: false},
		{name: "TLS", tls: true, https: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxies, err := web.ParseTrustedProxies(tt.trusted)
			if err != nil {
				t.Fatal(err)
			}
			h := web.NewServer(web.Config{Readiness: db, Auth: db, TrustedProxies: proxies, PublicURL: tt.publicURL})
			srv := httptest.NewUnstartedServer(h)
			if tt.tls {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			c := newClient(t, srv.URL)
			c.http.Transport = srv.Client().Transport
			hdr := []string{}
			if tt.proto != "" {
				hdr = append(hdr, "X-Forwarded-Proto", tt.proto)
			}
			wantHSTS := map[bool]string{true: "max-age=31536000", false: ""}[tt.https]
			code, body, rh := c.do("POST", "/api/v1/auth/login", `{"email":"ada@example.com","password":"correct horse battery"}`, hdr...)
			if code != 200 {
				t.Fatalf("sign-in: %d %s", code, body)
			}
			if got := secureCookie(t, rh); got != tt.https {
				t.Errorf("sign-in cookie Secure = %v, want %v: %q", got, tt.https, rh.Values("Set-Cookie"))
			}
			if got := rh.Get("Strict-Transport-Security"); got != wantHSTS {
				t.Errorf("sign-in Strict-Transport-Security %q, want %q", got, wantHSTS)
			}
			if _, _, rh := c.do("GET", "/healthz", "", hdr...); rh.Get("Strict-Transport-Security") != wantHSTS {
				t.Errorf("/healthz Strict-Transport-Security %q, want %q", rh.Get("Strict-Transport-Security"), wantHSTS)
			}
			// An expired or unknown session cookie is cleared with the same attribute.
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/auth/me", nil)
			req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: "stale"})
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := secureCookie(t, resp.Header); got != tt.https {
				t.Errorf("cleared cookie Secure = %v, want %v: %q", got, tt.https, resp.Header.Values("Set-Cookie"))
			}
		})
	}
}

// secureCookie reports whether the session cookie in h is Secure.
func secureCookie(t *testing.T, h http.Header) bool {
	t.Helper()
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == web.SessionCookie {
			return c.Secure
		}
	}
	t.Fatalf("no %s cookie in %q", web.SessionCookie, h.Values("Set-Cookie"))
	return false
}
