package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestTextPostgresCannotHold: a NUL or a byte that is not UTF-8, which no
// PostgreSQL text holds, in a bearer token, a sign-in's email, a query
// parameter or a path is the client's error. Each was a 500 "internal
// error" logged at ERROR ("invalid byte sequence for encoding UTF8"), the
// first two for anyone, signed in or not.
func TestTextPostgresCannotHold(t *testing.T) {
	db := pgtest.New(t)
	createUser(t, db, "ada@example.com", "correct horse battery", tally.RoleAdmin)
	srv := serveDB(t, db, time.Now)
	anon := newClient(t, srv.URL)
	admin := newClient(t, srv.URL)
	admin.bearer = storeToken(t, db, tally.TokenAPI, tally.RoleAdmin, "")
	tests := []struct {
		name     string
		c        *client
		method   string
		path     string
		body     string
		hdr      []string
		status   int
		contains string
	}{
		{"token id not UTF-8", anon, "GET", "/api/v1/auth/me", "", []string{"Authorization", "Bearer tly_\xff\xfe_secret"}, 401, "not a Tally token"},
		{"email with NUL", anon, "POST", "/api/v1/auth/login", `{"email":"ada\u0000@example.com","password":"correct horse battery"}`, nil, 401, "wrong email or password"},
		{"parameter not UTF-8", admin, "GET", `/api/v1/allocations?window=1d&filter=namespace:"%FF"`, "", nil, 400, "parameter filter: "},
		{"parameter with NUL", admin, "GET", "/api/v1/functions?workload=a%00/b&window=1d", "", nil, 400, "holds a NUL byte"},
		{"OpenCost parameter", admin, "GET", "/allocation/compute?window=1d&filterNamespaces=%FF", "", nil, 400, "parameter filterNamespaces: "},
		{"path with NUL", admin, "DELETE", "/api/v1/users/ada%00@example.com", "", nil, 400, `"message":"path `},
		{"token name with NUL", admin, "POST", "/api/v1/tokens", `{"name":"ci\u0000","role":"viewer"}`, nil, 400, "token body: a string holds a NUL character"},
		{"user email with NUL", admin, "POST", "/api/v1/users", `{"email":"bob\u0000@example.com","role":"viewer","password":"correct horse battery"}`, nil, 400, "a NUL character"},
		{"not a NUL", admin, "POST", "/api/v1/tokens", `{"name":"ci \\u0000","role":"viewer"}`, nil, 201, `"name":"ci \\u0000"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := tt.c.do(tt.method, tt.path, tt.body, tt.hdr...)
			if code != tt.status || !strings.Contains(body, tt.contains) {
				t.Errorf("%s %s = %d %s; want %d containing %q", tt.method, tt.path, code, body, tt.status, tt.contains)
			}
		})
	}
}
