-- A billing period's charge span (billing_periods.charge_span_start/end) is
-- that of the lines it holds now: a re-ingest sets it, narrowing it when the
-- new version no longer holds the earliest or latest charge. Until now it
-- only widened, so a period that once held a correction months old kept a
-- span reaching back to it: every re-ingest marked all the hours since then
-- stale, and readers scanned the period for windows it no longer charges.
--
-- The hours a replace withdrew lines from must still be recomputed: those of
-- the span it narrowed. Each such replace records the span the period had
-- before it, with its transaction id (as billing_periods.ingest_xid): an
-- hour whose read did not see that transaction and that the span covers is
-- stale (StaleHours), until it is recomputed from a read that does. The
-- period's own row covers only its current version, so an hour read before
-- two replaces, the first of which narrowed the span, is still stale by the
-- first's row.
--
-- Replaces of a period are serialized, so a read that does not see one of
-- its replaces sees none of the later ones: a row whose span a later row of
-- the period covers says nothing more, and ingest deletes it.
-- Distributed by billing_account_id, with billing_periods, which it
-- references: a period's retired spans live on its shard.
CREATE TABLE retired_charge_spans (
    billing_account_id   text NOT NULL,
    billing_period_start timestamptz NOT NULL,
    source               text NOT NULL,
    ingest_xid           xid8 NOT NULL,
    span_start           timestamptz NOT NULL,
    span_end             timestamptz NOT NULL,
    PRIMARY KEY (billing_account_id, billing_period_start, source, ingest_xid),
    FOREIGN KEY (billing_account_id, billing_period_start, source) REFERENCES billing_periods
);

-- Spans stored before were widened by every version of their period: set
-- them to their lines'. The span a period had is recorded as retired by its
-- last ingest, so the hours read before it stay stale as they were (a
-- period without ingest_xid made no hour stale when 017 ran, nor since).
-- (One statement: the INSERT reads the spans before the UPDATE sets them.)
WITH exact AS (
    SELECT p.billing_account_id, p.billing_period_start, p.source, p.ingest_xid,
           p.charge_span_start AS old_s, p.charge_span_end AS old_e, l.s, l.e
    FROM billing_periods p
    LEFT JOIN (
        SELECT billing_account_id, billing_period_start, source, min(charge_period_start) AS s,
               max(greatest(charge_period_end, charge_period_start + interval '1 microsecond')) AS e
        FROM cost_lines
        GROUP BY 1, 2, 3
    ) l USING (billing_account_id, billing_period_start, source)
    WHERE p.charge_span_start IS NOT NULL
      AND (l.s IS NULL OR l.s > p.charge_span_start OR l.e < p.charge_span_end)
), retired AS (
    INSERT INTO retired_charge_spans (billing_account_id, billing_period_start, source, ingest_xid, span_start, span_end)
    SELECT billing_account_id, billing_period_start, source, ingest_xid, old_s, old_e
    FROM exact WHERE ingest_xid IS NOT NULL
)
UPDATE billing_periods p SET charge_span_start = x.s, charge_span_end = x.e
FROM exact x
WHERE p.billing_account_id = x.billing_account_id AND p.billing_period_start = x.billing_period_start
  AND p.source = x.source;
