package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tallyhq/tally"
)

// AuthStore keeps users, sessions and bearer tokens.
type AuthStore interface {
	UserByEmail(ctx context.Context, email string) (tally.User, error)
	CreateSession(ctx context.Context, s tally.Session) error
	Session(ctx context.Context, hash []byte) (tally.Session, error)
	DeleteSession(ctx context.Context, hash []byte) error
	Token(ctx context.Context, id string) (tally.Token, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
	// TakeLoginAttempt counts a password sign-in attempt of the email
	// whose SHA-256 is key and returns the attempts counted in its window
	// (window long from the first), this one included, and how long until
	// it ends. Attempts at once, on any server of the store, each count.
	TakeLoginAttempt(ctx context.Context, key []byte, window time.Duration) (n int, left time.Duration, err error)
	// ClearLoginAttempts forgets key's attempts once it signed in.
	ClearLoginAttempts(ctx context.Context, key []byte, window time.Duration) error
}

// SessionCookie is the name of the session cookie.
const SessionCookie = "tally_session"

// CSRFHeader carries a session's CSRF token on state-changing requests.
const CSRFHeader = "X-CSRF-Token"

// DefaultSessionTTL is how long a session lasts after sign-in.
const DefaultSessionTTL = 12 * time.Hour

// sessionCookieGrace is how long a session cookie outlives its session. The
// browser then still sends it after the session has ended, and the server
// can tell a session that timed out (the sign-in form says it expired) from
// a first visit; the server refuses the ended session's secret either way.
const sessionCookieGrace = 30 * 24 * time.Hour

// Principal is who a request acts as: a signed-in user, an API token (acting
// with the token's role) or an agent token (which can only ingest).
type Principal struct {
	Kind    string // "session", tally.TokenAPI or tally.TokenAgent
	Role    string // tally.RoleViewer, RoleAdmin or RoleAgent
	Email   string // the user, for sessions
	TokenID string // for tokens
	Cluster tally.ClusterID
	csrf    string
	session []byte
	// user is whom the principal acts for: a session's user, or an API
	// token's creator (zero when not recorded). Tokens it makes are theirs.
	user tally.User
}

type principalKey struct{}

// PrincipalFrom returns the authenticated principal of a request's context.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok
}

func withPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// sessionEndedKey marks a request whose session cookie named a session that
// has ended (expired, signed out elsewhere, revoked).
type sessionEndedKey struct{}

// sessionEnded reports whether the request's session cookie named a
// session that has ended.
func sessionEnded(ctx context.Context) bool {
	ended, _ := ctx.Value(sessionEndedKey{}).(bool)
	return ended
}

// HashPassword hashes a password with bcrypt for storing.
func HashPassword(password string) (string, error) {
	if len(password) < 8 {
		return "", tally.Errorf(tally.EInvalid, "password: want at least 8 characters")
	}
	if len(password) > 72 {
		return "", tally.Errorf(tally.EInvalid, "password: want at most 72 bytes (bcrypt's limit)")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// tokenPrefix starts every bearer token: tly_<id>_<secret>.
const tokenPrefix = "tly_"

// NewToken returns a token's full bearer value and the token with its id and
// secret hash set; the caller sets kind, role, cluster, name and expiry.
func NewToken() (string, tally.Token) {
	id := hex.EncodeToString(randomBytes(6))
	secret := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	sum := sha256.Sum256([]byte(secret))
	return tokenPrefix + id + "_" + secret, tally.Token{ID: id, SecretHash: sum[:]}
}

// parseToken splits a bearer value into id and secret. An id is lower-case
// hex (NewToken's), so one that is not is no token's.
func parseToken(v string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(v, tokenPrefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	if id == "" || len(id) > 64 || strings.Trim(id, "0123456789abcdef") != "" {
		return "", "", false
	}
	return id, secret, ok
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return b
}

func hashSecret(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// authenticate finds the request's principal: a bearer token first, else the
// session cookie. A request with bad credentials is refused at once; one with
// none goes on without a principal.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.auth == nil {
			next.ServeHTTP(w, r)
			return
		}
		var p *Principal
		var err error
		if h := r.Header.Get("Authorization"); isBearer(h) {
			if p, err = s.bearer(r.Context(), h); tally.ErrorCode(err) == tally.EUnauthorized {
				// RFC 6750 §3: a refused token is told so, as a missing one is.
				w.Header().Set("WWW-Authenticate", `Bearer realm="tally", error="invalid_token"`)
			}
		} else if c, cerr := r.Cookie(SessionCookie); cerr == nil && c.Value != "" {
			p, err = s.sessionPrincipal(r.Context(), c.Value)
			if tally.ErrorCode(err) == tally.EUnauthorized {
				clearSessionCookie(w, r)
				err, p = nil, nil // an expired session is no session: pages redirect to sign-in, which says it ended
				r = r.WithContext(context.WithValue(r.Context(), sessionEndedKey{}, true))
			}
		}
		if err != nil {
			s.error(w, r, err)
			return
		}
		if p != nil {
			r = r.WithContext(withPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// isBearer reports whether an Authorization header holds a bearer token.
// The scheme's name is case-insensitive, as HTTP's are (RFC 9110 §11.1).
// Another scheme's credentials (a proxy's Basic) are not Tally's: the
// request goes on as if it had none, so the probes still answer.
func isBearer(header string) bool {
	scheme, _, _ := strings.Cut(header, " ")
	return strings.EqualFold(scheme, "Bearer")
}

// bearer returns the principal of an Authorization header's bearer token.
func (s *Server) bearer(ctx context.Context, header string) (*Principal, error) {
	_, v, _ := strings.Cut(header, " ")
	id, secret, ok := parseToken(strings.TrimSpace(v))
	if !ok {
		return nil, tally.Errorf(tally.EUnauthorized, "bearer token: not a Tally token (tly_…)")
	}
	t, err := s.auth.Token(ctx, id)
	if tally.ErrorCode(err) == tally.ENotFound {
		return nil, tally.Errorf(tally.EUnauthorized, "bearer token: unknown or revoked")
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(t.SecretHash, hashSecret(secret)) != 1 {
		return nil, tally.Errorf(tally.EUnauthorized, "bearer token: unknown or revoked")
	}
	now := time.Now() // wall clock, like the database's: s.now only anchors report windows
	if !t.RevokedAt.IsZero() {
		return nil, tally.Errorf(tally.EUnauthorized, "bearer token %s was revoked at %s: %s", t.ID, t.RevokedAt.Format(time.RFC3339), t.Revoked)
	}
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return nil, tally.Errorf(tally.EUnauthorized, "bearer token %s expired at %s", t.ID, t.ExpiresAt.Format(time.RFC3339))
	}
	if err := s.auth.TouchToken(ctx, t.ID, now); err != nil { // bookkeeping only: the request goes on
		s.log.WarnContext(ctx, "record a token's last use", slog.String("token", t.ID), slog.Any("err", err))
	}
	return &Principal{Kind: t.Kind, Role: t.Role, TokenID: t.ID, Cluster: t.Cluster,
		user: tally.User{ID: t.CreatorID, Email: t.CreatedBy}}, nil
}

func (s *Server) sessionPrincipal(ctx context.Context, cookie string) (*Principal, error) {
	h := hashSecret(cookie)
	sess, err := s.auth.Session(ctx, h)
	if tally.ErrorCode(err) == tally.ENotFound {
		return nil, tally.Errorf(tally.EUnauthorized, "session expired: sign in again")
	}
	if err != nil {
		return nil, err
	}
	return &Principal{Kind: "session", Role: sess.User.Role, Email: sess.User.Email, csrf: sess.CSRFToken, session: h, user: sess.User}, nil
}

// roleRank orders the roles people act with.
var roleRank = map[string]int{tally.RoleViewer: 1, tally.RoleAdmin: 2}

// requireRole admits users and API tokens with at least role. Agent tokens
// are refused: they can only ingest. Sessions must send their CSRF token on
// state-changing requests. Answers are marked Cache-Control: no-store.
func (s *Server) requireRole(role string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := PrincipalFrom(r.Context())
			switch {
			case !ok && s.auth == nil:
				s.error(w, r, tally.Errorf(tally.ENotConfigured, "authentication is not configured on this server"))
			case !ok:
				w.Header().Set("WWW-Authenticate", `Bearer realm="tally"`)
				s.error(w, r, tally.Errorf(tally.EUnauthorized, "sign in, or send an API token as Authorization: Bearer tly_…"))
			case p.Kind == tally.TokenAgent:
				s.error(w, r, tally.Errorf(tally.EForbidden, "agent tokens can only ingest (POST /api/v1/ingest/agent)"))
			case roleRank[p.Role] < roleRank[role]:
				s.error(w, r, tally.Errorf(tally.EForbidden, "this needs the %s role; you are %s", role, p.Role))
			case p.Kind == "session" && !safeMethod(r.Method) && !validCSRF(p, r.Header.Get(CSRFHeader)):
				s.error(w, r, tally.Errorf(tally.EForbidden, "missing or wrong %s header: reload the page", CSRFHeader))
			default:
				// Everything behind sign-in is the organization's costs (or
				// a secret): no cache, shared or private, may keep it, be it
				// JSON, a CSV or pprof export, or /metrics.
				w.Header().Set("Cache-Control", "no-store")
				next.ServeHTTP(w, r)
			}
		})
	}
}

// requireAgent admits only agent tokens (for the ingest endpoint); the
// principal's Cluster is the cluster the token may write.
func (s *Server) requireAgent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFrom(r.Context())
		switch {
		case !ok && s.auth == nil:
			s.error(w, r, tally.Errorf(tally.ENotConfigured, "authentication is not configured on this server"))
		case !ok:
			s.error(w, r, tally.Errorf(tally.EUnauthorized, "send the agent token as Authorization: Bearer tly_…"))
		case p.Kind != tally.TokenAgent:
			s.error(w, r, tally.Errorf(tally.EForbidden, "only agent tokens can ingest"))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func validCSRF(p *Principal, got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(p.csrf)) == 1
}

// startSession signs user in: a new session row and its cookie, Secure when
// the request came over HTTPS (directly, through a trusted proxy, or under
// an https:// PublicURL).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u tally.User) (tally.Session, error) {
	secret := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	now := time.Now() // the database expires sessions by its wall clock
	sess := tally.Session{Hash: hashSecret(secret), User: u, CSRFToken: base64.RawURLEncoding.EncodeToString(randomBytes(24)),
		CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL)}
	if err := s.auth.CreateSession(r.Context(), sess); err != nil {
		return sess, err
	}
	kept := s.sessionTTL + sessionCookieGrace
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", Expires: now.Add(kept),
		MaxAge: int(kept / time.Second), HttpOnly: true, Secure: peerOf(r).https, SameSite: http.SameSiteLaxMode})
	return sess, nil
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: peerOf(r).https, SameSite: http.SameSiteLaxMode})
}
