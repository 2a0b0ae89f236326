package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/logtest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// loginServer serves sign-in for ada@example.com, believing X-Forwarded-For
// from trusted (httptest's clients connect from 127.0.0.1).
func loginServer(t *testing.T, trusted ...string) *httptest.Server {
	t.Helper()
	db := pgtest.New(t)
	createUser(t, db, "ada@example.com", "correct horse battery", tally.RoleAdmin)
	proxies, err := web.ParseTrustedProxies(trusted)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, TrustedProxies: proxies}))
	t.Cleanup(srv.Close)
	return srv
}

func loginBody(email, password string) string {
	return fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
}

// TestLoginLimitPerAddress: the per-address limit (20 a minute) counts the
// TCP peer unless the peer is a trusted proxy, so a client rotating
// X-Forwarded-For gets no extra guesses; behind a trusted proxy each real
// client has its own budget, and what a client prepends to the header does
// not change which one it is. Every attempt names a different email, so the
// per-email limit stays out of the way.
func TestLoginLimitPerAddress(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		xff     func(i int) string
		want429 bool
	}{
		{"untrusted peer rotating X-Forwarded-For", nil, func(i int) string { return fmt.Sprintf("10.9.0.%d", i) }, true},
		{"untrusted peer forging a chain", nil, func(i int) string { return fmt.Sprintf("198.51.100.%d, 10.9.0.%d", i, i) }, true},
		{"trusted proxy, distinct clients", []string{"127.0.0.1"}, func(i int) string { return fmt.Sprintf("203.0.113.%d", i) }, false},
		{"trusted proxy, one client spoofing to its left", []string{"127.0.0.0/8"}, func(i int) string { return fmt.Sprintf("198.51.100.%d, 203.0.113.7", i) }, true},
		{"trusted chain of two proxies", []string{"127.0.0.1/32", "10.0.0.0/8"}, func(i int) string { return fmt.Sprintf("198.51.100.%d, 203.0.113.7, 10.1.2.3", i) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := loginServer(t, tt.trusted...)
			c := newClient(t, srv.URL)
			var limited int
			for i := 1; i <= 25; i++ {
				code, body, _ := c.do("POST", "/api/v1/auth/login", loginBody("guess"+strconv.Itoa(i)+"@example.com", "wrong password"),
					"X-Forwarded-For", tt.xff(i), "True-Client-IP", tt.xff(i), "X-Real-IP", tt.xff(i))
				switch code {
				case 401:
				case 429:
					limited++
				default:
					t.Fatalf("attempt %d: %d %s", i, code, body)
				}
			}
			if want := map[bool]int{true: 5, false: 0}[tt.want429]; limited != want {
				t.Fatalf("25 attempts: %d refused with 429, want %d", limited, want)
			}
		})
	}
}

// TestLoginLimitPerEmail: after 10 failed sign-ins an email is refused for
// the rest of 15 minutes, whatever address the attempts come from and even
// with the right password; a successful sign-in starts the count again,
// other emails are not affected, and unknown emails are limited alike (the
// answer does not reveal who has an account).
func TestLoginLimitPerEmail(t *testing.T) {
	srv := loginServer(t, "127.0.0.1")
	c := newClient(t, srv.URL)
	addr := 0
	try := func(email, password string) (int, string, string) {
		addr++ // a different client each time: the per-address limit stays out of the way
		code, body, h := c.do("POST", "/api/v1/auth/login", loginBody(email, password), "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", addr))
		return code, body, h.Get("Retry-After")
	}
	for i := 1; i < web.LoginFailures; i++ {
		if code, body, _ := try("ada@example.com", "wrong password"); code != 401 {
			t.Fatalf("failure %d: %d %s", i, code, body)
		}
	}
	if code, body, _ := try("ada@example.com", "correct horse battery"); code != 200 {
		t.Fatalf("sign-in after %d failures: %d %s", web.LoginFailures-1, code, body)
	}
	for _, email := range []string{"ada@example.com", "nobody@example.com"} {
		for i := 1; i <= web.LoginFailures; i++ {
			if code, body, _ := try(email, "wrong password"); code != 401 {
				t.Fatalf("%s failure %d: %d %s", email, i, code, body)
			}
		}
	}
	for _, email := range []string{"ada@example.com", " ADA@example.com", "nobody@example.com"} {
		code, body, retry := try(email, "correct horse battery")
		if code != 429 || !strings.Contains(body, "too many failed sign-ins") {
			t.Fatalf("%q after %d failures: %d %s", email, web.LoginFailures, code, body)
		}
		if s, _ := strconv.Atoi(retry); s < 14*60 || s > 15*60 {
			t.Fatalf("%q: Retry-After %q, want about 15 minutes", email, retry)
		}
	}
	if code, body, _ := try("eve@example.com", "wrong password"); code != 401 {
		t.Fatalf("another email: %d %s", code, body)
	}
}

// sharedLoginServers serves sign-in for ada@example.com from n servers on
// one database, as replicas behind a load balancer are, each believing
// X-Forwarded-For from httptest's clients; it returns the database's URL.
func sharedLoginServers(t *testing.T, n int, log io.Writer) (string, []*httptest.Server) {
	t.Helper()
	url := pgtest.NewURL(t, true)
	var srvs []*httptest.Server
	for i := range n {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		if i == 0 {
			createUser(t, db, "ada@example.com", "correct horse battery", tally.RoleAdmin)
		}
		srvs = append(srvs, newLoginServer(t, db, log))
	}
	return url, srvs
}

// newLoginServer is a server of db that believes X-Forwarded-For from
// httptest's clients.
func newLoginServer(t *testing.T, db *postgres.DB, log io.Writer) *httptest.Server {
	t.Helper()
	proxies, err := web.ParseTrustedProxies([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, TrustedProxies: proxies,
		Logger: slog.New(slog.NewTextHandler(log, nil))}))
	t.Cleanup(srv.Close)
	return srv
}

// tryLogin signs in to srv as email from client address n, and returns the
// answer's status.
func tryLogin(t *testing.T, srv *httptest.Server, n int, email, password string) int {
	t.Helper()
	code, _, _ := newClient(t, srv.URL).do("POST", "/api/v1/auth/login", loginBody(email, password),
		"X-Forwarded-For", fmt.Sprintf("203.0.%d.%d", n/250, n%250+1))
	return code
}

// TestLoginFailuresSharedAcrossServers: the per-email count is the
// database's, so two servers behind a load balancer share it (5 failures
// on each lock the email on both), and a restarted server (a new one on the
// same database) still refuses it; a guesser got the limit on each replica,
// and again after each restart. The log names no email.
func TestLoginFailuresSharedAcrossServers(t *testing.T) {
	var log logtest.Buffer
	url, srvs := sharedLoginServers(t, 2, &log)
	for i := range web.LoginFailures {
		if code := tryLogin(t, srvs[i%2], i, "ada@example.com", "wrong password"); code != 401 {
			t.Fatalf("failure %d on server %d: %d", i+1, i%2, code)
		}
	}
	for i, srv := range srvs {
		if code := tryLogin(t, srv, 100+i, "ada@example.com", "correct horse battery"); code != 429 {
			t.Errorf("server %d after %d failures shared by two: %d, want 429", i, web.LoginFailures, code)
		}
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if code := tryLogin(t, newLoginServer(t, db, &log), 200, "ada@example.com", "correct horse battery"); code != 429 {
		t.Errorf("a restarted server: %d, want 429", code)
	}
	if strings.Contains(log.String(), "ada@example.com") {
		t.Errorf("the log names the email:\n%s", log.String())
	}
}

// TestLoginFailuresCountedConcurrently: guesses sent at once to two
// servers are each counted, so no more than LoginFailures of them get to
// try a password (401); the others are refused (429).
func TestLoginFailuresCountedConcurrently(t *testing.T) {
	_, srvs := sharedLoginServers(t, 2, io.Discard)
	codes := make([]int, 2*web.LoginFailures)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() { codes[i] = tryLogin(t, srvs[i%2], i, "ada@example.com", "wrong password") })
	}
	wg.Wait()
	tried := 0
	for i, code := range codes {
		switch code {
		case 401:
			tried++
		case 429:
		default:
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if tried != web.LoginFailures {
		t.Fatalf("%d guesses at once: %d tried a password, want %d", len(codes), tried, web.LoginFailures)
	}
}

// TestLoginFailuresWindowEnds: once LoginFailureWindow has passed since an
// email's first failure, it may sign in again, and a new failure starts a
// new count.
func TestLoginFailuresWindowEnds(t *testing.T) {
	url, srvs := sharedLoginServers(t, 1, io.Discard)
	for i := range web.LoginFailures {
		if code := tryLogin(t, srvs[0], i, "ada@example.com", "wrong password"); code != 401 {
			t.Fatalf("failure %d: %d", i+1, code)
		}
	}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	age := func(d time.Duration) {
		if _, err := conn.Exec(context.Background(), `UPDATE login_failures SET window_start = window_start - $1::bigint * interval '1 second'`,
			int64(d/time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	age(web.LoginFailureWindow - time.Minute)
	if code := tryLogin(t, srvs[0], 50, "ada@example.com", "correct horse battery"); code != 429 {
		t.Fatalf("a minute before the window ends: %d, want 429", code)
	}
	age(time.Minute)
	if code := tryLogin(t, srvs[0], 51, "ada@example.com", "wrong password"); code != 401 {
		t.Fatalf("once the window ended: %d, want 401", code)
	}
	for i := 1; i < web.LoginFailures; i++ {
		if code := tryLogin(t, srvs[0], 60+i, "ada@example.com", "wrong password"); code != 401 {
			t.Fatalf("failure %d of the new window: %d", i+1, code)
		}
	}
	if code := tryLogin(t, srvs[0], 80, "ada@example.com", "correct horse battery"); code != 429 {
		t.Fatalf("after %d failures in the new window: %d, want 429", web.LoginFailures, code)
	}
}

// TestLoginLimitPerAddressShared: the per-address limit (LoginsPerAddress
// a minute) is the database's, as the per-email one: one client's
// attempts spread over two servers on one database, each naming another
// email, get LoginsPerAddress answers between them, the others 429 with
// a Retry-After of at most a minute, and a restarted server still refuses
// it. Each process counted its own, so N replicas gave a client N×20
// guesses a minute, and a restart a fresh 20.
func TestLoginLimitPerAddressShared(t *testing.T) {
	url, srvs := sharedLoginServers(t, 2, io.Discard)
	const client = 7 // one X-Forwarded-For address for every attempt
	try := func(srv *httptest.Server, i int) (int, string, string) {
		code, body, h := newClient(t, srv.URL).do("POST", "/api/v1/auth/login", loginBody("guess"+strconv.Itoa(i)+"@example.com", "wrong password"),
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", client))
		return code, body, h.Get("Retry-After")
	}
	answered := 0
	for i := range 2 * web.LoginsPerAddress {
		code, body, retry := try(srvs[i%2], i)
		switch code {
		case 401:
			answered++
		case 429:
			if s, _ := strconv.Atoi(retry); s < 1 || s > 60 || !strings.Contains(body, "too many sign-ins from this address") {
				t.Fatalf("attempt %d refused: Retry-After %q, %s", i+1, retry, body)
			}
		default:
			t.Fatalf("attempt %d: %d %s", i+1, code, body)
		}
	}
	if answered != web.LoginsPerAddress {
		t.Fatalf("%d attempts from one address over two servers: %d answered, want %d", 2*web.LoginsPerAddress, answered, web.LoginsPerAddress)
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if code, body, _ := try(newLoginServer(t, db, io.Discard), 1000); code != 429 {
		t.Errorf("a restarted server: %d %s, want 429", code, body)
	}
}
