package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// CreateToken stores t (its secret's hash only). An agent token's cluster is
// recorded in clusters if new.
func (db *DB) CreateToken(ctx context.Context, t tally.Token) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var cluster *string
		if t.Cluster != "" {
			c := string(t.Cluster)
			cluster = &c
			if _, err := tx.Exec(ctx, `INSERT INTO clusters (cluster_id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING`, c); err != nil {
				return fmt.Errorf("record cluster %s: %w", c, err)
			}
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO tokens (token_id, kind, role, cluster_id, name, secret_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			t.ID, t.Kind, t.Role, cluster, t.Name, t.SecretHash, t.CreatedAt, nullTime(t.ExpiresAt))
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return nil
	})
}

// Token returns the token with id; a tally.ENotFound error when there is none.
func (db *DB) Token(ctx context.Context, id string) (tally.Token, error) {
	var t tally.Token
	var cluster *string
	var expires *time.Time
	err := db.pool.QueryRow(ctx, `
		SELECT token_id, kind, role, cluster_id, name, secret_hash, created_at, expires_at FROM tokens WHERE token_id = $1`, id).
		Scan(&t.ID, &t.Kind, &t.Role, &cluster, &t.Name, &t.SecretHash, &t.CreatedAt, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return tally.Token{}, tally.Errorf(tally.ENotFound, "no token %s", id)
	}
	if err != nil {
		return tally.Token{}, fmt.Errorf("look up token: %w", err)
	}
	if cluster != nil {
		t.Cluster = tally.ClusterID(*cluster)
	}
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), fromNullTime(expires)
	return t, nil
}

// TouchToken records that token id was used at t.
func (db *DB) TouchToken(ctx context.Context, id string, t time.Time) error {
	if _, err := db.pool.Exec(ctx, `UPDATE tokens SET last_used_at = $2 WHERE token_id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`, id, t); err != nil {
		return fmt.Errorf("touch token: %w", err)
	}
	return nil
}
