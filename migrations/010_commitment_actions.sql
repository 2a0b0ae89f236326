-- Every commitment action Tally takes or prepares: inventory syncs, exported
-- purchase plans, dry runs and purchases, with the exact request sent (or
-- that would be sent) and the provider's answer. Append-only and small:
-- under Citus a reference table, so its key needs no distribution column.
CREATE TABLE commitment_actions (
    action_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                 timestamptz NOT NULL DEFAULT now(),
    billing_account_id text NOT NULL,
    action             text NOT NULL CHECK (action IN ('sync', 'plan', 'dry-run', 'purchase')),
    status             text NOT NULL CHECK (status IN ('ok', 'failed', 'declined')),
    provider           text NOT NULL DEFAULT '',
    item_id            text NOT NULL DEFAULT '',
    operation          text NOT NULL DEFAULT '',   -- CreateSavingsPlan, PurchaseReservedInstancesOffering, …
    request            jsonb NOT NULL DEFAULT '{}',
    response           jsonb NOT NULL DEFAULT '{}',
    actor              text NOT NULL DEFAULT '',
    error              text NOT NULL DEFAULT ''
);
CREATE INDEX commitment_actions_at ON commitment_actions (at DESC);
