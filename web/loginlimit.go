package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// Password sign-ins allowed per client address: LoginsPerAddress within
// LoginAddressWindow of the first (an IPv6 client by its /64), after which
// the address is refused until the window ends.
//
// Failed password sign-ins allowed per email: LoginFailures within
// LoginFailureWindow of the first, after which the email is refused until
// the window ends. The per-address limit slows one guesser; this
// slows a guesser spread over many addresses to 40 guesses an hour per
// account. The cost is that anyone can hold an account's password sign-in
// shut for 15 minutes at a time by failing 10 times; sessions already signed
// in and API tokens are not affected.
//
// Both counts are the database's (AuthStore.TakeLoginAttempt, keyed by
// emailKey or addressKey), shared by every server on it and kept across
// restarts. Each attempt is counted before its password is compared, and a
// successful one clears its email's count, so attempts made at once get no
// more than LoginFailures comparisons between them.
// Unknown emails are counted like known ones, so the answers do not reveal
// which accounts exist.
const (
	LoginsPerAddress   = 20
	LoginAddressWindow = time.Minute
	LoginFailures      = 10
	LoginFailureWindow = 15 * time.Minute
)

// emailKey is the key of an email's sign-in attempts: the email normalized
// like the user store normalizes it (trimmed, lower case), hashed, so that
// neither the database nor the log holds the emails people tried.
func emailKey(email string) []byte {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return sum[:]
}

// addressKey is the key of a client address's sign-in attempts, hashed
// apart from every email's: an email key is of a lower-case text, and this
// one's text starts in upper case.
func addressKey(addr string) []byte {
	sum := sha256.Sum256([]byte("ADDRESS " + addr))
	return sum[:]
}

// limitLoginAddress counts a sign-in attempt of the request's client
// address, and refuses it past LoginsPerAddress until its window ends.
func (s *Server) limitLoginAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.auth == nil {
			next.ServeHTTP(w, r) // login says authentication is not configured
			return
		}
		tries, left, err := s.auth.TakeLoginAttempt(r.Context(), addressKey(clientKey(r)), LoginAddressWindow)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if tries > LoginsPerAddress {
			secs := retryAfter(w, left)
			s.error(w, r, tally.Errorf(tally.ERateLimited, "too many sign-ins from this address: try again in %d seconds", secs))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// logKey is the part of an email's key the log shows: enough to tell the
// refusals of one email from another's, not to look it up.
func logKey(key []byte) string {
	return hex.EncodeToString(key[:6])
}

// tooManyLogins refuses a sign-in whose email is over LoginFailures until
// its window ends, left from now.
func (s *Server) tooManyLogins(w http.ResponseWriter, r *http.Request, left time.Duration) {
	secs := retryAfter(w, left)
	s.error(w, r, tally.Errorf(tally.ERateLimited, "too many failed sign-ins for this email: try again in %d minutes",
		(secs+59)/60))
}

// retryAfter answers Retry-After: wait, in whole seconds rounded up (at
// least one), and returns them.
func retryAfter(w http.ResponseWriter, wait time.Duration) int {
	secs := int((max(wait, time.Second) + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}
