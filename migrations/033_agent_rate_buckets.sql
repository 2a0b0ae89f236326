-- Each agent token's ingest rate limit (tally serve --agent-rate), a token
-- bucket every serve process of the database shares: `tokens` batches were
-- left at `at` (the database's clock_timestamp(), so processes whose clocks
-- disagree agree on it), refilled at the rate up to the burst since; `took`
-- says whether the last batch found one (postgres.DB.TakeAgentBatch, one
-- INSERT … ON CONFLICT DO UPDATE a batch). UNLOGGED: each batch updates its
-- row, and a lost bucket (after a crash, or on a standby promoted) is a
-- full one, which is what a token that sent nothing for ten seconds has, so
-- it needs no WAL. A revoked token's bucket goes with it.
CREATE UNLOGGED TABLE agent_rate_buckets (
    token_id text PRIMARY KEY REFERENCES tokens ON DELETE CASCADE,
    tokens   double precision NOT NULL,
    at       timestamptz NOT NULL,
    took     boolean NOT NULL
);
