-- Password sign-in attempts per email (web.LoginFailures in
-- web.LoginFailureWindow), shared by every serve process of the database, so
-- that replicas behind a load balancer, and a restarted process, count the
-- same guesses. email_hash is the SHA-256 of the email, trimmed and lower
-- case (known or not: the limit does not reveal who has an account);
-- failures counts the attempts since window_start (the database's clock),
-- each counted before its password is compared, and a successful sign-in
-- deletes its row (postgres.DB.TakeLoginAttempt, ClearLoginAttempts). Logged,
-- unlike agent_rate_buckets: a crash must not reset a guesser's count.
CREATE TABLE login_failures (
    email_hash   bytea PRIMARY KEY CHECK (length(email_hash) = 32),
    window_start timestamptz NOT NULL,
    failures     integer NOT NULL CHECK (failures > 0)
);
CREATE INDEX login_failures_window_start ON login_failures (window_start);
