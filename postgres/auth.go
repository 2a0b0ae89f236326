package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tallyhq/tally"
)

// CreateUser stores a new user; an email already taken is EConflict.
func (db *DB) CreateUser(ctx context.Context, u tally.User) (tally.User, error) {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	err := db.pool.QueryRow(ctx, `
		INSERT INTO users (email, password_hash, role) VALUES ($1, $2, $3) RETURNING user_id, created_at`,
		u.Email, u.PasswordHash, u.Role).Scan(&u.ID, &u.CreatedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return u, tally.Errorf(tally.EConflict, "user %s already exists", u.Email)
	}
	if err != nil {
		return u, fmt.Errorf("create user %s: %w", u.Email, err)
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}

// SetPassword replaces a user's password hash and role, and signs the user
// out everywhere; a viewer's admin tokens are revoked (see SetRole). An
// unknown email is ENotFound; making the last admin a viewer is EConflict.
func (db *DB) SetPassword(ctx context.Context, email, hash, role string) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		id, err := keepAnAdmin(ctx, tx, email, role)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, role = $3 WHERE user_id = $1`, id, hash, role); err != nil {
			return fmt.Errorf("set password of %s: %w", email, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return fmt.Errorf("sign out %s: %w", email, err)
		}
		return revokeAdminTokens(ctx, tx, id, email, role)
	})
}

// SetRole changes a user's role. Sessions read the role on every request, so
// it applies to the user's next one; made a viewer, the admin API tokens
// they made are revoked with it. An unknown email is ENotFound; making the
// last admin a viewer is EConflict.
func (db *DB) SetRole(ctx context.Context, email, role string) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		id, err := keepAnAdmin(ctx, tx, email, role)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET role = $2 WHERE user_id = $1`, id, role); err != nil {
			return fmt.Errorf("set role of %s: %w", email, err)
		}
		return revokeAdminTokens(ctx, tx, id, email, role)
	})
}

// DeleteUser deletes a user, and with them their sessions, and revokes
// the API tokens they made: they stay listed, revoked. Agent tokens they
// made are left working: they belong to a cluster, whose usage would
// otherwise stop coming in. An unknown email is ENotFound; the last admin
// is EConflict.
func (db *DB) DeleteUser(ctx context.Context, email string) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		id, err := keepAnAdmin(ctx, tx, email, "")
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE tokens SET revoked_at = now(), revoked_why = $2
			WHERE creator_id = $1 AND kind = 'api' AND revoked_at IS NULL`, id, "its creator "+normEmail(email)+" was deleted")
		if err != nil {
			return fmt.Errorf("revoke the API tokens of %s: %w", email, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM users WHERE user_id = $1`, id); err != nil {
			return fmt.Errorf("delete user %s: %w", email, err)
		}
		return nil
	})
}

// revokeAdminTokens revokes the admin API tokens the user id made when
// their role is no longer admin: a viewer can neither make nor use one.
func revokeAdminTokens(ctx context.Context, tx pgx.Tx, id int64, email, role string) error {
	if role == tally.RoleAdmin {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = now(), revoked_why = $2
		WHERE creator_id = $1 AND role = 'admin' AND revoked_at IS NULL`, id, "its creator "+normEmail(email)+" was made a "+role)
	if err != nil {
		return fmt.Errorf("revoke the admin tokens of %s: %w", email, err)
	}
	return nil
}

// normEmail is an email as users stores it: trimmed, lower case.
func normEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// keepAnAdmin returns the id of the user with email, who is to have role
// ("" once deleted), or EConflict when they are the last admin and would
// no longer be one: nobody could then manage users and tokens from the
// dashboard. It locks the admins' rows, so two admins demoting each other
// at once leave one.
func keepAnAdmin(ctx context.Context, tx pgx.Tx, email, role string) (int64, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	rows, err := tx.Query(ctx, `SELECT email FROM users WHERE role = 'admin' ORDER BY user_id FOR UPDATE`)
	if err != nil {
		return 0, fmt.Errorf("lock admins: %w", err)
	}
	admins, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("lock admins: %w", err)
	}
	var id int64
	err = tx.QueryRow(ctx, `SELECT user_id FROM users WHERE email = $1 FOR UPDATE`, email).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, tally.Errorf(tally.ENotFound, "no user %s", email)
	}
	if err != nil {
		return 0, fmt.Errorf("look up user %s: %w", email, err)
	}
	if role != tally.RoleAdmin && len(admins) == 1 && admins[0] == email {
		return 0, tally.Errorf(tally.EConflict, "%s is the last admin: make another user admin first", email)
	}
	return id, nil
}

// UserByEmail returns the user with email, or ENotFound.
func (db *DB) UserByEmail(ctx context.Context, email string) (tally.User, error) {
	var u tally.User
	err := db.pool.QueryRow(ctx, `SELECT user_id, email, password_hash, role, created_at FROM users WHERE email = $1`,
		strings.ToLower(strings.TrimSpace(email))).Scan(&u.ID, &u.Email, &u.PasswordHash, &u.Role, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, tally.Errorf(tally.ENotFound, "no user %s", email)
	}
	if err != nil {
		return u, fmt.Errorf("look up user: %w", err)
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}

// Users lists every user by email.
func (db *DB) Users(ctx context.Context) ([]tally.User, error) {
	rows, err := db.pool.Query(ctx, `SELECT user_id, email, role, created_at FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.User, error) {
		var u tally.User
		err := r.Scan(&u.ID, &u.Email, &u.Role, &u.CreatedAt)
		u.CreatedAt = u.CreatedAt.UTC()
		return u, err
	})
}

// CreateSession stores a session and deletes expired ones.
func (db *DB) CreateSession(ctx context.Context, s tally.Session) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at < now()`); err != nil {
		return fmt.Errorf("delete expired sessions: %w", err)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO sessions (session_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		s.Hash, s.User.ID, s.CSRFToken, s.CreatedAt, s.ExpiresAt)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session returns the unexpired session with hash and its user, or ENotFound.
func (db *DB) Session(ctx context.Context, hash []byte) (tally.Session, error) {
	s := tally.Session{Hash: hash}
	err := db.pool.QueryRow(ctx, `
		SELECT s.csrf_token, s.created_at, s.expires_at, u.user_id, u.email, u.role, u.created_at
		FROM sessions s JOIN users u USING (user_id)
		WHERE s.session_hash = $1 AND s.expires_at > now()`, hash).
		Scan(&s.CSRFToken, &s.CreatedAt, &s.ExpiresAt, &s.User.ID, &s.User.Email, &s.User.Role, &s.User.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, tally.Errorf(tally.ENotFound, "no such session")
	}
	if err != nil {
		return s, fmt.Errorf("look up session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt, s.User.CreatedAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC(), s.User.CreatedAt.UTC()
	return s, nil
}

// DeleteSession signs a session out.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE session_hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// CreateToken stores a token; an id already taken is EConflict.
func (db *DB) CreateToken(ctx context.Context, t tally.Token) (tally.Token, error) {
	var cluster *string
	if t.Kind == tally.TokenAgent {
		c := string(t.Cluster)
		cluster = &c
	}
	var createdBy *string
	var creator *int64
	if t.CreatorID != 0 {
		createdBy, creator = &t.CreatedBy, &t.CreatorID
	}
	err := db.pool.QueryRow(ctx, `
		INSERT INTO tokens (token_id, kind, role, cluster_id, name, secret_hash, expires_at, created_by, creator_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING created_at`,
		t.ID, t.Kind, t.Role, cluster, t.Name, t.SecretHash, nullTime(t.ExpiresAt), createdBy, creator).Scan(&t.CreatedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return t, tally.Errorf(tally.EConflict, "token %s already exists", t.ID)
	}
	if errors.As(err, &pgErr) && pgErr.Code == "23514" {
		return t, tally.Errorf(tally.EInvalid, "token %s: kind %s, role %s: %s", t.ID, t.Kind, t.Role, pgErr.Message)
	}
	if err != nil {
		return t, fmt.Errorf("create token: %w", err)
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return t, nil
}

const tokenColumns = `token_id, kind, role, coalesce(cluster_id, ''), name, secret_hash, created_at, expires_at, last_used_at,
	coalesce(created_by, ''), coalesce(creator_id, 0), revoked_at, coalesce(revoked_why, '')`

func scanToken(r pgx.Row) (tally.Token, error) {
	var t tally.Token
	var cluster string
	var expires, used, revoked *time.Time
	err := r.Scan(&t.ID, &t.Kind, &t.Role, &cluster, &t.Name, &t.SecretHash, &t.CreatedAt, &expires, &used,
		&t.CreatedBy, &t.CreatorID, &revoked, &t.Revoked)
	if err != nil {
		return t, err
	}
	t.Cluster, t.CreatedAt, t.ExpiresAt, t.LastUsedAt = tally.ClusterID(cluster), t.CreatedAt.UTC(), fromNullTime(expires), fromNullTime(used)
	t.RevokedAt = fromNullTime(revoked)
	return t, nil
}

// Token returns the token with id, revoked or not, or ENotFound.
func (db *DB) Token(ctx context.Context, id string) (tally.Token, error) {
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE token_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, tally.Errorf(tally.ENotFound, "no token %s", id)
	}
	if err != nil {
		return t, fmt.Errorf("look up token: %w", err)
	}
	return t, nil
}

// TouchToken records that a token was used, at most once a minute.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE tokens SET last_used_at = $2
		WHERE token_id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`, id, at)
	if err != nil {
		return fmt.Errorf("touch token: %w", err)
	}
	return nil
}

// Tokens lists every token, revoked ones included, newest first.
func (db *DB) Tokens(ctx context.Context) ([]tally.Token, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at DESC, token_id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Token, error) { return scanToken(r) })
}

// DeleteToken revokes a token; an unknown id is ENotFound.
func (db *DB) DeleteToken(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM tokens WHERE token_id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return tally.Errorf(tally.ENotFound, "no token %s", id)
	}
	return nil
}

// settingCost is the settings key of the shared-cost rules.
const settingCost = "cost"

// CostSettings returns the stored shared-cost rules, or the zero value when
// none are stored.
func (db *DB) CostSettings(ctx context.Context) (tally.CostSettings, error) {
	var s tally.CostSettings
	if _, err := db.Setting(ctx, settingCost, &s); err != nil {
		return s, fmt.Errorf("read cost settings: %w", err)
	}
	return s, nil
}

// SaveCostSettings stores the shared-cost rules.
func (db *DB) SaveCostSettings(ctx context.Context, s tally.CostSettings, by string) error {
	if err := db.PutSetting(ctx, settingCost, s, by); err != nil {
		return fmt.Errorf("save cost settings: %w", err)
	}
	return nil
}

// Setting decodes the JSON setting named key into v; found is false (and v
// untouched) when it is not set.
func (db *DB) Setting(ctx context.Context, key string, v any) (found bool, err error) {
	var raw []byte
	err = db.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read setting %s: %w", key, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("read setting %s: %w", key, err)
	}
	return true, nil
}

// PutSetting stores v as the JSON setting named key.
func (db *DB) PutSetting(ctx context.Context, key string, v any, by string) error {
	_, err := db.pool.Exec(ctx, `
		INSERT INTO settings (key, value, updated_by) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now(), updated_by = excluded.updated_by`,
		key, v, by)
	if err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}
