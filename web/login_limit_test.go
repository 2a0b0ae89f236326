package web_test

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
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
