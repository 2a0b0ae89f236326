package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tallyhq/tally"
)

// querier is what pgxpool.Pool, pgx.Conn and pgx.Tx share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

// parseMoney reads a numeric column scanned as text.
func parseMoney(s string, cur string) (tally.Money, error) {
	m, err := tally.ParseMoney(s, tally.Currency(cur))
	if err != nil {
		return tally.Money{}, fmt.Errorf("numeric %q: %w", s, err)
	}
	return m, nil
}

// nullTime maps the zero time to NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// jsonMap encodes a string map for a jsonb column (nil → NULL when nullable is set).
func jsonMap(m map[string]string, nullable bool) any {
	if m == nil {
		if nullable {
			return nil
		}
		return map[string]string{}
	}
	return m
}

// rawJSON returns b, or {} when empty, for NOT NULL jsonb columns.
func rawJSON(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("{}")
	}
	return b
}
