package web

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tallyhq/tally"
)

// textProblem says why s is text no PostgreSQL text value holds ("is not
// UTF-8 text", "holds a NUL byte"), or "" when it is not. Both are a
// %-escape away in a URL; sent to the database in a lookup or a filter,
// the query fails.
func textProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not UTF-8 text"
	case strings.IndexByte(s, 0) >= 0:
		return "holds a NUL byte"
	}
	return ""
}

// checkText refuses (400) a request whose path or query parameters hold
// text no PostgreSQL text value holds (textProblem): it is the client's
// error, where the database's refusal was a server error. It runs after
// requireRole, so a request signed out is told to sign in first.
func (s *Server) checkText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := requestText(r); err != nil {
			s.error(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestText returns an EInvalid error naming the path or the first
// parameter (in name order) whose name or value textProblem refuses.
func requestText(r *http.Request) error {
	if why := textProblem(r.URL.Path); why != "" {
		return tally.Errorf(tally.EInvalid, "path %q %s", r.URL.Path, why)
	}
	q := r.URL.Query()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range append([]string{k}, q[k]...) {
			if why := textProblem(v); why != "" {
				return tally.Errorf(tally.EInvalid, "parameter %s: %q %s", strings.ToValidUTF8(k, "\uFFFD"), v, why)
			}
		}
	}
	return nil
}

// signInUser returns the user who signs in as email; an email no
// PostgreSQL text value holds is no one's (ENotFound).
func (s *Server) signInUser(ctx context.Context, email string) (tally.User, error) {
	if textProblem(email) != "" {
		return tally.User{}, tally.Errorf(tally.ENotFound, "no user %q", email)
	}
	return s.auth.UserByEmail(ctx, email)
}
