package web_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// signIn returns a client signed in as email, with its CSRF token.
func signIn(t *testing.T, base, email, password string) *client {
	t.Helper()
	c := newClient(t, base)
	var me struct{ CSRFToken string }
	_ = json.Unmarshal([]byte(c.want("POST", "/api/v1/auth/login", `{"email":"`+email+`","password":"`+password+`"}`, 200, "csrfToken")), &me)
	c.csrf = me.CSRFToken
	return c
}

// TestUsersFromTheDashboard: admins list, create, change and delete users
// through /api/v1/users, as the Settings page does; viewers cannot; nobody
// can leave the organization without an admin or lock themselves out.
func TestUsersFromTheDashboard(t *testing.T) {
	db := pgtest.New(t)
	createUser(t, db, "ada@example.com", "correct horse battery", tally.RoleAdmin)
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Tokens: db, Users: db}))
	t.Cleanup(srv.Close)
	ada := signIn(t, srv.URL, "ada@example.com", "correct horse battery")
	ada.want("GET", "/api/v1/users", "", 200, `"email":"ada@example.com","role":"admin"`)

	for _, tt := range []struct{ body, want string }{
		{`{"email":"bob","password":"long enough pw","role":"viewer"}`, `email \"bob\": want an address such as ops@example.com`},
		{`{"email":"bob@example.com","password":"short","role":"viewer"}`, "password: want at least 8 characters"},
		{`{"email":"bob@example.com","password":"long enough pw","role":"owner"}`, `role \"owner\": want viewer or admin`},
		{`{"email":"bob@example.com","password":"long enough pw","role":"viewer","extra":1}`, "extra"},
	} {
		ada.want("POST", "/api/v1/users", tt.body, 400, tt.want)
	}
	ada.want("POST", "/api/v1/users", `{"email":"Bob@Example.com","password":"long enough pw"}`, 201, `"email":"bob@example.com","role":"viewer"`)
	ada.want("POST", "/api/v1/users", `{"email":"bob@example.com","password":"long enough pw"}`, 409, "already exists")

	bob := signIn(t, srv.URL, "bob@example.com", "long enough pw")
	bob.want("GET", "/api/v1/users", "", 403, "admin")
	ada.want("PUT", "/api/v1/users/bob%40example.com", `{"role":"admin"}`, 200, `"role":"admin"`) // as encodeURIComponent writes it
	bob.want("GET", "/api/v1/users", "", 200, "ada@example.com")                                  // at once: sessions read the role

	ada.want("PUT", "/api/v1/users/ada@example.com", `{"role":"viewer"}`, 409, "you are signed in as ada@example.com")
	ada.want("DELETE", "/api/v1/users/ada@example.com", "", 409, "you are signed in as ada@example.com")
	ada.want("PUT", "/api/v1/users/bob@example.com", `{}`, 400, "nothing to change")
	ada.want("PUT", "/api/v1/users/nobody@example.com", `{"role":"viewer"}`, 404, "no user nobody@example.com")

	ada.want("PUT", "/api/v1/users/bob@example.com", `{"password":"a new password"}`, 200, `"signedOut":true`)
	bob.want("GET", "/api/v1/auth/me", "", 401, "")
	bob = signIn(t, srv.URL, "bob@example.com", "a new password")
	bob.want("GET", "/api/v1/users", "", 200, "") // kept admin: a new password alone keeps the role

	bob.want("DELETE", "/api/v1/users/ada@example.com", "", 204, "")
	ada.want("GET", "/api/v1/auth/me", "", 401, "")
	bob.want("GET", "/api/v1/users", "", 200, `[{"id":`)

	// The last admin, from an admin API token (signed in as nobody).
	secret, tok := web.NewToken()
	tok.Kind, tok.Role, tok.Name = tally.TokenAPI, tally.RoleAdmin, "script"
	if _, err := db.CreateToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	script := newClient(t, srv.URL)
	script.bearer = secret
	script.want("PUT", "/api/v1/users/bob@example.com", `{"role":"viewer"}`, 409, "bob@example.com is the last admin: make another user admin first")
	script.want("DELETE", "/api/v1/users/bob@example.com", "", 409, "last admin")
}
