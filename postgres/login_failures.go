package postgres

import (
	"context"
	"fmt"
	"time"
)

// TakeLoginAttempt counts a password sign-in attempt under key, the
// SHA-256 of the email's or the client address's key, before its password
// is compared, and returns the attempts counted in its window, this one
// included, and how long until the window ends. A window is window long from the first attempt counted in it; an
// attempt after it starts a new one. It is one statement on the database's
// clock, so attempts at once, from any serve process, are each counted.
func (db *DB) TakeLoginAttempt(ctx context.Context, key []byte, window time.Duration) (n int, left time.Duration, err error) {
	var leftUS int64
	err = db.pool.QueryRow(ctx, `
		INSERT INTO login_failures AS f (key_hash, window_start, failures) VALUES ($1, now(), 1)
		ON CONFLICT (key_hash) DO UPDATE SET
			window_start = CASE WHEN f.window_start + $2::bigint * interval '1 microsecond' <= now() THEN now() ELSE f.window_start END,
			failures = CASE WHEN f.window_start + $2::bigint * interval '1 microsecond' <= now() THEN 1 ELSE f.failures + 1 END
		RETURNING failures, (extract(epoch FROM f.window_start + $2::bigint * interval '1 microsecond' - now()) * 1000000)::bigint`,
		key, window.Microseconds()).Scan(&n, &leftUS)
	if err != nil {
		return 0, 0, fmt.Errorf("count a sign-in attempt: %w", err)
	}
	return n, time.Duration(leftUS) * time.Microsecond, nil
}

// ClearLoginAttempts forgets the attempts counted under key (as
// TakeLoginAttempt's), once its email signed in, and those of windows that
// ended (window long), which no attempt will read again. Rows another attempt holds are left for the
// next time.
func (db *DB) ClearLoginAttempts(ctx context.Context, key []byte, window time.Duration) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM login_failures WHERE key_hash = $1`, key); err != nil {
		return fmt.Errorf("clear sign-in attempts: %w", err)
	}
	_, err := db.pool.Exec(ctx, `
		DELETE FROM login_failures WHERE key_hash IN (
			SELECT key_hash FROM login_failures WHERE window_start <= now() - $1::bigint * interval '1 microsecond'
			ORDER BY window_start LIMIT 1000 FOR UPDATE SKIP LOCKED)`, window.Microseconds())
	if err != nil {
		return fmt.Errorf("delete ended sign-in windows: %w", err)
	}
	return nil
}
