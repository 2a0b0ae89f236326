package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/logtest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// TestBearerRequestRecordsTokenUse: a request with a bearer token records
// the token's last use (`tally token list` shows it); when that fails the
// request still succeeds, and the server logs why.
func TestBearerRequestRecordsTokenUse(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	var log logtest.Buffer
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Tokens: db,
		Logger: slog.New(slog.NewTextHandler(&log, nil))}))
	t.Cleanup(srv.Close)
	token := func() (string, tally.Token) {
		secret, tok := web.NewToken()
		tok.Kind, tok.Role, tok.Name = tally.TokenAPI, tally.RoleViewer, "ci"
		if _, err := db.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		return secret, tok
	}

	secret, tok := token()
	c := newClient(t, srv.URL)
	c.bearer = secret
	c.want("GET", "/api/v1/auth/me", "", 200, tally.RoleViewer)
	if got, err := db.Token(ctx, tok.ID); err != nil || got.LastUsedAt.IsZero() {
		t.Errorf("after a request with token %s: last used at %v (%v), want now", tok.ID, got.LastUsedAt, err)
	}
	if strings.Contains(log.String(), "level=WARN") {
		t.Errorf("log:\n%s", log.String())
	}

	// The database refuses the write: the request goes on, the log says why.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `ALTER TABLE tokens ADD CONSTRAINT tokens_unused CHECK (last_used_at IS NULL) NOT VALID`); err != nil {
		t.Fatal(err)
	}
	c.bearer, tok = token()
	c.want("GET", "/api/v1/auth/me", "", 200, tally.RoleViewer)
	if l := log.String(); !strings.Contains(l, "record a token's last use") || !strings.Contains(l, "token="+tok.ID) ||
		!strings.Contains(l, "tokens_unused") {
		t.Errorf("a failed TouchToken logged:\n%s\nwant the token and the database's error", l)
	}
}

// TestAgentTokenForANewCluster: an agent token may be made for a cluster
// no agent has reported yet (a new cluster gets its token first), and the
// answer says so, naming it, since a misspelt name would file the agents'
// data under a cluster of its own; a reported cluster's token says nothing.
// GET /api/v1/tokens lists the reported clusters, for the form to offer.
func TestAgentTokenForANewCluster(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 1) // cluster prod
	createUser(t, db, "ada@example.com", "correct horse battery", tally.RoleAdmin)
	srv := serveDB(t, db, nil)
	ada := newClient(t, srv.URL)
	var me struct{ CSRFToken string }
	if err := json.Unmarshal([]byte(ada.want("POST", "/api/v1/auth/login", `{"email":"ada@example.com","password":"correct horse battery"}`, 200, "")), &me); err != nil {
		t.Fatal(err)
	}
	ada.csrf = me.CSRFToken
	var created struct {
		Secret, Notice string
	}
	body := ada.want("POST", "/api/v1/tokens", `{"name":"edge agents","kind":"agent","cluster":"edge-1"}`, 201, "tly_")
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}
	if want := `No agent has reported cluster "edge-1" yet: `; !strings.HasPrefix(created.Notice, want) || !strings.Contains(created.Notice, "prod") {
		t.Errorf("token for a new cluster: notice %q, want it to start %q and name the reported cluster prod", created.Notice, want)
	}
	body = ada.want("POST", "/api/v1/tokens", `{"name":"prod agents","kind":"agent","cluster":"prod"}`, 201, "tly_")
	if strings.Contains(body, "notice") {
		t.Errorf("token for a reported cluster: %s, want no notice", body)
	}
	var list struct{ Clusters []string }
	if err := json.Unmarshal([]byte(ada.want("GET", "/api/v1/tokens", "", 200, "edge agents")), &list); err != nil || !slices.Equal(list.Clusters, []string{"prod"}) {
		t.Errorf("tokens list clusters %q (%v), want [prod]", list.Clusters, err)
	}
}
