package web

import (
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/tallyhq/tally"
)

// dummyHash is compared against when the email is unknown, so a sign-in
// takes as long whether or not the user exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password of anyone"), bcrypt.DefaultCost)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// meResponse says who is signed in, with the CSRF token the dashboard sends
// back on state-changing requests.
type meResponse struct {
	Kind      string `json:"kind"`
	Email     string `json:"email,omitempty"`
	Role      string `json:"role"`
	TokenID   string `json:"tokenId,omitempty"`
	CSRFToken string `json:"csrfToken,omitempty"`
}

func principalView(p *Principal) meResponse {
	return meResponse{Kind: p.Kind, Email: p.Email, Role: p.Role, TokenID: p.TokenID, CSRFToken: p.csrf}
}

// login answers POST /api/v1/auth/login with {email, password}: a session cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.auth == nil {
		s.error(w, r, tally.Errorf(tally.ENotConfigured, "authentication is not configured on this server"))
		return
	}
	var req loginRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		s.error(w, r, tally.Errorf(tally.EInvalid, "sign-in body: want JSON {\"email\", \"password\"}"))
		return
	}
	key := emailKey(req.Email)
	tries, left, err := s.auth.TakeLoginAttempt(r.Context(), key, LoginFailureWindow)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if tries > LoginFailures {
		s.tooManyLogins(w, r, left)
		return
	}
	u, err := s.signInUser(r.Context(), req.Email)
	if err != nil && tally.ErrorCode(err) != tally.ENotFound {
		s.error(w, r, err)
		return
	}
	hash := []byte(u.PasswordHash)
	if err != nil {
		hash = dummyHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || err != nil {
		s.log.InfoContext(r.Context(), "sign-in refused", slog.String("email_sha256", logKey(key)), slog.Int("failures", tries))
		s.error(w, r, tally.Errorf(tally.EUnauthorized, "wrong email or password"))
		return
	}
	if err := s.auth.ClearLoginAttempts(r.Context(), key, LoginFailureWindow); err != nil {
		s.error(w, r, err)
		return
	}
	sess, err := s.startSession(w, r, u)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, meResponse{Kind: "session", Email: u.Email, Role: u.Role, CSRFToken: sess.CSRFToken})
}

// logout answers POST /api/v1/auth/logout: the session is deleted.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	if p.Kind == "session" {
		if err := s.auth.DeleteSession(r.Context(), p.session); err != nil {
			s.error(w, r, err)
			return
		}
	}
	clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// me answers GET /api/v1/auth/me.
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	writeJSON(w, http.StatusOK, principalView(p))
}

// demoLogin answers GET /login/demo?code=C: in `tally demo` only, the link it
// prints signs the browser in as the demo admin without typing a password.
func (s *Server) demoLogin(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	if s.demo.Code == "" || subtle.ConstantTimeCompare([]byte(code), []byte(s.demo.Code)) != 1 {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	u, err := s.auth.UserByEmail(r.Context(), s.demo.Email)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if _, err := s.startSession(w, r, u); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// DemoLogin enables GET /login/demo?code=Code, which signs a browser in as
// Email. Only `tally demo` sets it.
type DemoLogin struct {
	Email string
	Code  string
}

// safeNext keeps a post-sign-in redirect on this site: a path on it, with
// no scheme or host however a browser reads it. Browsers drop tabs and
// newlines from URLs and read a backslash as a slash, so "/\t/evil.example"
// would go off-site: any control character or backslash is refused.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsFunc(next, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == '\\'
	}) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}
