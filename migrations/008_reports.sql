-- Weekly report delivery: each audience's rendered report per week, one
-- delivery per recipient keyed by the idempotency key report-week ×
-- audience × recipient, and the delivery log. Small tables: Citus reference
-- tables, no distribution column.

-- A report rendered once per week and audience, so every recipient and
-- every retry gets the same message.
CREATE TABLE report_runs (
    week_start date NOT NULL,        -- Monday (UTC) the report week starts
    audience   text NOT NULL,
    created_at timestamptz NOT NULL,
    subject    text NOT NULL,
    content    jsonb NOT NULL,       -- {"subject","html","text","images":[{"contentId","name","png"(base64),…}]}
    PRIMARY KEY (week_start, audience)
);

-- One row per report and recipient. Sending claims the row (claimed), marks
-- it just before handing the message to the server (sending), then sent; a
-- failure goes to retry with a later next_attempt_at, or failed. A crash
-- leaves claimed (nothing sent: retried) or sending (maybe sent: unknown,
-- never resent).
CREATE TABLE report_deliveries (
    idempotency_key text PRIMARY KEY,  -- weekly/2026-W42/org/ana@example.com
    week_start      date NOT NULL,
    audience        text NOT NULL,
    recipient       text NOT NULL,     -- lower-cased address
    status          text NOT NULL CHECK (status IN ('pending', 'claimed', 'sending', 'sent', 'retry', 'failed', 'unknown')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    message_id      text NOT NULL,
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    UNIQUE (week_start, audience, recipient),
    FOREIGN KEY (week_start, audience) REFERENCES report_runs ON DELETE CASCADE
);
CREATE INDEX report_deliveries_due ON report_deliveries (next_attempt_at) WHERE status IN ('pending', 'retry');
CREATE INDEX report_deliveries_open ON report_deliveries (status) WHERE status IN ('claimed', 'sending');

-- The delivery log: every state change with its reason.
CREATE TABLE report_delivery_events (
    event_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key text NOT NULL REFERENCES report_deliveries ON DELETE CASCADE,
    at              timestamptz NOT NULL,
    status          text NOT NULL,
    attempt         integer NOT NULL,
    detail          text NOT NULL DEFAULT ''
);
CREATE INDEX report_delivery_events_key ON report_delivery_events (idempotency_key, event_id);
