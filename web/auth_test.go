package web_test

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

type client struct {
	t      *testing.T
	base   string
	http   *http.Client
	bearer string
	csrf   string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path, body string, hdr ...string) (int, string, http.Header) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.csrf != "" {
		req.Header.Set(web.CSRFHeader, c.csrf)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (c *client) want(method, path, body string, status int, contains string) string {
	c.t.Helper()
	got, b, _ := c.do(method, path, body)
	if got != status || !strings.Contains(b, contains) {
		c.t.Fatalf("%s %s = %d %s, want %d containing %q", method, path, got, b, status, contains)
	}
	return b
}

func TestAuth(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(context.Background(), tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(48 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	createUser(t, db, "ada@example.com", "correct horse battery", tally.RoleAdmin)
	createUser(t, db, "vic@example.com", "viewer password", tally.RoleViewer)
	srv := serveDB(t, db, func() time.Time { return fixture.Day1.Add(47 * time.Hour) })

	anon := newClient(t, srv.URL)
	anon.want("GET", "/healthz", "", 200, "ok")
	anon.want("GET", "/readyz", "", 200, "ready")
	// Another scheme's credentials (a proxy's Basic) are not Tally's: no
	// principal, and the probes answer (they were 401).
	for _, p := range []string{"/healthz", "/readyz", "/api/v1/allocations"} {
		want := map[string]int{"/healthz": 200, "/readyz": 200}[p]
		if code, b, _ := anon.do("GET", p, "", "Authorization", "Basic dXNlcjpwYXNz"); code != cmp.Or(want, 401) {
			t.Errorf("GET %s with Basic credentials: %d %s, want %d", p, code, b, cmp.Or(want, 401))
		}
	}
	for _, p := range []string{"/api/v1/allocations", "/allocation/compute", "/metrics", "/api/v1/functions?workload=shop/api", "/api/v1/tokens", "/api/v1/nope"} {
		anon.want("GET", p, "", 401, "sign in")
	}
	// OpenCost's routes answer in OpenCost's envelope, the status a number,
	// whatever refuses the request (they said "code":"unauthorized").
	anon.want("GET", "/model/allocation?window=2d", "", 401, `"code":401`)
	if code, _, h := anon.do("GET", "/allocations?window=7d", ""); code != 303 || h.Get("Location") != "/login?next=%2Fallocations%3Fwindow%3D7d" {
		t.Fatalf("page without a session: %d to %q", code, h.Get("Location"))
	}
	if code, _, h := anon.do("GET", "/login", ""); code != 200 || !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("sign-in page: %d, CSP %q", code, h.Get("Content-Security-Policy"))
	}
	anon.want("POST", "/api/v1/auth/login", `{"email":"ada@example.com","password":"wrong"}`, 401, "wrong email or password")
	anon.want("POST", "/api/v1/auth/login", `{"email":"nobody@example.com","password":"correct horse battery"}`, 401, "wrong email or password")
	anon.want("GET", "/api/v1/auth/me", "", 401, "")
	// A cross-site form post is refused before anything else.
	if code, _, _ := anon.do("POST", "/api/v1/auth/login", `{}`, "Sec-Fetch-Site", "cross-site"); code != 403 {
		t.Fatalf("cross-site sign-in: %d, want 403", code)
	}

	// Sign in: an HttpOnly, SameSite cookie and a CSRF token.
	ada := newClient(t, srv.URL)
	code, body, h := ada.do("POST", "/api/v1/auth/login", `{"email":"ADA@example.com","password":"correct horse battery"}`)
	if code != 200 || !strings.Contains(h.Get("Set-Cookie"), "HttpOnly") || !strings.Contains(h.Get("Set-Cookie"), "SameSite=Lax") {
		t.Fatalf("sign-in: %d %s, cookie %q", code, body, h.Get("Set-Cookie"))
	}
	if cc := h.Get("Cache-Control"); cc != "no-store" { // the answer carries the CSRF token
		t.Errorf("sign-in answer: Cache-Control %q, want no-store", cc)
	}
	var me struct{ Email, Role, CSRFToken string }
	_ = json.Unmarshal([]byte(body), &me)
	if me.Email != "ada@example.com" || me.Role != "admin" || me.CSRFToken == "" {
		t.Fatalf("sign-in answer %s", body)
	}
	ada.want("GET", "/allocations", "", 200, "<div id=\"app\">")
	ada.want("GET", "/api/v1/allocations?window=2d", "", 200, `"groups"`)

	// Settings: CSRF needed on writes; the allocation API follows the saved rules.
	// (kube-system is not the fixture's: its one namespace, shop, shared
	// and kept apart, would leave no row to share idle onto.)
	settings := `{"idle":"share","shared":"separate","shareNamespaces":["kube-system"]}`
	ada.want("PUT", "/api/v1/settings/cost", settings, 403, "X-CSRF-Token")
	ada.csrf = "wrong"
	ada.want("PUT", "/api/v1/settings/cost", settings, 403, "X-CSRF-Token")
	ada.csrf = me.CSRFToken
	ada.want("PUT", "/api/v1/settings/cost", `{"idle":"bogus","shared":"even"}`, 400, `idle \"bogus\"`)
	ada.want("PUT", "/api/v1/settings/cost", settings, 200, `"shareNamespaces":["kube-system"]`)
	got := ada.want("GET", "/api/v1/allocations?window=2d&aggregate=namespace", "", 200, tally.SharedName)
	if strings.Contains(got, tally.IdleName) || !strings.Contains(got, `"idleCost":"2.159999999952"`) {
		t.Fatalf("the saved rules share idle out: %s", got)
	}
	ada.want("GET", "/api/v1/allocations?window=2d&aggregate=namespace&idle=separate", "", 200, tally.IdleName) // parameters override

	// Tokens: admins create them; a viewer token reads; an agent token only ingests.
	ada.want("POST", "/api/v1/tokens", `{"name":"x","kind":"agent"}`, 400, "cluster")
	// Bodies not of the shape are told so in JSON's terms, not Go's ("Go
	// struct field createTokenRequest.name of type string"); an unknown
	// field (a typo) or more after the object is refused, not ignored; one
	// over the limit is 413.
	for _, tc := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", "/api/v1/tokens", `{"name":5}`, 400, `token body: field \"name\": want a string, got a number`},
		{"POST", "/api/v1/tokens", `{"nmae":"x"}`, 400, `token body: unknown field \"nmae\"`},
		{"POST", "/api/v1/tokens", `{"name":"x"} {}`, 400, "token body: more after the JSON object"},
		{"POST", "/api/v1/tokens", `{"name":"` + strings.Repeat("x", 5000) + `"}`, 413, "token body: larger than 4096 bytes"},
		{"PUT", "/api/v1/settings/cost", `{"idle":5}`, 400, `cost settings: field \"idle\": want a string, got a number`},
		{"PUT", "/api/v1/settings/cost", `[]`, 400, `cost settings: want a JSON object {\"idle\", \"shared\", \"shareNamespaces\"}, got an array`},
		{"PUT", "/api/v1/settings/cost", `{"idle":"share","shared":"even","shareNamespace":["shop"]}`, 400, `unknown field \"shareNamespace\"`},
	} {
		code, b, _ := ada.do(tc.method, tc.path, tc.body)
		if code != tc.status || !strings.Contains(b, tc.want) || strings.Contains(b, "Go ") {
			t.Errorf("%s %s %.40s: %d %s, want %d containing %s", tc.method, tc.path, tc.body, code, b, tc.status, tc.want)
		}
	}
	var viewer, agent struct {
		Secret string
		Token  tally.Token
	}
	_ = json.Unmarshal([]byte(ada.want("POST", "/api/v1/tokens", `{"name":"grafana","role":"viewer"}`, 201, "tly_")), &viewer)
	_ = json.Unmarshal([]byte(ada.want("POST", "/api/v1/tokens", `{"name":"prod agent","kind":"agent","cluster":"prod"}`, 201, "tly_")), &agent)
	ada.want("GET", "/api/v1/tokens", "", 200, "prod agent")

	v := newClient(t, srv.URL)
	v.bearer = viewer.Secret
	v.want("GET", "/allocation/compute?window=2d", "", 200, `"code":200`)
	v.want("POST", "/allocation/compute?window=2d", "", 405, `"code":405`)
	v.want("GET", "/allocation/nope", "", 404, `"code":404`)
	v.want("GET", "/metrics", "", 200, "node_total_hourly_cost")
	v.want("GET", "/api/v1/tokens", "", 403, "admin role")
	v.want("PUT", "/api/v1/settings/cost", settings, 403, "admin role")
	// The scheme's name is case-insensitive (RFC 9110 §11.1): "bearer" was
	// refused with "want Bearer TOKEN".
	for _, scheme := range []string{"bearer", "BEARER"} {
		if code, b, _ := newClient(t, srv.URL).do("GET", "/api/v1/allocations?window=2d", "", "Authorization", scheme+" "+viewer.Secret); code != 200 {
			t.Errorf("Authorization: %s TOKEN: %d %s, want 200", scheme, code, b)
		}
	}
	v.bearer = viewer.Secret[:len(viewer.Secret)-2] + "xx"
	v.want("GET", "/api/v1/allocations", "", 401, "unknown or revoked")
	if _, _, h := v.do("GET", "/api/v1/allocations", ""); h.Get("WWW-Authenticate") != `Bearer realm="tally", error="invalid_token"` {
		t.Errorf("a refused token: WWW-Authenticate %q, want the invalid_token challenge (RFC 6750)", h.Get("WWW-Authenticate"))
	}
	v.bearer = "not-a-token"
	v.want("GET", "/api/v1/allocations", "", 401, "not a Tally token")

	a := newClient(t, srv.URL)
	a.bearer = agent.Secret
	for _, p := range []string{"/api/v1/allocations", "/metrics", "/allocation/compute", "/api/v1/auth/me"} {
		a.want("GET", p, "", 403, "agent tokens can only ingest")
	}
	if code, _, _ := a.do("GET", "/", ""); code != 303 {
		t.Fatalf("agent token on a page: %d, want a redirect to sign-in", code)
	}

	// Revoked and expired tokens stop working.
	ada.want("DELETE", "/api/v1/tokens/"+viewer.Token.ID, "", 204, "")
	v.bearer = viewer.Secret
	v.want("GET", "/api/v1/allocations", "", 401, "unknown or revoked")
	secret, tok := web.NewToken()
	tok.Kind, tok.Role, tok.Name, tok.ExpiresAt = tally.TokenAPI, tally.RoleViewer, "old", time.Now().Add(-time.Hour)
	if _, err := db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	v.bearer = secret
	v.want("GET", "/api/v1/allocations", "", 401, "expired")

	// A viewer signs in and cannot write; sign-out ends the session.
	vic := newClient(t, srv.URL)
	_, body, _ = vic.do("POST", "/api/v1/auth/login", `{"email":"vic@example.com","password":"viewer password"}`)
	_ = json.Unmarshal([]byte(body), &me)
	vic.csrf = me.CSRFToken
	vic.want("PUT", "/api/v1/settings/cost", settings, 403, "admin role")
	vic.want("POST", "/api/v1/auth/logout", "", 204, "")
	vic.want("GET", "/api/v1/auth/me", "", 401, "")
	if code, _, _ := vic.do("GET", "/", ""); code != 303 {
		t.Fatalf("after sign-out a page redirects: %d", code)
	}
}

// TestSessionsExpire: a session ends after its TTL, and a page asked then
// goes to the sign-in form with expired=1, which says so: the browser still
// sends the cookie, which outlives the session (sessionCookieGrace). A
// cookie that expired with the session made a reload look like a first
// visit.
func TestSessionsExpire(t *testing.T) {
	db := pgtest.New(t)
	createUser(t, db, "ada@example.com", "correct horse battery", tally.RoleAdmin)
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Settings: db, SessionTTL: time.Second}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL)
	c.want("POST", "/api/v1/auth/login", `{"email":"ada@example.com","password":"correct horse battery"}`, 200, "csrfToken")
	c.want("GET", "/api/v1/auth/me", "", 200, "ada@example.com")
	time.Sleep(1500 * time.Millisecond)
	if code, _, h := c.do("GET", "/allocations", ""); code != 303 || h.Get("Location") != "/login?next=%2Fallocations&expired=1" {
		t.Errorf("page after the session expired: %d to %q, want 303 to the sign-in form saying it expired", code, h.Get("Location"))
	}
	c.want("GET", "/api/v1/auth/me", "", 401, "sign in")
}

// TestEndedSessionSaysSo: a page asked with the cookie of a session that
// has ended on the server (signed out in another tab, revoked) goes to the
// sign-in form with expired=1, which says the session expired; the cookie
// is cleared, and the next page asked goes there as a first visit does.
func TestEndedSessionSaysSo(t *testing.T) {
	db := pgtest.New(t)
	createUser(t, db, "ada@example.com", "correct horse battery", tally.RoleAdmin)
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Settings: db}))
	t.Cleanup(srv.Close)
	tab1, tab2 := newClient(t, srv.URL), newClient(t, srv.URL)
	var me struct{ CSRFToken string }
	_ = json.Unmarshal([]byte(tab1.want("POST", "/api/v1/auth/login", `{"email":"ada@example.com","password":"correct horse battery"}`, 200, "csrfToken")), &me)
	tab1.csrf = me.CSRFToken
	u, _ := url.Parse(srv.URL)
	tab2.http.Jar.SetCookies(u, tab1.http.Jar.Cookies(u))
	tab2.want("GET", "/api/v1/auth/me", "", 200, "ada@example.com")
	tab1.want("POST", "/api/v1/auth/logout", "", 204, "")
	for _, want := range []string{"/login?next=%2Fallocations%3Fwindow%3D7d&expired=1", "/login?next=%2Fallocations%3Fwindow%3D7d"} {
		if code, _, h := tab2.do("GET", "/allocations?window=7d", ""); code != 303 || h.Get("Location") != want {
			t.Errorf("page after the session ended: %d to %q, want 303 to %q", code, h.Get("Location"), want)
		}
	}
}

func TestDemoLogin(t *testing.T) {
	db := pgtest.New(t)
	createUser(t, db, "demo@tally.local", "demo password", tally.RoleAdmin)
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Demo: &web.DemoLogin{Email: "demo@tally.local", Code: "s3cret-code"}}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL)
	if code, _, h := c.do("GET", "/login/demo?code=guess", ""); code != 303 || h.Get("Location") != "/login" {
		t.Fatalf("wrong code: %d %q", code, h.Get("Location"))
	}
	c.want("GET", "/api/v1/auth/me", "", 401, "")
	if code, _, h := c.do("GET", "/login/demo?code=s3cret-code", ""); code != 303 || h.Get("Location") != "/" {
		t.Fatalf("demo link: %d %q", code, h.Get("Location"))
	}
	c.want("GET", "/api/v1/auth/me", "", 200, "demo@tally.local")
}
