package web

import (
	"crypto/sha256"
	"strings"
	"sync"
	"time"
)

// Failed password sign-ins allowed per email: LoginFailures within
// LoginFailureWindow of the first, after which the email is refused until
// the window ends. The per-address limit (20 a minute) slows one guesser; this
// slows a guesser spread over many addresses to 40 guesses an hour per
// account. The cost is that anyone can hold an account's password sign-in
// shut for 15 minutes at a time by failing 10 times; sessions already signed
// in and API tokens are not affected.
const (
	LoginFailures      = 10
	LoginFailureWindow = 15 * time.Minute
)

// loginLimiter counts failed sign-ins per email, in memory (per process).
// Unknown emails are counted like known ones, so its answers do not reveal
// which accounts exist. Entries are created only after a bcrypt comparison
// (tens of milliseconds of CPU each), which bounds how fast the map can
// grow; expired entries are swept once a window.
type loginLimiter struct {
	mu    sync.Mutex
	fails map[[sha256.Size]byte]failCount
	swept time.Time
}

// failCount is an email's failures since start.
type failCount struct {
	start time.Time
	n     int
}

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{fails: map[[sha256.Size]byte]failCount{}}
}

// emailKey is the limiter's key for an email, normalized like the user
// store normalizes it (trimmed, lower case) and hashed to a fixed size.
func emailKey(email string) [sha256.Size]byte {
	return sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
}

// blocked returns how long until email may try again, or 0.
func (l *loginLimiter) blocked(email string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.fails[emailKey(email)]
	if !ok || f.n < LoginFailures {
		return 0
	}
	return max(f.start.Add(LoginFailureWindow).Sub(now), 0)
}

// fail counts a failed sign-in for email.
func (l *loginLimiter) fail(email string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) >= LoginFailureWindow {
		for k, f := range l.fails {
			if !now.Before(f.start.Add(LoginFailureWindow)) {
				delete(l.fails, k)
			}
		}
		l.swept = now
	}
	k := emailKey(email)
	f := l.fails[k]
	if f.n == 0 || !now.Before(f.start.Add(LoginFailureWindow)) {
		f = failCount{start: now}
	}
	f.n++
	l.fails[k] = f
}

// reset forgets email's failures after it signs in.
func (l *loginLimiter) reset(email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, emailKey(email))
}
