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

// Failed password sign-ins allowed per email: LoginFailures within
// LoginFailureWindow of the first, after which the email is refused until
// the window ends. The per-address limit (20 a minute) slows one guesser; this
// slows a guesser spread over many addresses to 40 guesses an hour per
// account. The cost is that anyone can hold an account's password sign-in
// shut for 15 minutes at a time by failing 10 times; sessions already signed
// in and API tokens are not affected.
//
// The count is the database's (AuthStore.TakeLoginAttempt), shared by every
// server on it and kept across restarts. Each attempt is counted before its
// password is compared, and a successful one clears the count, so attempts
// made at once get no more than LoginFailures comparisons between them.
// Unknown emails are counted like known ones, so the answers do not reveal
// which accounts exist.
const (
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

// logKey is the part of an email's key the log shows: enough to tell the
// refusals of one email from another's, not to look it up.
func logKey(key []byte) string {
	return hex.EncodeToString(key[:6])
}

// tooManyLogins refuses a sign-in whose email is over LoginFailures until
// its window ends, left from now.
func (s *Server) tooManyLogins(w http.ResponseWriter, r *http.Request, left time.Duration) {
	left = max(left, time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(int((left+time.Second-1)/time.Second)))
	s.error(w, r, tally.Errorf(tally.ERateLimited, "too many failed sign-ins for this email: try again in %d minutes",
		int((left+time.Minute-1)/time.Minute)))
}
