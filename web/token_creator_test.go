package web_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// newTokenAs creates a token through POST /api/v1/tokens as c and returns a
// client that sends its secret.
func newTokenAs(t *testing.T, c *client, body string) *client {
	t.Helper()
	var resp struct{ Secret string }
	if err := json.Unmarshal([]byte(c.want("POST", "/api/v1/tokens", body, 201, `"createdBy"`)), &resp); err != nil {
		t.Fatal(err)
	}
	tc := newClient(t, c.base)
	tc.bearer = resp.Secret
	return tc
}

// listedToken returns the JSON of the token named name in ada's list.
func listedToken(t *testing.T, c *client, name string) string {
	t.Helper()
	var list struct{ Tokens []json.RawMessage }
	if err := json.Unmarshal([]byte(c.want("GET", "/api/v1/tokens", "", 200, "")), &list); err != nil {
		t.Fatal(err)
	}
	for _, raw := range list.Tokens {
		if strings.Contains(string(raw), `"name":"`+name+`"`) {
			return string(raw)
		}
	}
	t.Fatalf("no token %q listed", name)
	return ""
}

// twoAdmins serves users and tokens of a database where ada and bob are
// admins, and returns it with their clients, signed in.
func twoAdmins(t *testing.T) (*postgres.DB, *client, *client) {
	t.Helper()
	db := pgtest.New(t)
	createUser(t, db, "ada@example.com", "correct horse battery", tally.RoleAdmin)
	createUser(t, db, "bob@example.com", "battery staple horse", tally.RoleAdmin)
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Tokens: db, Users: db}))
	t.Cleanup(srv.Close)
	ada := signIn(t, srv.URL, "ada@example.com", "correct horse battery")
	bob := signIn(t, srv.URL, "bob@example.com", "battery staple horse")
	return db, ada, bob
}

// TestDeletedUsersTokensRevoked: deleting a user revokes, in the same
// transaction, every API token they made, from the dashboard or with a
// token they made, and signs them out: their session and API tokens answer
// 401 at once, and the token list shows the tokens revoked and why. Agent
// tokens are the clusters' (they only send a cluster's usage): revoking
// them would stop its data without a word, so they keep working, as do
// other users' tokens and those made before creators were recorded.
func TestDeletedUsersTokensRevoked(t *testing.T) {
	db, ada, bob := twoAdmins(t)

	bobScript := newTokenAs(t, bob, `{"name":"bob script","role":"admin"}`)
	bobAgent := newTokenAs(t, bob, `{"name":"bob agents","kind":"agent","cluster":"prod"}`)
	bobChild := newTokenAs(t, bobScript, `{"name":"made by bob's script"}`)
	adaScript := newTokenAs(t, ada, `{"name":"ada script"}`)
	legacy := newClient(t, ada.base)
	legacy.bearer = storeToken(t, db, tally.TokenAPI, tally.RoleViewer, "")

	if got := listedToken(t, ada, "made by bob's script"); !strings.Contains(got, `"createdBy":"bob@example.com"`) {
		t.Fatalf("a token made with bob's token: %s, want it made by bob", got)
	}
	if got := listedToken(t, ada, "test"); !strings.Contains(got, `"createdBy":""`) {
		t.Fatalf("a token made before creators were recorded: %s, want createdBy \"\"", got)
	}

	ada.want("DELETE", "/api/v1/users/bob@example.com", "", 204, "")

	bob.want("GET", "/api/v1/auth/me", "", 401, "")
	for name, c := range map[string]*client{"bob script": bobScript, "made by bob's script": bobChild} {
		c.want("GET", "/api/v1/auth/me", "", 401, "was revoked at ")
		got := listedToken(t, ada, name)
		if !strings.Contains(got, `"revokedAt":"`) || !strings.Contains(got, `"revoked":"its creator bob@example.com was deleted"`) {
			t.Errorf("token %q after bob was deleted: %s, want it revoked, saying why", name, got)
		}
	}
	adaScript.want("GET", "/api/v1/auth/me", "", 200, tally.RoleViewer)
	bobAgent.want("GET", "/api/v1/auth/me", "", 403, "agent tokens can only ingest") // authenticated, not revoked
	if got := listedToken(t, ada, "bob agents"); strings.Contains(got, "revoked") || !strings.Contains(got, `"createdBy":"bob@example.com"`) {
		t.Errorf("bob's agent token: %s, want it made by bob and not revoked", got)
	}
	legacy.want("GET", "/api/v1/auth/me", "", 200, tally.RoleViewer)
	if got := listedToken(t, ada, "ada script"); strings.Contains(got, "revoked") {
		t.Errorf("ada's token: %s, want it not revoked", got)
	}
}

// TestDemotedAdminsTokens: making an admin a viewer revokes the admin API
// tokens they made (a viewer cannot make or use one); their viewer tokens
// keep working.
func TestDemotedAdminsTokens(t *testing.T) {
	_, ada, bob := twoAdmins(t)
	bobAdmin := newTokenAs(t, bob, `{"name":"bob admin","role":"admin"}`)
	bobViewer := newTokenAs(t, bob, `{"name":"bob viewer"}`)

	ada.want("PUT", "/api/v1/users/bob@example.com", `{"role":"viewer"}`, 200, `"role":"viewer"`)

	bobAdmin.want("GET", "/api/v1/tokens", "", 401, "its creator bob@example.com was made a viewer")
	bobViewer.want("GET", "/api/v1/auth/me", "", 200, tally.RoleViewer)
	bob.want("GET", "/api/v1/tokens", "", 403, "this needs the admin role")

	// A new password with the viewer role demotes alike.
	ada.want("PUT", "/api/v1/users/bob@example.com", `{"role":"admin"}`, 200, `"role":"admin"`)
	bob = signIn(t, ada.base, "bob@example.com", "battery staple horse")
	again := newTokenAs(t, bob, `{"name":"bob admin again","role":"admin"}`)
	ada.want("PUT", "/api/v1/users/bob@example.com", `{"role":"viewer","password":"a new password"}`, 200, `"signedOut":true`)
	again.want("GET", "/api/v1/auth/me", "", 401, "made a viewer")
}
