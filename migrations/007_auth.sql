-- Dashboard sign-in and settings. Small tables: Citus reference tables.

-- People who sign in with a password (bcrypt hash). Emails are stored lower-cased.
CREATE TABLE users (
    user_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email = lower(email) AND email <> ''),
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('viewer', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Signed-in browsers. The cookie holds a random secret; only its SHA-256 is
-- stored. Expired rows are deleted by the server as it goes.
CREATE TABLE sessions (
    session_hash bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Organization-wide settings, one JSON document per key (e.g. 'cost': the
-- shared-cost rules the allocation API defaults to).
CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL DEFAULT ''
);
