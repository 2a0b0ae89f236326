package postgres

import (
	"context"

	"github.com/tallyhq/tally"
)

// RoundTripMoney sends m as a numeric parameter and returns PostgreSQL's
// text of what it received, and whether that equals the numeric parsed
// from m's decimal text.
func (db *DB) RoundTripMoney(ctx context.Context, m tally.Money) (text string, equal bool, err error) {
	err = db.pool.QueryRow(ctx, `SELECT $1::numeric::text, $1::numeric = $2::text::numeric`, money(m), m.Decimal()).
		Scan(&text, &equal)
	return text, equal, err
}
