package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tallyhq/tally"
)

// takeAgentBatch is one batch's turn at its token's bucket (migration 033),
// in one statement. A token's first batch finds a full bucket and takes one
// of its burst. Later ones refill the bucket at $2 a second, up to $3, for
// the time since it was last left, on the database's clock, and take one if
// there is one; they return whether they did and, if not, the seconds until
// there is one. Batches at the same bucket take turns on its row, so no two
// take the same batch; one that read the clock before the last took its
// turn refills nothing (greatest) rather than emptying the bucket.
const takeAgentBatch = `
INSERT INTO agent_rate_buckets AS b (token_id, tokens, at, took)
VALUES ($1, $3::float8 - 1, clock_timestamp(), true)
ON CONFLICT (token_id) DO UPDATE SET (tokens, at, took) = (
    SELECT CASE WHEN level >= 1 THEN level - 1 ELSE level END, left_at, level >= 1
    FROM (SELECT least($3::float8, b.tokens + $2::float8 * greatest(0, extract(epoch FROM excluded.at - b.at)::float8)) AS level,
                 greatest(b.at, excluded.at) AS left_at) refilled)
RETURNING took, CASE WHEN took THEN 0 ELSE (1 - tokens) / $2::float8 END`

// TakeAgentBatch takes one batch from the rate limit of agent token tokenID:
// a token bucket of burst batches refilled at perSecond, which every serve
// process of the database shares. It returns 0 if it took one, and
// otherwise how long until there is one (and takes nothing). A token that
// no longer exists (revoked since its request was admitted) is
// EUnauthorized.
func (db *DB) TakeAgentBatch(ctx context.Context, tokenID string, perSecond float64, burst int) (time.Duration, error) {
	if !(perSecond > 0) || burst < 1 {
		return 0, fmt.Errorf("agent rate limit of token %s: want a rate above 0 and a burst of at least 1, not %g and %d", tokenID, perSecond, burst)
	}
	var took bool
	var wait float64
	err := db.pool.QueryRow(ctx, takeAgentBatch, tokenID, perSecond, burst).Scan(&took, &wait)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
		return 0, tally.Errorf(tally.EUnauthorized, "agent token %s was revoked", tokenID)
	}
	if err != nil {
		return 0, fmt.Errorf("agent rate limit of token %s: %w", tokenID, err)
	}
	if took {
		return 0, nil
	}
	// At least a microsecond: the bucket had less than one batch.
	return max(time.Microsecond, time.Duration(math.Ceil(wait*float64(time.Second)))), nil
}
